/**
 * Batched change reports (VS Code's terminal buffering, applied to rows): things that appear,
 * close or change state are reported on the next turn of the event loop; counter-only changes at
 * most once per period. The listener and forward engines keep their changed and removed ids in
 * ChangeSets and build their own event in `flush`.
 */

/** Ids changed and removed since the last report. */
export class ChangeSet {
  private changed = new Set<string>();
  private gone = new Set<string>();

  /** This id's row changed (or appeared). */
  mark(id: string): void {
    this.changed.add(id);
  }

  /** This id's row is gone: it is reported removed, and no longer changed. */
  remove(id: string): void {
    this.changed.delete(id);
    this.gone.add(id);
  }

  /** What changed and what was removed since the last take, in the order it happened; clears both. */
  take(): { changed: string[]; removed: string[] } {
    const out = { changed: [...this.changed], removed: [...this.gone] };
    this.changed.clear();
    this.gone.clear();
    return out;
  }
}

/** When to run a flush: on the next turn, or at most once per `periodMs`. */
export class ChangeBatcher {
  private soon: NodeJS.Immediate | undefined;
  private later: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly flush: () => void,
    private readonly periodMs: number,
  ) {}

  /** soon: on the next turn (appearances, closes, state); otherwise within periodMs (counters). */
  schedule(soon: boolean): void {
    if (this.stopped && !soon) return;
    if (soon) this.soon ??= setImmediate(() => this.flushNow());
    else if (!this.later) {
      this.later = setTimeout(() => this.flushNow(), this.periodMs);
      this.later.unref();
    }
  }

  /** Runs the flush at once, cancelling what was scheduled. */
  flushNow(): void {
    this.cancel();
    this.flush();
  }

  /** No more periodic flushes (a flush due soon still runs when asked for); cancels what was scheduled. */
  stop(): void {
    this.stopped = true;
    this.cancel();
  }

  private cancel(): void {
    if (this.soon) clearImmediate(this.soon);
    if (this.later) clearTimeout(this.later);
    this.soon = undefined;
    this.later = undefined;
  }
}
