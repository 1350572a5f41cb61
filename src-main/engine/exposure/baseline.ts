/**
 * The attack surface over time: a baseline of what the network can reach (protocol, address,
 * port, process, verdict) and what changed since it was set: a port newly exposed, one closed,
 * a verdict widened (this network -> the internet) or narrowed, another program on a port.
 * Pure: the service reads and saves the baseline.
 */
import { surfaceKey } from '../../contract/exposure.js';
import type { ExposureBaseline, ExposureChange, ExposureEntry, Reach, SurfaceItem } from '../../contract/index.js';

/** How far a verdict reaches: unknown sits between this network and the internet (it may be either). */
const WIDTH: Record<Reach, number> = { machine: 0, lan: 1, unknown: 2, internet: 3 };

const LABEL: Record<Reach, string> = { machine: 'only this machine', lan: 'this network', unknown: 'unknown', internet: 'the internet' };

/** What the network can reach now: every entry not limited to this machine. */
export function surfaceOf(entries: ExposureEntry[]): SurfaceItem[] {
  return entries
    .filter((e) => e.reachableFrom !== 'machine')
    .map((e) => ({ protocol: e.protocol, address: e.address, port: e.port, ...(e.process ? { process: e.process } : {}), reachableFrom: e.reachableFrom }));
}

const where = (i: SurfaceItem) => `${i.protocol} ${i.address.includes(':') ? `[${i.address}]` : i.address}:${i.port}${i.process ? ` (${i.process})` : ''}`;

/** The changes from the baseline to now, newly exposed first. */
export function diffSurface(baseline: ExposureBaseline, entries: ExposureEntry[]): ExposureChange[] {
  const before = new Map(baseline.items.map((i) => [surfaceKey(i), i]));
  const now = surfaceOf(entries);
  const changes: ExposureChange[] = [];
  for (const item of now) {
    const key = surfaceKey(item);
    const old = before.get(key);
    before.delete(key);
    if (!old) {
      changes.push({ kind: 'new', key, item, text: `New: ${where(item)} is reachable from ${LABEL[item.reachableFrom]}.` });
      continue;
    }
    const w = WIDTH[item.reachableFrom] - WIDTH[old.reachableFrom];
    if (w !== 0) {
      changes.push({ kind: w > 0 ? 'widened' : 'narrowed', key, item, before: old, text: `${w > 0 ? 'Widened' : 'Narrowed'}: ${where(item)} was reachable from ${LABEL[old.reachableFrom]}, now from ${LABEL[item.reachableFrom]}.` });
    } else if (old.process && item.process && old.process !== item.process) {
      // Another program answering on an exposed port is a new exposure in all but the port number.
      changes.push({ kind: 'process', key, item, before: old, text: `Another program: ${where(item)} was held by ${old.process}.` });
    }
  }
  for (const [key, old] of before) {
    const still = entries.find((e) => surfaceKey(e) === key);
    changes.push({ kind: 'closed', key, item: { ...old, reachableFrom: still?.reachableFrom ?? 'machine' }, before: old, text: `Closed: ${where(old)} ${still ? 'is now reachable only from this machine' : 'no longer listens'} (was ${LABEL[old.reachableFrom]}).` });
  }
  const order = { new: 0, widened: 1, process: 2, narrowed: 3, closed: 4 } as const;
  return changes.sort((a, b) => order[a.kind] - order[b.kind] || a.item.port - b.item.port || a.key.localeCompare(b.key));
}

/** Whether a change exposes something that was not exposed before (the CLI's exit 1, the desktop's notification). */
export const isAlert = (c: ExposureChange): boolean => c.kind === 'new' || c.kind === 'widened' || c.kind === 'process';
