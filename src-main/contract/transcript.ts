/**
 * A session's conversation as a bounded, ordered list of segments, both ways (zod-free: the
 * engine keeps one per console session so that a console opened later can show what was said,
 * and the renderer keeps one per console for redraws and Save transcript).
 */

/** Which way bytes went: received from the peer, or sent to it. */
export type Direction = 'in' | 'out';

/** One run of bytes in one direction; `offset` counts bytes of that direction before it. */
export interface Segment {
  dir: Direction;
  bytes: Uint8Array;
  offset: number;
}

/**
 * The newest `capacity` bytes of a conversation, oldest dropped first (a segment cut in two keeps
 * its newer end). Chunks are kept as they came (no copying on the hot path of a fast peer);
 * {@link Transcript.runs} joins runs in one direction.
 */
export class Transcript {
  private list: Segment[] = [];
  private size = 0;
  private readonly totals: Record<Direction, number> = { in: 0, out: 0 };
  /** Bytes no longer kept: the oldest, beyond `capacity`. */
  dropped = 0;

  constructor(readonly capacity = 2 * 1024 * 1024) {}

  /** Bytes kept now. */
  get length(): number {
    return this.size;
  }

  /** Bytes that went each way since the start (kept or dropped). */
  total(dir: Direction): number {
    return this.totals[dir];
  }

  /** Adds bytes that went one way. */
  push(dir: Direction, bytes: Uint8Array): void {
    if (!bytes.length) return;
    this.list.push({ dir, bytes, offset: this.totals[dir] });
    this.totals[dir] += bytes.length;
    this.size += bytes.length;
    this.trim();
  }

  /**
   * Takes segments kept elsewhere (the engine's, for a console opened later) in place of its own:
   * their offsets are kept, and what goes on after them counts on from their ends.
   * `dropped` is what the other side no longer had.
   */
  restore(segments: readonly Segment[], dropped: number, totals: Record<Direction, number>): void {
    this.list = [...segments];
    this.size = segments.reduce((n, s) => n + s.bytes.length, 0);
    this.totals.in = totals.in;
    this.totals.out = totals.out;
    this.dropped = dropped;
    this.trim();
  }

  /** The chunks kept, oldest first, as they came. */
  get segments(): readonly Segment[] {
    return this.list;
  }

  /** The chunks kept with consecutive ones of one direction joined: one segment per turn of the conversation. */
  runs(): Segment[] {
    const out: Segment[] = [];
    let group: Segment[] = [];
    const flush = () => {
      if (!group.length) return;
      const size = group.reduce((n, s) => n + s.bytes.length, 0);
      const bytes = new Uint8Array(size);
      let at = 0;
      for (const s of group) {
        bytes.set(s.bytes, at);
        at += s.bytes.length;
      }
      out.push({ dir: group[0]!.dir, bytes, offset: group[0]!.offset });
      group = [];
    };
    for (const s of this.list) {
      if (group.length && group[0]!.dir !== s.dir) flush();
      group.push(s);
    }
    flush();
    return out;
  }

  private trim(): void {
    while (this.size > this.capacity && this.list.length) {
      const first = this.list[0]!;
      const over = this.size - this.capacity;
      if (first.bytes.length <= over) {
        this.list.shift();
        this.size -= first.bytes.length;
        this.dropped += first.bytes.length;
      } else {
        this.list[0] = { dir: first.dir, bytes: first.bytes.subarray(over), offset: first.offset + over };
        this.size -= over;
        this.dropped += over;
      }
    }
  }
}
