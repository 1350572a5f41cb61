import { describe, expect, it } from 'vitest';
import { toBase64 } from '../../src-renderer/src/lib/consoles/bytes.js';
import { SessionFeed } from '../../src-renderer/src/lib/consoles/feed.js';

/** A console that draws only when told to (callbacks held until `drain`). */
function slowConsole() {
  const pending: { bytes: Uint8Array; done: () => void }[] = [];
  const drawn: number[] = [];
  /** Sent bytes drawn, with how many received bytes were handed to the console before each. */
  const sent: { text: string; after: number }[] = [];
  let handed = 0;
  return {
    pending,
    drawn,
    sent,
    sink: {
      write: (bytes: Uint8Array, done: () => void) => {
        handed += bytes.length;
        pending.push({ bytes, done });
      },
      sent: (bytes: Uint8Array) => void sent.push({ text: new TextDecoder().decode(bytes), after: handed }),
    },
    drain(n = Infinity) {
      while (n-- > 0 && pending.length) {
        const w = pending.shift()!;
        drawn.push(...w.bytes);
        w.done();
      }
    },
  };
}

const payload = (n: number, seed = 0) => Uint8Array.from({ length: n }, (_, i) => (i + seed) & 0xff);

describe('the flow-control feed', () => {
  it('acknowledges only after the console drew the bytes, in chunks, and never holds more than its window', () => {
    const acks: number[] = [];
    const feed = new SessionFeed({ ack: (n) => acks.push(n), chunk: 1000, maxInFlight: 3000 });
    const con = slowConsole();
    feed.attach(con.sink);
    const data = payload(10_000);
    feed.push(toBase64(data.subarray(0, 6000)));
    feed.push(toBase64(data.subarray(6000)));
    expect(acks).toEqual([]);
    expect(con.pending.length).toBe(3);
    expect(feed.pendingDraw).toBe(3000);
    con.drain(1);
    expect(acks).toEqual([1000]);
    expect(con.pending.length).toBe(3);
    con.drain();
    expect(acks.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(Uint8Array.from(con.drawn)).toEqual(data);
    expect(feed.history.slice()).toEqual(data);
  });

  it('decodes no faster than the console draws (waiting data stays base64)', () => {
    const feed = new SessionFeed({ ack: () => {}, chunk: 100, maxInFlight: 100 });
    const con = slowConsole();
    feed.attach(con.sink);
    for (let i = 0; i < 50; i++) feed.push(toBase64(payload(100, i)));
    expect(con.pending.length).toBe(1);
    expect(feed.backlog).toBe(49 * toBase64(payload(100)).length);
  });

  it('without a console: stores into the bounded history and acknowledges at once', () => {
    const acks: number[] = [];
    const feed = new SessionFeed({ ack: (n) => acks.push(n), keep: 4096 });
    for (let i = 0; i < 100; i++) feed.push(toBase64(payload(1000, i)));
    expect(acks.reduce((a, b) => a + b, 0)).toBe(100_000);
    expect(feed.history.length).toBe(4096);
    expect(feed.history.end).toBe(100_000);
    expect(feed.received).toBe(100_000);
  });

  it('bounds what waits for a console that is far behind: the oldest is stored, acknowledged and counted as skipped', () => {
    const acks: number[] = [];
    const feed = new SessionFeed({ ack: (n) => acks.push(n), chunk: 1000, maxInFlight: 1000, maxQueued: 4 * 1400 });
    const con = slowConsole();
    feed.attach(con.sink);
    for (let i = 0; i < 20; i++) feed.push(toBase64(payload(1000, i)));
    expect(feed.backlog).toBeLessThanOrEqual(4 * 1400);
    expect(feed.skipped).toBeGreaterThan(0);
    con.drain();
    expect(acks.reduce((a, b) => a + b, 0)).toBe(20_000);
  });

  it('detaching acknowledges what was handed over and not drawn, and ignores late callbacks', () => {
    const acks: number[] = [];
    const feed = new SessionFeed({ ack: (n) => acks.push(n), chunk: 500, maxInFlight: 1000 });
    const con = slowConsole();
    feed.attach(con.sink);
    feed.push(toBase64(payload(3000)));
    feed.detach();
    expect(acks.reduce((a, b) => a + b, 0)).toBe(3000);
    con.drain();
    expect(acks.reduce((a, b) => a + b, 0)).toBe(3000);
    expect(feed.history.slice()).toEqual(payload(3000));
  });

  it('draws sent bytes where they came among received ones, keeps its own without drawing them, and never acknowledges them', () => {
    const acks: number[] = [];
    const kept: string[] = [];
    const feed = new SessionFeed({ ack: (n) => acks.push(n), chunk: 4, maxInFlight: 4, onKept: (bytes, dir) => kept.push(`${dir}:${new TextDecoder().decode(bytes)}`) });
    const con = slowConsole();
    feed.attach(con.sink);
    feed.push(toBase64(new TextEncoder().encode('12345678')));
    feed.pushSent(toBase64(new TextEncoder().encode('other\n')), false);
    feed.pushSent(toBase64(new TextEncoder().encode('mine\n')), true);
    feed.push(toBase64(new TextEncoder().encode('ab')));
    // The console holds 4 bytes: the sent ones wait behind the 4 received bytes not yet handed over.
    expect(con.sent).toEqual([]);
    expect(feed.backlog).toBe(4 + 4);
    con.drain();
    con.drain();
    con.drain();
    expect(con.sent).toEqual([{ text: 'other\n', after: 8 }]);
    expect(new TextDecoder().decode(Uint8Array.from(con.drawn))).toBe('12345678ab');
    expect(kept).toEqual(['in:1234', 'in:5678', 'out:other\n', 'out:mine\n', 'in:ab']);
    // Only received bytes are acknowledged, and only in the received history.
    expect(acks.reduce((a, b) => a + b, 0)).toBe(10);
    expect(feed.history.end).toBe(10);
    // Without a console, sent bytes are kept at once, in order.
    feed.detach();
    feed.pushSent(toBase64(new TextEncoder().encode('later')), false);
    expect(kept.at(-1)).toBe('out:later');
    expect(con.sent).toHaveLength(1);
  });
});
