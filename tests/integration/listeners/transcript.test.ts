/**
 * sessions.transcript on real loopback sockets: a console session keeps its recent conversation
 * both ways (the banner and the console's sends as "out", the peer's bytes as "in"), answers it one
 * segment per turn however many chunks came, says which event (sessions.data or sessions.sent, one
 * seq for both) it ends with, and keeps only its bound (the oldest dropped and counted).
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionData, SessionSent, SessionTranscript } from '../../../src-main/contract/index.js';
import { ListenerEngine } from '../../../src-main/engine/listeners/listener-engine.js';
import { until } from './helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** An engine on 127.0.0.1 with the data and sent events it emitted. */
function engine(transcriptBytes?: number) {
  const data: SessionData[] = [];
  const sent: SessionSent[] = [];
  const e = new ListenerEngine({
    emit: (event, payload) => {
      if (event === 'sessions.data') data.push(payload as SessionData);
      if (event === 'sessions.sent') sent.push(payload as SessionSent);
    },
    ...(transcriptBytes ? { transcriptBytes } : {}),
  });
  cleanups.push(() => e.close());
  return { e, data, sent };
}

async function peer(port: number): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  socket.on('error', () => {});
  await new Promise<void>((r) => socket.once('connect', () => r()));
  cleanups.push(() => socket.destroy());
  return socket;
}

/** A banner listener's one session, its peer, and the data events, once the banner went out. */
async function bannerSession(banner: string) {
  const { e, data, sent } = engine();
  const listener = await e.open({ protocol: 'tcp', host: '127.0.0.1', port: 0, responder: 'banner', banner, udpIdleMs: 60000 });
  const socket = await peer(listener.port);
  const id = await until(() => e.list().sessions[0]?.id, 5000, 'session');
  await until(() => e.transcript(id).totals.out === banner.length, 5000, 'banner');
  return { e, data, sent, socket, id };
}

const text = (t: SessionTranscript) => t.segments.map((s) => [s.dir, Buffer.from(s.data, 'base64').toString('utf8'), s.offset]);

describe('sessions.transcript', () => {
  it('keeps the banner, what the peer sent and what the console sent, in order, ending at the last event', async () => {
    const { e, data, sent, socket, id } = await bannerSession('welcome\n');
    socket.write('hello\n');
    await until(() => data.length === 1, 5000, 'data');
    await e.send(id, Buffer.from('hi there\n'), 'w-1');
    socket.write('bye\n');
    await until(() => data.length === 2, 5000, 'second data');
    const t = e.transcript(id);
    expect(text(t)).toEqual([['out', 'welcome\n', 0], ['in', 'hello\n', 0], ['out', 'hi there\n', 8], ['in', 'bye\n', 6]]);
    expect(t).toMatchObject({ id, seq: 4, dropped: 0, totals: { in: 10, out: 17 }, keep: 256 * 1024 });
    // One seq for both directions, in the transcript's order: banner 1, hello 2, hi there 3, bye 4.
    expect(data.map((d) => d.seq)).toEqual([2, 4]);
    expect(sent.map((d) => [d.seq, Buffer.from(d.data, 'base64').toString('utf8'), d.from])).toEqual([[1, 'welcome\n', undefined], [3, 'hi there\n', 'w-1']]);
  });

  it('keeps only its bound: the oldest bytes are dropped and counted, the rest joins the events exactly', async () => {
    const { e, data } = engine(1000);
    const listener = await e.open({ protocol: 'tcp', host: '127.0.0.1', port: 0, responder: 'interactive', udpIdleMs: 60000 });
    const socket = await peer(listener.port);
    const id = await until(() => e.list().sessions[0]?.id, 5000, 'session');
    const sent = Buffer.alloc(5000);
    for (let i = 0; i < sent.length; i++) sent[i] = i % 251;
    socket.write(sent);
    await until(() => data.reduce((n, d) => n + Buffer.from(d.data, 'base64').length, 0) === sent.length, 5000, 'all data');
    const t = e.transcript(id);
    const kept = Buffer.concat(t.segments.map((s) => Buffer.from(s.data, 'base64')));
    expect(kept.length).toBe(1000);
    expect(kept.equals(sent.subarray(4000))).toBe(true);
    expect(t.dropped).toBe(4000);
    expect(t.segments[0]!.offset).toBe(4000);
    expect(t.seq).toBe(data.at(-1)!.seq);
  });

  it('answers a burst of small received chunks as one segment, one per turn, that joins the events exactly', async () => {
    const { e, data, socket, id } = await bannerSession('hi\n');
    // Each chunk is its own sessions.data: the next is written once the one before was emitted.
    const burst = async (from: number, count: number) => {
      for (let i = from; i < from + count; i++) {
        socket.write(`${i},`);
        await until(() => data.length === i, 5000, `data ${i}`);
      }
    };
    await burst(1, 60);
    await e.send(id, Buffer.from('ok\n'));
    await burst(61, 20);
    const chunks = data.map((d) => Buffer.from(d.data, 'base64').toString('utf8'));
    expect(chunks).toHaveLength(80);
    const first = chunks.slice(0, 60).join('');
    const t = e.transcript(id);
    expect(text(t)).toEqual([['out', 'hi\n', 0], ['in', first, 0], ['out', 'ok\n', 3], ['in', chunks.slice(60).join(''), first.length]]);
    // 80 data events, the banner and one send: 82 events in all.
    expect(t).toMatchObject({ seq: 82, totals: { in: chunks.join('').length, out: 6 } });
    // Bytes after the answer's seq are the events after it, and nothing before it is missing.
    await burst(81, 5);
    const later = data.filter((d) => d.seq > t.seq).map((d) => Buffer.from(d.data, 'base64').toString('utf8'));
    const received = t.segments.filter((s) => s.dir === 'in').map((s) => Buffer.from(s.data, 'base64').toString('utf8'));
    expect([...received, ...later].join('')).toBe(Array.from({ length: 85 }, (_, i) => `${i + 1},`).join(''));
  });

  it('keeps nothing for a session without a console, and says NOT_FOUND for an unknown one', async () => {
    const { e } = engine();
    const listener = await e.open({ protocol: 'tcp', host: '127.0.0.1', port: 0, responder: 'echo', udpIdleMs: 60000 });
    const socket = await peer(listener.port);
    const id = await until(() => e.list().sessions[0]?.id, 5000, 'session');
    socket.write('ping');
    await until(() => e.list().sessions[0]!.bytesOut === 4, 5000, 'echo');
    expect(e.transcript(id)).toMatchObject({ segments: [], totals: { in: 0, out: 0 } });
    expect(() => e.transcript('S999')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});
