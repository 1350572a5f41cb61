/**
 * sessions.transcript on real loopback sockets: a console session keeps its recent conversation
 * both ways (the banner and the console's sends as "out", the peer's bytes as "in"), says which
 * sessions.data it ends with, and keeps only its bound (the oldest dropped and counted).
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionData, SessionTranscript } from '../../../src-main/contract/index.js';
import { ListenerEngine } from '../../../src-main/engine/listeners/listener-engine.js';
import { until } from './helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** An engine on 127.0.0.1 with the data events it emitted. */
function engine(transcriptBytes?: number) {
  const data: SessionData[] = [];
  const e = new ListenerEngine({ emit: (event, payload) => void (event === 'sessions.data' && data.push(payload as SessionData)), ...(transcriptBytes ? { transcriptBytes } : {}) });
  cleanups.push(() => e.close());
  return { e, data };
}

async function peer(port: number): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  socket.on('error', () => {});
  await new Promise<void>((r) => socket.once('connect', () => r()));
  cleanups.push(() => socket.destroy());
  return socket;
}

const text = (t: SessionTranscript) => t.segments.map((s) => [s.dir, Buffer.from(s.data, 'base64').toString('utf8'), s.offset]);

describe('sessions.transcript', () => {
  it('keeps the banner, what the peer sent and what the console sent, in order, ending at the last sessions.data', async () => {
    const { e, data } = engine();
    const listener = await e.open({ protocol: 'tcp', host: '127.0.0.1', port: 0, responder: 'banner', banner: 'welcome\n', udpIdleMs: 60000 });
    const socket = await peer(listener.port);
    const id = await until(() => e.list().sessions[0]?.id, 5000, 'session');
    await until(() => e.transcript(id).totals.out === 8, 5000, 'banner');
    socket.write('hello\n');
    await until(() => data.length === 1, 5000, 'data');
    await e.send(id, Buffer.from('hi there\n'));
    socket.write('bye\n');
    await until(() => data.length === 2, 5000, 'second data');
    const t = e.transcript(id);
    expect(text(t)).toEqual([['out', 'welcome\n', 0], ['in', 'hello\n', 0], ['out', 'hi there\n', 8], ['in', 'bye\n', 6]]);
    expect(t).toMatchObject({ id, seq: 2, dropped: 0, totals: { in: 10, out: 17 }, keep: 256 * 1024 });
    expect(data.map((d) => d.seq)).toEqual([1, 2]);
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
