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
export function encodeOptions(view: ViewOptions): string {
  const parts: string[] = [];
  if (view.mode !== 'sockets') parts.push(`mode:${view.mode}`);
  if (view.only !== 'all') parts.push(`only:${view.only}`);
  if (view.hideLoopback) parts.push('loopback:hide');
  if (view.timeWait !== 'auto') parts.push(`timewait:${view.timeWait}`);
  if (view.group !== 'none') parts.push(`group:${view.group}`);
  if (view.talkers) parts.push('talkers');
  if (view.sort.column !== DEFAULT_OPTIONS.sort.column || view.sort.dir !== 'asc') parts.push(`sort:${view.sort.column}:${view.sort.dir}`);
  if (view.dns) parts.push('dns');
  return parts.join(' ');
}

/** Reads options back; unknown or damaged parts fall back to the defaults. */
export function decodeOptions(text: string): ViewOptions {
  const view: ViewOptions = { ...DEFAULT_OPTIONS, sort: { ...DEFAULT_OPTIONS.sort } };
  for (const part of text.split(/\s+/)) {
    const [key, a, b] = part.split(':');
    if (key === 'mode' && (a === 'pairs' || a === 'graph')) view.mode = a;
    else if (key === 'only' && (a === 'listening' || a === 'established')) view.only = a;
    else if (key === 'loopback' && a === 'hide') view.hideLoopback = true;
    else if (key === 'timewait' && (a === 'hide' || a === 'show')) view.timeWait = a;
    else if (key === 'group' && (a === 'process' || a === 'port')) view.group = a;
    else if (key === 'sort' && (COLUMNS as readonly string[]).includes(a ?? '')) view.sort = { column: a as Column, dir: b === 'desc' ? 'desc' : 'asc' };
    else if (key === 'dns') view.dns = true;
    else if (key === 'talkers') view.talkers = true;
  }
  return view;
}

/**
 * Whether TIME_WAIT rows are hidden: as set, or with 'auto' when they are over half the rows (a
 * busy web server's table is mostly TIME_WAIT, which hides the connections that are alive).
 */
export function hidesTimeWait(setting: TimeWait, timeWaitRows: number, rows: number): boolean {
  return setting === 'hide' || (setting === 'auto' && timeWaitRows * 2 > rows);
}

/** True when the row passes the quick toggles. */
export function passesToggles(row: SocketRow, toggles: Pick<ViewOptions, 'only' | 'hideLoopback'> & { hideTimeWait?: boolean }): boolean {
  if (toggles.hideTimeWait && row.state === 'TIME_WAIT') return false;
  if (toggles.only === 'listening' && !isListening(row)) return false;
  if (toggles.only === 'established' && row.state !== 'ESTABLISHED') return false;
  if (toggles.hideLoopback && isLoopback(row.localAddress)) return false;
  return true;
}
