/**
 * The Sockets view's quick toggles, grouping, sort and reverse-DNS switch, remembered between runs
 * as one short string in the settings (filters key "sockets.view"), e.g. "mode:pairs only:listening
 * loopback:hide group:port sort:lport:desc dns".
 */
import type { SocketRow } from '../../../../src-main/contract/sockets.js';
import { isListening, isLoopback } from './filter.js';

/** The columns of the socket table, by sort key. */
export const COLUMNS = ['proto', 'local', 'lport', 'lservice', 'remote', 'rport', 'rservice', 'state', 'pid', 'process', 'user', 'rx', 'tx', 'range'] as const;
export type Column = (typeof COLUMNS)[number];
export type SortDir = 'asc' | 'desc';
export type Only = 'all' | 'listening' | 'established';
export type Grouping = 'none' | 'process' | 'port';
/** One row per socket, or one row per connection (socket pair) under its listener. */
export type Mode = 'sockets' | 'pairs' | 'graph';

/** TIME_WAIT rows: hidden when they are over half the table ('auto'), always hidden, or shown. */
export type TimeWait = 'auto' | 'hide' | 'show';

/** Everything the toolbar sets besides the filter text. */
export interface ViewOptions {
  mode: Mode;
  only: Only;
  hideLoopback: boolean;
  timeWait: TimeWait;
  group: Grouping;
  /** Pairs mode: every pair busiest first instead of under their listeners. */
  talkers: boolean;
  sort: { column: Column; dir: SortDir };
  dns: boolean;
}

export const DEFAULT_OPTIONS: ViewOptions = { mode: 'sockets', only: 'all', hideLoopback: false, timeWait: 'auto', group: 'none', talkers: false, sort: { column: 'lport', dir: 'asc' }, dns: false };

/** Writes options as the short string kept in the settings; defaults are left out. */
export function encodeOptions(o: ViewOptions): string {
  const parts: string[] = [];
  if (o.mode !== 'sockets') parts.push(`mode:${o.mode}`);
  if (o.only !== 'all') parts.push(`only:${o.only}`);
  if (o.hideLoopback) parts.push('loopback:hide');
  if (o.timeWait !== 'auto') parts.push(`timewait:${o.timeWait}`);
  if (o.group !== 'none') parts.push(`group:${o.group}`);
  if (o.talkers) parts.push('talkers');
  if (o.sort.column !== DEFAULT_OPTIONS.sort.column || o.sort.dir !== 'asc') parts.push(`sort:${o.sort.column}:${o.sort.dir}`);
  if (o.dns) parts.push('dns');
  return parts.join(' ');
}

/** Reads options back; unknown or damaged parts fall back to the defaults. */
export function decodeOptions(text: string): ViewOptions {
  const o: ViewOptions = { ...DEFAULT_OPTIONS, sort: { ...DEFAULT_OPTIONS.sort } };
  for (const part of text.split(/\s+/)) {
    const [key, a, b] = part.split(':');
    if (key === 'mode' && (a === 'pairs' || a === 'graph')) o.mode = a;
    else if (key === 'only' && (a === 'listening' || a === 'established')) o.only = a;
    else if (key === 'loopback' && a === 'hide') o.hideLoopback = true;
    else if (key === 'timewait' && (a === 'hide' || a === 'show')) o.timeWait = a;
    else if (key === 'group' && (a === 'process' || a === 'port')) o.group = a;
    else if (key === 'sort' && (COLUMNS as readonly string[]).includes(a ?? '')) o.sort = { column: a as Column, dir: b === 'desc' ? 'desc' : 'asc' };
    else if (key === 'dns') o.dns = true;
    else if (key === 'talkers') o.talkers = true;
  }
  return o;
}

/**
 * Whether TIME_WAIT rows are hidden: as set, or with 'auto' when they are over half the rows (a
 * busy web server's table is mostly TIME_WAIT, which hides the connections that are alive).
 */
export function hidesTimeWait(setting: TimeWait, timeWaitRows: number, rows: number): boolean {
  return setting === 'hide' || (setting === 'auto' && timeWaitRows * 2 > rows);
}

/** True when the row passes the quick toggles. */
export function passesToggles(row: SocketRow, o: Pick<ViewOptions, 'only' | 'hideLoopback'> & { hideTimeWait?: boolean }): boolean {
  if (o.hideTimeWait && row.state === 'TIME_WAIT') return false;
  if (o.only === 'listening' && !isListening(row)) return false;
  if (o.only === 'established' && row.state !== 'ESTABLISHED') return false;
  if (o.hideLoopback && isLoopback(row.localAddress)) return false;
  return true;
}
