/** The bounded transcript the engine keeps per console session (and the renderer per console). */
import { describe, expect, it } from 'vitest';
import { Transcript } from '../../../src-main/contract/transcript.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const view = (t: Transcript) => t.segments.map((s) => [s.dir, new TextDecoder().decode(s.bytes), s.offset]);

describe('Transcript (bounded)', () => {
  it('keeps the newest bytes both ways and counts what it dropped', () => {
    const t = new Transcript(8);
    t.push('in', bytes('abcd'));
    t.push('out', bytes('xy'));
    expect(t.dropped).toBe(0);
    t.push('in', bytes('efgh'));
    // 10 bytes in 8: the first 2 received go, the segment keeps its newer end and its offset moves on.
    expect(view(t)).toEqual([['in', 'cd', 2], ['out', 'xy', 0], ['in', 'efgh', 4]]);
    expect(t.dropped).toBe(2);
    expect(t.length).toBe(8);
    t.push('out', bytes('0123456789'));
    // A push larger than the whole bound keeps only its last 8 bytes.
    expect(view(t)).toEqual([['out', '23456789', 4]]);
    expect(t.dropped).toBe(12);
    expect([t.total('in'), t.total('out')]).toEqual([8, 12]);
  });

  it('ignores empty pushes', () => {
    const t = new Transcript(4);
    t.push('in', new Uint8Array(0));
    expect(t.segments).toEqual([]);
    expect(t.total('in')).toBe(0);
  });

  it('restores segments kept elsewhere, then counts on from their totals and still holds its bound', () => {
    const t = new Transcript(6);
    t.push('in', bytes('local'));
    t.restore([{ dir: 'out', bytes: bytes('hi'), offset: 10 }, { dir: 'in', bytes: bytes('yo'), offset: 40 }], 50, { in: 42, out: 12 });
    expect(view(t)).toEqual([['out', 'hi', 10], ['in', 'yo', 40]]);
    expect(t.dropped).toBe(50);
    t.push('in', bytes('!'));
    expect(view(t).at(-1)).toEqual(['in', '!', 42]);
    t.push('out', bytes('abc'));
    // 8 bytes in 6: the restored "hi" goes.
    expect(view(t)).toEqual([['in', 'yo', 40], ['in', '!', 42], ['out', 'abc', 12]]);
    expect(t.dropped).toBe(52);
  });
});
