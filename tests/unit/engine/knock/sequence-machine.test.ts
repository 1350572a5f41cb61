/** The knock guard's per-source state machine: order, window, sources kept apart, bounded memory. */
import { describe, expect, it } from 'vitest';
import { SequenceMachine, type Knock } from '../../../../src-main/engine/knock/sequence-machine.js';

const T = (port: number): Knock => ({ port, protocol: 'tcp' });
const U = (port: number): Knock => ({ port, protocol: 'udp' });
const SEQ = [T(7000), U(8000), T(9000)];
const machine = (o: Partial<ConstructorParameters<typeof SequenceMachine>[0]> = {}) =>
  new SequenceMachine({ sequence: SEQ, windowMs: 5000, openForMs: 30000, ...o });

const A = '192.0.2.1'; // documentation addresses, only as strings: this pure test sends no packet
const B = '192.0.2.2';

describe('SequenceMachine', () => {
  it('opens a source that knocks the steps in order, for openForMs only', () => {
    const m = machine();
    expect(m.hit(A, T(7000), 0)).toEqual([{ source: A, outcome: 'progress', stepsMatched: 1, step: T(7000), at: 0 }]);
    expect(m.hit(A, U(8000), 100).map((e) => e.outcome)).toEqual(['progress']);
    expect(m.isOpen(A, 150)).toBe(false);
    expect(m.hit(A, T(9000), 200)).toEqual([{ source: A, outcome: 'opened', stepsMatched: 3, step: T(9000), at: 200 }]);
    expect(m.isOpen(A, 200)).toBe(true);
    expect(m.isOpen(A, 30199)).toBe(true);
    expect(m.isOpen(A, 30200)).toBe(false);
    expect(m.openSources(1000)).toEqual([{ address: A, until: 30200 }]);
    expect(m.sweep(30200).closed).toEqual([A]);
    expect(m.size).toEqual({ progress: 0, open: 0 });
  });

  it('tells protocols apart: the right port over the wrong protocol is a wrong knock', () => {
    const m = machine();
    m.hit(A, T(7000), 0);
    expect(m.hit(A, T(8000), 10)).toEqual([{ source: A, outcome: 'reset-wrong-port', stepsMatched: 1, step: T(8000), at: 10 }]);
    m.hit(A, T(9000), 20);
    expect(m.isOpen(A, 30)).toBe(false);
  });

  it('resets a source on a wrong port, and restarts it when the wrong knock is the first step', () => {
    const m = machine();
    m.hit(A, T(7000), 0);
    m.hit(A, U(8000), 10);
    expect(m.hit(A, T(7000), 20).map((e) => [e.outcome, e.stepsMatched])).toEqual([
      ['reset-wrong-port', 2],
      ['progress', 1],
    ]);
    m.hit(A, U(8000), 30);
    expect(m.hit(A, T(9000), 40).map((e) => e.outcome)).toEqual(['opened']);
  });

  it('never opens on the wrong order', () => {
    const m = machine();
    for (const k of [T(9000), U(8000), T(7000)]) m.hit(A, k, 0);
    for (const k of [U(8000), T(7000), T(9000)]) m.hit(A, k, 1);
    for (const k of [T(7000), T(9000), U(8000)]) m.hit(A, k, 2);
    expect(m.isOpen(A, 3)).toBe(false);
    expect(m.openSources(3)).toEqual([]);
  });

  it('logs a first knock that is not the first step as a reset with nothing matched', () => {
    expect(machine().hit(A, T(9000), 0)).toEqual([{ source: A, outcome: 'reset-wrong-port', stepsMatched: 0, step: T(9000), at: 0 }]);
  });

  it('fails a sequence that takes longer than the window (measured from its first step)', () => {
    const m = machine({ windowMs: 1000 });
    m.hit(A, T(7000), 0);
    m.hit(A, U(8000), 900);
    const events = m.hit(A, T(9000), 1001);
    expect(events.map((e) => [e.outcome, e.stepsMatched])).toEqual([
      ['expired', 2],
      ['reset-wrong-port', 0],
    ]);
    expect(m.isOpen(A, 1001)).toBe(false);
    // Just within the window it opens.
    m.hit(B, T(7000), 2000);
    m.hit(B, U(8000), 2500);
    expect(m.hit(B, T(9000), 3000).map((e) => e.outcome)).toEqual(['opened']);
  });

  it('reports expired progress on a sweep and frees it', () => {
    const m = machine({ windowMs: 1000 });
    m.hit(A, T(7000), 0);
    m.hit(B, T(7000), 500);
    expect(m.sweep(1200).expired).toEqual([{ source: A, outcome: 'expired', stepsMatched: 1, at: 1200 }]);
    expect(m.size.progress).toBe(1);
  });

  it('keeps interleaved sources apart: each opens only with its own knocks', () => {
    const m = machine();
    m.hit(A, T(7000), 0);
    m.hit(B, T(7000), 1);
    m.hit(A, U(8000), 2);
    // B's wrong knock resets B only.
    m.hit(B, T(9000), 3);
    expect(m.hit(A, T(9000), 4).map((e) => e.outcome)).toEqual(['opened']);
    expect(m.isOpen(A, 5)).toBe(true);
    expect(m.isOpen(B, 5)).toBe(false);
  });

  it('does not open an address that replays the end of another source\'s sequence', () => {
    const m = machine();
    m.hit(A, T(7000), 0);
    m.hit(A, U(8000), 1);
    // B sends what A still needs (an observer replaying what it saw of A), then the rest of A's sequence.
    m.hit(B, T(9000), 2);
    m.hit(B, U(8000), 3);
    m.hit(B, T(9000), 4);
    expect(m.isOpen(B, 5)).toBe(false);
    // A still completes with its own last knock.
    expect(m.hit(A, T(9000), 6).map((e) => e.outcome)).toEqual(['opened']);
    expect(m.isOpen(B, 7)).toBe(false);
  });

  it('handles repeated ports and one-step sequences', () => {
    const m = new SequenceMachine({ sequence: [T(7000), T(7000), U(8000)], windowMs: 5000, openForMs: 1000 });
    m.hit(A, T(7000), 0);
    m.hit(A, T(7000), 1);
    expect(m.hit(A, U(8000), 2).map((e) => e.outcome)).toEqual(['opened']);
    const one = new SequenceMachine({ sequence: [U(5000)], windowMs: 5000, openForMs: 1000 });
    expect(one.hit(A, U(5000), 0).map((e) => e.outcome)).toEqual(['opened']);
  });

  it('survives a flood of random knocks from many sources: nothing opens and memory stays bounded', () => {
    const m = machine({ maxSources: 1000, maxOpen: 100 });
    // A deterministic PRNG (mulberry32).
    let seed = 12345;
    const rand = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    let opened = 0;
    for (let i = 0; i < 200_000; i++) {
      const source = `198.18.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}`;
      // Mostly the first step (the worst case for memory: every source gets progress), else random ports.
      const knock = rand() < 0.5 ? T(7000) : { port: 1 + Math.floor(rand() * 65535), protocol: rand() < 0.5 ? ('tcp' as const) : ('udp' as const) };
      opened += m.hit(source, knock, i).filter((e) => e.outcome === 'opened').length;
      expect(m.size.progress).toBeLessThanOrEqual(1000);
    }
    expect(opened).toBe(0);
    expect(m.size.open).toBe(0);
    // The most recent sources are the ones kept; a legitimate source still gets through during the flood.
    m.hit(A, T(7000), 200_001);
    for (let i = 0; i < 5000; i++) m.hit(`198.19.${i >> 8}.${i & 255}`, T(7000), 200_002);
    m.hit(A, U(8000), 200_003);
    m.hit(A, T(9000), 200_004);
    // A was evicted by 5000 newer sources under a 1000 cap: it has to knock again (bounded memory wins).
    expect(m.isOpen(A, 200_005)).toBe(false);
    for (const k of SEQ) m.hit(A, k, 200_010);
    expect(m.isOpen(A, 200_011)).toBe(true);
    // 200,000 knocks are CPU work: a busy 2-core machine needs more than the default 5 s.
  }, 60_000);

  it('bounds open gates too', () => {
    const m = new SequenceMachine({ sequence: [U(5000)], windowMs: 5000, openForMs: 60000, maxOpen: 10 });
    for (let i = 0; i < 50; i++) m.hit(`198.18.0.${i}`, U(5000), i);
    expect(m.size.open).toBe(10);
    expect(m.isOpen('198.18.0.49', 100)).toBe(true);
    expect(m.isOpen('198.18.0.0', 100)).toBe(false);
  });
});
