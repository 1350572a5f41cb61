/** The scanner's probe order: sequential, and a random order that still sends every probe exactly once. */
import { describe, expect, it } from 'vitest';
import { portStrategy, randomStrategy, sequentialStrategy } from '../../../../src-main/engine/scanner/port-strategy.js';

/** How often each probe is sent (out-of-range answers counted apart), and the first 64 of the order. */
function coverage(size: number, probeAt: (n: number) => number): { order: number[]; seen: Uint8Array; outOfRange: number } {
  const seen = new Uint8Array(size);
  const order: number[] = [];
  let outOfRange = 0;
  for (let n = 0; n < size; n++) {
    const x = probeAt(n);
    if (Number.isInteger(x) && x >= 0 && x < size) seen[x]!++;
    else outOfRange++;
    if (n < 64) order.push(x);
  }
  return { order, seen, outOfRange };
}

describe('port strategies', () => {
  it('sequential keeps host-major order', () => {
    const s = sequentialStrategy(5);
    expect([0, 1, 2, 3, 4].map((n) => s.probeAt(n))).toEqual([0, 1, 2, 3, 4]);
  });

  it('random covers every probe exactly once, for sizes around powers of two and a full port range', () => {
    for (const size of [1, 2, 3, 4, 5, 15, 16, 17, 100, 1000, 4097, 65535, 3 * 65535]) {
      const { seen, outOfRange } = coverage(size, randomStrategy(size, 12345).probeAt);
      expect(outOfRange, `size ${size}`).toBe(0);
      expect(seen.every((c) => c === 1), `size ${size}`).toBe(true);
    }
  });

  it('random is not the sequential order, depends on the seed, and is the same for the same seed', () => {
    const size = 65535;
    const a = coverage(size, randomStrategy(size, 1).probeAt).order;
    const b = coverage(size, randomStrategy(size, 2).probeAt).order;
    const again = coverage(size, randomStrategy(size, 1).probeAt).order;
    expect(a).toEqual(again);
    expect(a).not.toEqual(b);
    // Of the first 64 probes, few neighbours follow each other (sequential order would have 63).
    const neighbours = a.slice(1).filter((x, i) => Math.abs(x - a[i]!) === 1).length;
    expect(neighbours).toBeLessThan(8);
  });

  it('shards taking every count-th position of one random order still cover everything once', () => {
    const size = 10_000;
    const strategy = portStrategy('random', size, 99);
    const seen = new Uint8Array(size);
    const count = 3;
    for (let index = 0; index < count; index++) for (let n = index; n < size; n += count) seen[strategy.probeAt(n)]!++;
    expect(seen.every((c) => c === 1)).toBe(true);
  });

  it('handles the largest scan without memory (65,536 hosts x 65,535 ports): positions map in range', () => {
    const size = 65536 * 65535;
    const s = randomStrategy(size, 7);
    for (const n of [0, 1, size - 1, 123_456_789, 2 ** 31 + 5]) {
      const x = s.probeAt(n);
      expect(x >= 0 && x < size && Number.isInteger(x)).toBe(true);
    }
  });
});
