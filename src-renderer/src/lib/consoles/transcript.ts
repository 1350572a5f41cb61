/**
 * A session's conversation in order, both ways: what was received (as the console kept it) and
 * what was sent, each segment marked with its direction. The console redraws from it (switching
 * Text/Hex, coming back to a tab) so that what was sent never disappears, and Save transcript
 * writes it as text, as a hex dump, or both, with sent and received marked apart.
 */
import { hexDump } from './hexdump.js';

/** Which way bytes went: received from the peer, or sent to it. */
export type Direction = 'in' | 'out';

/** One run of bytes in one direction; `offset` counts bytes of that direction before it. */
export interface Segment {
  dir: Direction;
  bytes: Uint8Array;
  offset: number;
}

/** The formats Save transcript offers. */
export type TranscriptFormat = 'text' | 'hex' | 'both';

/** Marks at the start of each line of a segment (as curl -v does). */
export const MARK: Record<Direction, string> = { out: '> ', in: '< ' };

/**
 * A bounded, ordered list of segments (oldest dropped past `capacity` bytes). Chunks are kept as
 * they came (no copying on the hot path of a fast peer); {@link Transcript.runs} joins runs in one
 * direction when a transcript is saved.
 */
export class Transcript {
  private list: Segment[] = [];
  private size = 0;
  private readonly totals: Record<Direction, number> = { in: 0, out: 0 };

  constructor(readonly capacity = 2 * 1024 * 1024) {}

  /** Adds bytes that went one way. */
  push(dir: Direction, bytes: Uint8Array): void {
    if (!bytes.length) return;
    this.list.push({ dir, bytes, offset: this.totals[dir] });
    this.totals[dir] += bytes.length;
    this.size += bytes.length;
    while (this.size > this.capacity && this.list.length) {
      const first = this.list[0]!;
      const over = this.size - this.capacity;
      if (first.bytes.length <= over) {
        this.list.shift();
        this.size -= first.bytes.length;
      } else {
        this.list[0] = { dir: first.dir, bytes: first.bytes.subarray(over), offset: first.offset + over };
        this.size -= over;
      }
    }
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
}

const decoder = () => new TextDecoder('utf-8', { fatal: false });

/** Text of a segment, each line marked with its direction ("> " sent, "< " received). */
function markedText(segment: Segment): string {
  const text = decoder().decode(segment.bytes).replace(/\r\n/g, '\n');
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return lines.map((line) => MARK[segment.dir] + line).join('\n');
}

/** A hex dump of a segment under a heading that says its direction and size. */
function markedHex(segment: Segment): string {
  const head = `${segment.dir === 'out' ? 'sent' : 'received'} ${segment.bytes.length} ${segment.bytes.length === 1 ? 'byte' : 'bytes'}`;
  return `${MARK[segment.dir]}${head}\n${hexDump(segment.bytes, segment.offset)}`;
}

/** The transcript as a file's text, in the chosen format. */
export function formatTranscript(segments: readonly Segment[], format: TranscriptFormat): string {
  if (!segments.length) return '';
  const text = segments.map(markedText).join('\n');
  const hex = segments.map(markedHex).join('\n\n');
  const body = format === 'text' ? text : format === 'hex' ? hex : `${text}\n\n--- hex dump ---\n\n${hex}`;
  return `${body}\n`;
}

/** The colour a console draws sent bytes in (cyan), so they stand apart from what was received. */
export const SENT_COLOUR = { on: '\x1b[36m', off: '\x1b[39m' } as const;
