/**
 * A session's conversation in order, both ways: what was received (as the console kept it) and
 * what was sent, each segment marked with its direction. The console redraws from it (switching
 * Text/Hex, coming back to a tab) so that what was sent never disappears, and Save transcript
 * writes it as text, as a hex dump, or both, with sent and received marked apart.
 */
import type { Direction, Segment } from '../../../../src-main/contract/transcript.js';
import { hexDump } from './hexdump.js';

export { Transcript, type Direction, type Segment } from '../../../../src-main/contract/transcript.js';

/** The formats Save transcript offers. */
export type TranscriptFormat = 'text' | 'hex' | 'both';

/** Marks at the start of each line of a segment (as curl -v does). */
export const MARK: Record<Direction, string> = { out: '> ', in: '< ' };

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
