/**
 * The listener baseline: the listening sockets the user knows about. A new listening socket
 * outside it raises an alert (when alerts are on).
 */
import type { SocketRow } from '../../../../src-main/contract/sockets.js';
import { isListening } from './filter.js';

/** How the baseline names a listening socket: "tcp|0.0.0.0|22". */
export function listenerKey(row: Pick<SocketRow, 'proto' | 'localAddress' | 'localPort'>): string {
  return `${row.proto}|${row.localAddress}|${row.localPort}`;
}

/** The baseline made of the listening sockets among these rows (sorted, no duplicates). */
export function baselineOf(rows: Iterable<SocketRow>): string[] {
  const keys = new Set<string>();
  for (const row of rows) if (isListening(row)) keys.add(listenerKey(row));
  return [...keys].sort();
}

/** The listening sockets among `rows` that the baseline does not know, one per key. */
export function newListeners(rows: Iterable<SocketRow>, baseline: ReadonlySet<string>): SocketRow[] {
  const seen = new Set<string>();
  const out: SocketRow[] = [];
  for (const row of rows) {
    if (!isListening(row)) continue;
    const key = listenerKey(row);
    if (baseline.has(key) || seen.has(key)) continue;
    seen.add(key);
    out.push(row);
  }
  return out;
}

/** A baseline with keys added, kept sorted and within the settings' limit (oldest-looking kept). */
export function withKeys(baseline: readonly string[], keys: readonly string[], max = 5000): string[] {
  return [...new Set([...baseline, ...keys])].sort().slice(0, max);
}
