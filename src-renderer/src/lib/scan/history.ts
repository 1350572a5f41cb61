/** Which saved scans can be compared: the diff needs two scans of the same protocol sharing a host. */
import type { ScanSummary } from '../../../../src-main/contract/scan.js';

/** True when a diff of `a` and `b` makes sense (same protocol, a host in common, two scans). */
export function comparable(a: ScanSummary, b: ScanSummary): boolean {
  return a.id !== b.id && a.protocol === b.protocol && a.hosts.some((h) => b.hosts.includes(h));
}

/** Scans that can be compared with `scan`, newest first (the history's order). */
export function comparableWith(history: readonly ScanSummary[], scan: ScanSummary): ScanSummary[] {
  return history.filter((s) => comparable(s, scan));
}

/**
 * The scan to compare `scan` with by default: the latest earlier run of the same scan (same
 * targets, ports and protocol; "what changed since last week"), else the latest earlier scan
 * sharing a host, whose diff covers only the ports both scanned.
 */
export function baselineFor(history: readonly ScanSummary[], scan: ScanSummary): ScanSummary | undefined {
  const earlier = history.filter((s) => comparable(s, scan) && s.startedAt < scan.startedAt);
  return earlier.find((s) => s.targets === scan.targets && s.ports === scan.ports) ?? earlier[0];
}

/** Orders two scans so that `a` is the earlier one, as scan.diff expects. */
export function inOrder(x: ScanSummary, y: ScanSummary): [ScanSummary, ScanSummary] {
  return x.startedAt <= y.startedAt ? [x, y] : [y, x];
}

/** A short label of a saved scan: "127.0.0.1 · top:100 TCP". */
export function scanLabel(s: Pick<ScanSummary, 'targets' | 'ports' | 'protocol'>): string {
  const targets = s.targets.length > 40 ? `${s.targets.slice(0, 39)}…` : s.targets;
  const ports = s.ports.length > 24 ? `${s.ports.slice(0, 23)}…` : s.ports;
  return `${targets} · ${ports} ${s.protocol.toUpperCase()}`;
}

/** The scans whose targets or hosts contain `query` (case-insensitive); all of them for an empty query. */
export function filterHistory(history: readonly ScanSummary[], query: string): ScanSummary[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...history];
  return history.filter((s) => s.targets.toLowerCase().includes(q) || s.hosts.some((h) => h.toLowerCase().includes(q)));
}

/** Ages the history offers for "delete scans older than", in days. */
export const DELETE_AGES = [1, 7, 30, 90] as const;

/** The scans started more than `days` days before `now`. */
export function olderThan(history: readonly ScanSummary[], days: number, now = Date.now()): ScanSummary[] {
  const cutoff = now - days * 86_400_000;
  return history.filter((s) => s.startedAt < cutoff);
}
