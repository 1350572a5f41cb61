/**
 * The renderer's one way to follow a piece of the engine's state: read a snapshot by a call,
 * keep the events that arrive while the read is on its way, then hand the answer and those events,
 * in arrival order, to the state class. Events that cross a read may or may not be in its answer,
 * so dropping them could lose a change and applying them before the answer would be undone by it.
 * A newer load (the link came back) supersedes one still in flight: the older answer is dropped,
 * and so are events kept before the newer read began (its answer holds them).
 */
import type { ConnectionStatus } from '../api/transport.js';

/** What a state class tells {@link SnapshotSync} about its piece of state. */
export interface SnapshotSyncOptions<S, E> {
  /** Reads the whole state (one call or several); a rejection goes to {@link fail}. */
  read: () => Promise<S>;
  /**
   * Takes the latest load's answer and the events that crossed it, oldest first. It decides how
   * they apply: through the same path as {@link apply}, folded into the answer, or "last wins".
   */
  adopt: (snapshot: S, crossed: E[]) => void;
  /** Applies one event while no load is on its way. */
  apply: (event: E) => void;
  /** The latest load failed (the read, or adopting its answer); the events it kept are dropped, the next load reads them. */
  fail: (err: unknown) => void;
}

export class SnapshotSync<S, E> {
  /** Events received since the latest load began; null while no load is on its way. */
  private crossed: E[] | null = null;
  private seq = 0;

  constructor(private readonly options: SnapshotSyncOptions<S, E>) {}

  /** True while a load is on its way (events are being kept for it). */
  get loading(): boolean {
    return this.crossed !== null;
  }

  /** Routes one event: kept while a load is on its way, applied at once otherwise. */
  push(event: E): void {
    if (this.crossed) this.crossed.push(event);
    else this.options.apply(event);
  }

  /** Reads the state again; resolves when it is adopted, failed, or superseded by a newer load. */
  async load(): Promise<void> {
    const seq = ++this.seq;
    this.crossed = [];
    try {
      const snapshot = await this.options.read();
      if (seq !== this.seq) return;
      const crossed = this.crossed;
      this.crossed = null;
      this.options.adopt(snapshot, crossed);
    } catch (err) {
      if (seq !== this.seq) return;
      this.crossed = null;
      this.options.fail(err);
    }
  }

  /**
   * Loads each time the link to the engine comes (back) up: events sent while it was down are
   * lost, so only a new snapshot is right. Returns the unsubscribe function.
   */
  reloadOnConnect(api: { onStatus(listener: (status: ConnectionStatus) => void): () => void }): () => void {
    return api.onStatus((status) => {
      if (status === 'connected') void this.load();
    });
  }
}
