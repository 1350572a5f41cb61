/**
 * The live socket table without any UI: rows by id, the diff of each tick applied in place, and
 * the filtered, sorted list kept up to date incrementally (a diff of k rows costs k binary
 * searches, not a new sort). Rows that change are marked for a while so the view can highlight
 * them, TCPView-style: new rows, changed rows, and closed rows that stay visible before they go.
 */
import type { SocketDiff, SocketRow } from '../../../../src-main/contract/sockets.js';

/** Why a row is highlighted. */
export type Mark = 'added' | 'changed' | 'removed';

/** One row of the table as the view shows it. Immutable: a change makes a new entry. */
export interface Entry {
  readonly row: SocketRow;
  readonly mark: Mark | null;
  /** When the mark was set (ms, the clock passed to the table). */
  readonly markedAt: number;
  /** Counts marks, so that a row marked twice in a row can restart its highlight. */
  readonly seq: number;
}

/** How long each mark lasts, in ms. */
export interface MarkDurations {
  added: number;
  changed: number;
  /** How long a closed row stays visible before it is dropped. */
  removed: number;
}

export const DEFAULT_DURATIONS: MarkDurations = { added: 3000, changed: 1500, removed: 2000 };

/** Which rows are shown and in what order. */
export interface TableView {
  accept: (row: SocketRow) => boolean;
  compare: (a: SocketRow, b: SocketRow) => number;
}

/**
 * Told of every entry that enters or leaves the table (a changed row's old entry leaves, then its
 * successor enters), so that counts over all rows stay right without a pass over 10,000 of them.
 */
export interface TableObserver {
  enter(e: Entry): void;
  leave(e: Entry): void;
  /** Every entry left (a new snapshot). */
  clear(): void;
}

/** One observer that tells each of several. */
export function observeAll(...observers: TableObserver[]): TableObserver {
  return {
    enter: (e) => observers.forEach((o) => o.enter(e)),
    leave: (e) => observers.forEach((o) => o.leave(e)),
    clear: () => observers.forEach((o) => o.clear()),
  };
}

/** Closed rows dropped at once past which one pass over the shown list beats a splice each. */
const BULK_DROP = 16;

export class SocketTable {
  private readonly entries = new Map<string, Entry>();
  private readonly marked = new Set<string>();
  private shown: Entry[] = [];
  private shownIds = new Set<string>();
  private seq = 0;

  constructor(
    private view: TableView,
    readonly durations: MarkDurations = DEFAULT_DURATIONS,
    private readonly observer?: TableObserver,
  ) {}

  /** Rows now, closed rows still fading included. */
  get size(): number {
    return this.entries.size;
  }

  /** Rows that are still open. */
  get liveCount(): number {
    let removed = 0;
    for (const id of this.marked) if (this.entries.get(id)?.mark === 'removed') removed++;
    return this.entries.size - removed;
  }

  /** Closed rows still shown while they fade (counted over the marks, not the 10,000 rows). */
  get fadingShown(): number {
    let n = 0;
    for (const id of this.marked) if (this.entries.get(id)?.mark === 'removed' && this.shownIds.has(id)) n++;
    return n;
  }

  /** True while some row is highlighted (the caller keeps a timer running for {@link expire}). */
  get hasMarks(): boolean {
    return this.marked.size > 0;
  }

  get(id: string): Entry | undefined {
    return this.entries.get(id);
  }

  /** Every entry, in no particular order. */
  all(): IterableIterator<Entry> {
    return this.entries.values();
  }

  /** The filtered, sorted rows (the table's own array: copy before handing it to reactive state). */
  rows(): readonly Entry[] {
    return this.shown;
  }

  /** Replaces everything with a snapshot; nothing is highlighted. */
  load(rows: readonly SocketRow[]): void {
    this.entries.clear();
    this.marked.clear();
    this.observer?.clear();
    for (const row of rows) {
      const e: Entry = { row, mark: null, markedAt: 0, seq: 0 };
      this.entries.set(row.id, e);
      this.observer?.enter(e);
    }
    this.rebuild();
  }

  /** Changes the filter or the order; rebuilds the shown list. */
  setView(view: TableView): void {
    this.view = view;
    this.rebuild();
  }

