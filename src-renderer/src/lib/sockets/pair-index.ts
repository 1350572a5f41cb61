/**
 * The live table's pairs kept up to date as rows change, for pairs mode: a tick that touches k
 * rows re-pairs those k rows (and their other halves) against the listeners, instead of pairing
 * all 10,000 rows again at every diff and every fading highlight. The pairing itself is the
 * contract's `pairRows`, so the result is the one a full pass would give.
 */
import { isListenerRow, pairRows, pairSocketIds } from '../../../../src-main/contract/socket-pairs.js';
import type { SocketPair, SocketRow } from '../../../../src-main/contract/sockets.js';
import type { Entry, TableObserver } from './table.js';

/** What decides which connections a listener accepted: a change to any of it re-pairs everything. */
const listenerKey = (r: SocketRow) => `${r.proto}|${r.localAddress}|${r.localPort}|${r.pid ?? ''}|${r.state}`;

export class PairIndex implements TableObserver {
  /** Every row of the table, closed rows still fading included (the pairing reads them all). */
  private readonly rows = new Map<string, SocketRow>();
  private readonly listenerRows = new Map<string, SocketRow>();
  private readonly pairs = new Map<string, SocketPair>();
  /** The pair each socket row is in. */
  private readonly pairIdOf = new Map<string, string>();
  private readonly dirty = new Set<string>();
  private readonly left = new Set<string>();
  private full = true;

  enter(e: Entry): void {
    const id = e.row.id;
    this.left.delete(id);
    const before = this.rows.get(id);
    if (before === e.row) return; // only its highlight changed
    this.rows.set(id, e.row);
    this.touch(before, e.row);
  }

  leave(e: Entry): void {
    this.left.add(e.row.id);
  }

  clear(): void {
    this.rows.clear();
    this.left.clear();
    this.full = true;
  }

  /** Listener rows, in no particular order. */
  listeners(): IterableIterator<SocketRow> {
    this.update();
    return this.listenerRows.values();
  }

  /** Every connection once. */
  all(): IterableIterator<SocketPair> {
    this.update();
    return this.pairs.values();
  }

  /** The pair a socket row is in. */
  pairOf(socketId: string): SocketPair | undefined {
    // Asked once per shown row: the check stays cheap when nothing is pending.
    if (this.full || this.left.size || this.dirty.size) this.update();
    const id = this.pairIdOf.get(socketId);
    return id === undefined ? undefined : this.pairs.get(id);
  }

  private touch(before: SocketRow | undefined, after: SocketRow | undefined): void {
    const was = before && isListenerRow(before);
    const is = after && isListenerRow(after);
    if (was || is) {
      // A listener that came, went or moved changes whose pairs are whose: pair everything again.
      if (!was || !is || listenerKey(before) !== listenerKey(after)) this.full = true;
      if (is) this.listenerRows.set(after.id, after);
      else this.listenerRows.delete((before ?? after)!.id);
      if (was && is) return;
    }
    this.dirty.add((after ?? before)!.id);
  }

  /** Brings the pairs up to date with the rows that changed since the last call. */
  private update(): void {
    for (const id of this.left) {
      const before = this.rows.get(id);
      this.rows.delete(id);
      this.touch(before, undefined);
    }
    this.left.clear();
    if (this.full) {
      this.full = false;
      this.dirty.clear();
      this.pairs.clear();
      this.pairIdOf.clear();
      this.listenerRows.clear();
      for (const row of this.rows.values()) if (isListenerRow(row)) this.listenerRows.set(row.id, row);
      this.add(pairRows([...this.rows.values()]).pairs);
      return;
    }
    if (!this.dirty.size) return;
    // Each touched row, the pair it was in, and its other half now: unpaired, then paired again.
    const redo = new Set<string>();
    for (const id of this.dirty) {
      redo.add(id);
      const pairId = this.pairIdOf.get(id);
      const old = pairId ? this.pairs.get(pairId) : undefined;
      if (old) for (const sid of pairSocketIds(old)) redo.add(sid);
      const partner = this.rows.get(id)?.pairId;
      if (partner) redo.add(partner);
    }
    this.dirty.clear();
    for (const id of [...redo]) {
      const pairId = this.pairIdOf.get(id);
      if (pairId === undefined) continue;
      const old = this.pairs.get(pairId);
      this.pairs.delete(pairId);
      // A half of an undone pair is paired again too, whatever else happened to it.
      if (old)
        for (const sid of pairSocketIds(old)) {
          this.pairIdOf.delete(sid);
          redo.add(sid);
        }
    }
    const subset: SocketRow[] = [...this.listenerRows.values()];
    for (const id of redo) {
      const row = this.rows.get(id);
      if (row && !isListenerRow(row)) subset.push(row);
    }
    this.add(pairRows(subset).pairs);
  }

  private add(pairs: readonly SocketPair[]): void {
    for (const pair of pairs) {
      this.pairs.set(pair.id, pair);
      for (const sid of pairSocketIds(pair)) this.pairIdOf.set(sid, pair.id);
    }
  }
}
