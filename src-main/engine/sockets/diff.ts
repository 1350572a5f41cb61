/** Diffs two snapshots of the socket table by socket identity. */
import type { SocketDiff, SocketRow } from '../../contract/index.js';

/** The fields that can change while a socket keeps its identity (written out: this runs per row per tick). */
function sameRow(a: SocketRow, b: SocketRow): boolean {
  return (
    a.state === b.state &&
    a.rxQueue === b.rxQueue &&
    a.txQueue === b.txQueue &&
    a.pid === b.pid &&
    a.process === b.process &&
    a.pairId === b.pairId &&
    a.ownedBy === b.ownedBy &&
    a.user === b.user
  );
}

/** What was added, removed (by id) and changed between `before` and `after`. */
export function diffSockets(before: Map<string, SocketRow>, after: Map<string, SocketRow>): Omit<SocketDiff, 'tick' | 'at'> {
  const added: SocketRow[] = [];
  const changed: SocketRow[] = [];
  const removed: string[] = [];
  for (const [id, row] of after) {
    const old = before.get(id);
    if (!old) added.push(row);
    else if (!sameRow(old, row)) changed.push(row);
  }
  for (const id of before.keys()) if (!after.has(id)) removed.push(id);
  return { added, removed, changed };
}