  /** Filters and sorts from scratch (after the view changed, or names it depends on arrived). */
  rebuild(): void {
    const { accept, compare } = this.view;
    const shown: Entry[] = [];
    for (const e of this.entries.values()) if (accept(e.row)) shown.push(e);
    this.shown = shown.sort((a, b) => compare(a.row, b.row));
    this.shownIds = new Set(shown.map((e) => e.row.id));
  }

  /** Applies one tick's diff; returns how many rows it touched. */
  apply(diff: Pick<SocketDiff, 'added' | 'removed' | 'changed'>, now: number): number {
    let touched = 0;
    for (const id of diff.removed) {
      const old = this.entries.get(id);
      if (!old || old.mark === 'removed') continue;
      this.put(old, { row: old.row, mark: 'removed', markedAt: now, seq: ++this.seq });
      touched++;
    }
    for (const row of diff.added) {
      this.put(this.entries.get(row.id), { row, mark: 'added', markedAt: now, seq: ++this.seq });
      touched++;
    }
    for (const row of diff.changed) {
      const old = this.entries.get(row.id);
      // A change to a row still highlighted as new keeps it green.
      const mark = old?.mark === 'added' ? 'added' : 'changed';
      this.put(old, { row, mark, markedAt: mark === 'added' ? old!.markedAt : now, seq: ++this.seq });
      touched++;
    }
    return touched;
  }

  /** Ends marks that have run their time and drops closed rows; returns true if anything changed. */
  expire(now: number): boolean {
    let any = false;
    const dropped: Entry[] = [];
    for (const id of [...this.marked]) {
      const e = this.entries.get(id);
      if (!e || !e.mark) {
        this.marked.delete(id);
        continue;
      }
      if (now - e.markedAt < this.durations[e.mark]) continue;
      any = true;
      if (e.mark === 'removed') {
        dropped.push(e);
        this.entries.delete(id);
        this.marked.delete(id);
        this.observer?.leave(e);
      } else {
        this.put(e, { row: e.row, mark: null, markedAt: now, seq: e.seq });
      }
    }
    this.unshowAll(dropped);
    return any;
  }

  /** Takes closed rows off the shown list: a splice each when few, one pass when many close at once. */
  private unshowAll(dropped: readonly Entry[]): void {
    if (dropped.length <= BULK_DROP) {
      for (const e of dropped) this.unshow(e);
      return;
    }
    const gone = new Set<string>();
    for (const e of dropped) if (this.shownIds.delete(e.row.id)) gone.add(e.row.id);
    if (gone.size) this.shown = this.shown.filter((e) => !gone.has(e.row.id));
  }

  /** Replaces (or adds) an entry in the map, the marks and the shown list. */
  private put(old: Entry | undefined, next: Entry): void {
    if (old) this.observer?.leave(old);
    this.entries.set(next.row.id, next);
    this.observer?.enter(next);
    if (next.mark) this.marked.add(next.row.id);
    else this.marked.delete(next.row.id);
    const at = old ? this.indexOf(old) : -1;
    const show = next.mark === 'removed' ? at >= 0 : this.view.accept(next.row);
    if (at >= 0 && show && old!.row === next.row) {
      this.shown[at] = next; // same row, new mark: keeps its place
      return;
    }
    if (at >= 0) this.unshow(old!);
    if (show) {
      this.shown.splice(this.insertionPoint(next.row), 0, next);
      this.shownIds.add(next.row.id);
    }
  }

  private unshow(e: Entry): void {
    const at = this.indexOf(e);
    if (at < 0) return;
    this.shown.splice(at, 1);
    this.shownIds.delete(e.row.id);
  }

  private insertionPoint(row: SocketRow): number {
    const compare = this.view.compare;
    let lo = 0;
    let hi = this.shown.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.shown[mid]!.row, row) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Where an entry is in the shown list (binary search by its row; the order is total), or -1. */
  private indexOf(e: Entry): number {
    if (!this.shownIds.has(e.row.id)) return -1;
    const at = this.insertionPoint(e.row);
    const found = this.shown[at];
    if (found && found.row.id === e.row.id) return at;
    // The entry may be shown under an older sort key only if the order changed without a rebuild.
    return this.shown.findIndex((x) => x.row.id === e.row.id);
  }
}
