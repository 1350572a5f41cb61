/**
 * The results of the scan on screen: non-closed ports keyed by host + protocol + port (service
 * detection sends a port again, which replaces its row), counters from `scan.progress`, and the
 * rows of the results table, grouped per host in host order, ports ascending.
 */
import type { PortResult, PortState, ScanHost, ScanInfo, ScanProgress, ScanResults, StateCounts } from '../../../../src-main/contract/scan.js';

/** The scan shown: its info, its non-closed results, and exact counts per host once finished. */
export interface ScanModel {
  info: ScanInfo;
  results: ReadonlyMap<string, PortResult>;
  /** Counts of every state per host, from `scan.results`; null while only events were seen. */
  counts: ReadonlyMap<string, StateCounts> | null;
}

/** The identity of a result: a port of a host over a protocol. */
export const resultKey = (r: Pick<PortResult, 'host' | 'protocol' | 'port'>): string => `${r.host} ${r.protocol} ${r.port}`;

/** True once a scan can change no more. */
export const isFinal = (state: ScanInfo['state']): boolean => state === 'done' || state === 'cancelled' || state === 'failed';

/** A model from a whole `scan.results` answer. */
export function fromResults(scan: ScanResults): ScanModel {
  return {
    info: scan.info,
    results: new Map(scan.results.map((r) => [resultKey(r), r])),
    counts: new Map(scan.counts.map((c) => [c.host, c.counts])),
  };
}

/** A model of a scan just started (no results yet). */
export function fromInfo(info: ScanInfo): ScanModel {
  return { info, results: new Map(), counts: null };
}

/** Adds a batch of `scan.found` (a new map: the model is replaced, never mutated). */
export function mergeFound(model: ScanModel, batch: readonly PortResult[]): ScanModel {
  if (batch.length === 0) return model;
  const results = new Map(model.results);
  for (const r of batch) {
    // Closed ports are only counted; should one come, it replaces nothing and adds nothing.
    if (r.state === 'closed') results.delete(resultKey(r));
    else results.set(resultKey(r), r);
  }
  return { ...model, results };
}

/** Applies the counters of `scan.progress`. */
export function applyProgress(model: ScanModel, p: ScanProgress): ScanModel {
  const { id: _id, ...counters } = p;
  return { ...model, info: { ...model.info, ...counters } };
}

/** Closed ports so far: probes done minus the non-closed ones listed (exact once counts are known). */
export function closedCount(model: ScanModel): number {
  if (model.counts) {
    let closed = 0;
    for (const c of model.counts.values()) closed += c.closed;
    return closed;
  }
  return Math.max(0, model.info.done - model.results.size);
}

const zero = (): StateCounts => ({ open: 0, closed: 0, filtered: 0, 'open|filtered': 0, error: 0 });

/** Counts of each state over the whole scan (closed as in {@link closedCount}). */
export function totalCounts(model: ScanModel): StateCounts {
  const out = zero();
  for (const r of model.results.values()) out[r.state]++;
  out.closed = closedCount(model);
  return out;
}

/** A row of the results table: a host heading, or one of its ports. */
export type ResultRow =
  | { kind: 'host'; host: ScanHost; counts: StateCounts; exact: boolean; hidden: number }
  | { kind: 'port'; result: PortResult; target: string };

/** A stable key per row. */
export const rowKey = (row: ResultRow): string => (row.kind === 'host' ? `h ${row.host.address}` : `p ${resultKey(row.result)}`);

/**
 * The table's rows: each host that has a listed port (or every host once finished, so that
 * "all closed" shows too), then its ports in the states shown. `hidden` counts ports left out by
 * the state filter.
 */
export function buildRows(model: ScanModel, shown: ReadonlySet<PortState>): ResultRow[] {
  const byHost = new Map<string, PortResult[]>();
  for (const r of model.results.values()) {
    let list = byHost.get(r.host);
    if (!list) byHost.set(r.host, (list = []));
    list.push(r);
  }
  const rows: ResultRow[] = [];
  const final = isFinal(model.info.state);
  for (const host of model.info.hosts) {
    const list = byHost.get(host.address) ?? [];
    const exact = model.counts?.get(host.address);
    if (list.length === 0 && !exact && !final) continue;
    const counts = exact ? { ...exact } : zero();
    if (!exact) for (const r of list) counts[r.state]++;
    const visible = list.filter((r) => shown.has(r.state)).sort((a, b) => a.port - b.port);
    rows.push({ kind: 'host', host, counts, exact: !!exact, hidden: list.length - visible.length });
    for (const result of visible) rows.push({ kind: 'port', result, target: host.target });
  }
  return rows;
}

/** "3 open, 1 filtered, 96 closed": the non-zero counts, open first. */
export function countsLine(counts: StateCounts, exact: boolean): string {
  const parts: string[] = [];
  for (const state of ['open', 'open|filtered', 'filtered', 'error', 'closed'] as const) {
    if (state === 'closed' && !exact) continue;
    if (counts[state] > 0) parts.push(`${counts[state].toLocaleString('en-US')} ${state}`);
  }
  return parts.length ? parts.join(', ') : exact ? 'nothing answered' : 'nothing found yet';
}
