/**
 * The Sockets view's quick toggles, grouping, sort and reverse-DNS switch, remembered between runs
 * as one short string in the settings (filters key "sockets.view"), e.g. "only:listening loopback:hide
 * group:port sort:lport:desc dns".
 */
import type { SocketRow } from '../../../../src-main/contract/sockets.js';
import { isListening, isLoopback } from './filter.js';

/** The columns of the socket table, by sort key. */
export const COLUMNS = ['proto', 'local', 'lport', 'lservice', 'remote', 'rport', 'rservice', 'state', 'pid', 'process', 'user', 'rx', 'tx', 'range'] as const;
export type Column = (typeof COLUMNS)[number];
export type SortDir = 'asc' | 'desc';
export type Only = 'all' | 'listening' | 'established';
export type Grouping = 'none' | 'process' | 'port';

/** Everything the toolbar sets besides the filter text. */
export interface ViewOptions {
  only: Only;
  hideLoopback: boolean;
  group: Grouping;
  sort: { column: Column; dir: SortDir };
  dns: boolean;
}

export const DEFAULT_OPTIONS: ViewOptions = { only: 'all', hideLoopback: false, group: 'none', sort: { column: 'lport', dir: 'asc' }, dns: false };

/** Writes options as the short string kept in the settings; defaults are left out. */
export function encodeOptions(o: ViewOptions): string {
  const parts: string[] = [];
  if (o.only !== 'all') parts.push(`only:${o.only}`);
  if (o.hideLoopback) parts.push('loopback:hide');
  if (o.group !== 'none') parts.push(`group:${o.group}`);
  if (o.sort.column !== DEFAULT_OPTIONS.sort.column || o.sort.dir !== 'asc') parts.push(`sort:${o.sort.column}:${o.sort.dir}`);
  if (o.dns) parts.push('dns');
  return parts.join(' ');
}

/** Reads options back; unknown or damaged parts fall back to the defaults. */
export function decodeOptions(text: string): ViewOptions {
  const o: ViewOptions = { ...DEFAULT_OPTIONS, sort: { ...DEFAULT_OPTIONS.sort } };
  for (const part of text.split(/\s+/)) {
    const [key, a, b] = part.split(':');
    if (key === 'only' && (a === 'listening' || a === 'established')) o.only = a;
    else if (key === 'loopback' && a === 'hide') o.hideLoopback = true;
    else if (key === 'group' && (a === 'process' || a === 'port')) o.group = a;
    else if (key === 'sort' && (COLUMNS as readonly string[]).includes(a ?? '')) o.sort = { column: a as Column, dir: b === 'desc' ? 'desc' : 'asc' };
    else if (key === 'dns') o.dns = true;
  }
  return o;
}

/** True when the row passes the quick toggles. */
export function passesToggles(row: SocketRow, o: Pick<ViewOptions, 'only' | 'hideLoopback'>): boolean {
  if (o.only === 'listening' && !isListening(row)) return false;
  if (o.only === 'established' && row.state !== 'ESTABLISHED') return false;
  if (o.hideLoopback && isLoopback(row.localAddress)) return false;
  return true;
}
