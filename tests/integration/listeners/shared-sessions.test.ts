/**
 * One session followed by several subscribers of the app's events (as every window of the app,
 * and every browser tab of `portolan serve`, is): what one of them sends reaches the others as
 * sessions.sent, with the sender's `from`, numbered in one seq with sessions.data in the order of
 * the transcript; the banner too, after the session is announced. Sent bytes never count as
 * unacknowledged. Real loopback sockets.
 */
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionData, SessionSent } from '../../../src-main/contract/index.js';
import type { PortolanApp } from '../../../src-main/app/create-app.js';
import { testApp } from '../../helpers/app.js';
import { call, until } from './helpers.js';

let ctx: Awaited<ReturnType<typeof testApp>>;
const cleanups: (() => unknown)[] = [];
beforeAll(async () => {
  ctx = await testApp();
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
afterAll(() => ctx.dispose());

const b64 = (s: string) => Buffer.from(s).toString('base64');
const text = (data: string) => Buffer.from(data, 'base64').toString('utf8');

/** A subscriber like a window: every event of one session, in arrival order, and what was announced before. */
function subscriber(app: PortolanApp) {
  const events: ({ dir: 'in'; e: SessionData } | { dir: 'out'; e: SessionSent })[] = [];
  const announced = new Set<string>();
  const byListener = new Map<string, string>();
  const early: string[] = [];
  const offs = [
    app.bus.on('sessions.changed', (c) =>
      c.sessions.forEach((s) => {
        announced.add(s.id);
        if (s.listenerId) byListener.set(s.listenerId, s.id);
      }),
    ),
    app.bus.on('sessions.data', (e) => {
      if (!announced.has(e.id)) early.push(`data ${e.seq}`);
      events.push({ dir: 'in', e });
    }),
    app.bus.on('sessions.sent', (e) => {
      if (!announced.has(e.id)) early.push(`sent ${e.seq}`);
      events.push({ dir: 'out', e });
    }),
  ];
  cleanups.push(() => offs.forEach((off) => off()));
  const of = (id: string) => events.filter((x) => x.e.id === id);
  return {
    early,
    of,
    /** The newest session of a listener, once announced. */
    sessionOf: (listenerId: string) => byListener.get(listenerId),
    /** The conversation as this subscriber saw it: "< received", "> sent (from)". */
    said: (id: string) => of(id).map((x) => (x.dir === 'in' ? `< ${text(x.e.data)}` : `> ${text(x.e.data)} (${x.e.from ?? '-'})`)),
    received: (id: string) => of(id).filter((x) => x.dir === 'in').map((x) => text(x.e.data)).join(''),
  };
}

async function peer(port: number) {
  const socket = net.connect({ port, host: '127.0.0.1' });
  let got = '';
  socket.on('data', (d) => (got += d));
  socket.on('error', () => {});
  await new Promise<void>((r) => socket.once('connect', () => r()));
  cleanups.push(() => socket.destroy());
  return { socket, got: () => got };
}

describe('a session followed by several windows', () => {
  it('tells every subscriber what one of them sent, in order with what was received, numbered like the transcript', async () => {
    const a = subscriber(ctx.app);
    const b = subscriber(ctx.app);
    const listener = await call(ctx.app, 'listeners.open', { protocol: 'tcp', host: '127.0.0.1', port: 0, responder: 'banner', banner: 'welcome\n' });
    const p = await peer(listener.port);
    const id = await until(() => b.sessionOf(listener.id), 5000, 'session');
    await until(() => p.got() === 'welcome\n', 5000, 'banner at the peer');
    p.socket.write('hello\n');
    await until(() => b.received(id) === 'hello\n', 5000, 'hello');
    // Window A sends; window B did not, and sees it.
    expect(await call(ctx.app, 'sessions.send', { id, data: b64('ping\n'), from: 'w-a' })).toEqual({ bytes: 5 });
    await until(() => p.got() === 'welcome\nping\n', 5000, 'ping at the peer');
    p.socket.write('pong\n');
    await until(() => b.received(id) === 'hello\npong\n', 5000, 'pong');
    // A caller that gives no `from` (the CLI) is reported too, without one.
    await call(ctx.app, 'sessions.send', { id, data: b64('bye\n') });
    await until(() => b.of(id).length === 5, 5000, 'bye');

    const expected = ['> welcome\n (-)', '< hello\n', '> ping\n (w-a)', '< pong\n', '> bye\n (-)'];
    expect(b.said(id)).toEqual(expected);
    expect(a.said(id)).toEqual(expected);
    // One seq for both kinds, counting up from 1 without a gap.
    expect(b.of(id).map((x) => x.e.seq)).toEqual([1, 2, 3, 4, 5]);
    // Announced before the first event (the banner goes out as the peer connects).
    expect([...a.early, ...b.early]).toEqual([]);
    // The transcript holds exactly those events, in that order, and says it ends at the last seq.
    const t = await call(ctx.app, 'sessions.transcript', { id });
    expect(t.seq).toBe(5);
    expect(t.segments.map((s) => `${s.dir === 'out' ? '>' : '<'} ${text(s.data)}`)).toEqual(['> welcome\n', '< hello\n', '> ping\n', '< pong\n', '> bye\n']);
    // Flow control counts received bytes only: what was sent is never unacknowledged.
    const info = (await call(ctx.app, 'listeners.list', {})).sessions.find((s) => s.id === id)!;
    expect(info).toMatchObject({ bytesIn: 11, bytesOut: 17, unackedBytes: 11 });
    await call(ctx.app, 'sessions.ack', { id, bytes: 11 });
    expect((await call(ctx.app, 'listeners.list', {})).sessions.find((s) => s.id === id)!.unackedBytes).toBe(0);
    await call(ctx.app, 'listeners.close', { id: listener.id });
  });

  it('reports nothing for sessions without a console (an echo peer)', async () => {
    const a = subscriber(ctx.app);
    const listener = await call(ctx.app, 'listeners.open', { protocol: 'tcp', host: '127.0.0.1', port: 0, responder: 'echo' });
    const p = await peer(listener.port);
    p.socket.write('echo me');
    await until(() => p.got() === 'echo me', 5000, 'echo');
    const id = await until(() => a.sessionOf(listener.id), 5000, 'session');
    expect(a.of(id)).toEqual([]);
    await call(ctx.app, 'listeners.close', { id: listener.id });
  });
});
