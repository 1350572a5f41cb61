import { describe, expect, it } from 'vitest';
import type { ListenerInfo, SessionInfo } from '../../src-main/contract/sessions.js';
import { Api } from '../../src-renderer/src/lib/api/client.js';
import { fromBase64 } from '../../src-renderer/src/lib/consoles/bytes.js';
import { checkConnect, checkListen, DEFAULT_LISTEN, exposureOf, proposedPort } from '../../src-renderer/src/lib/consoles/forms.js';
import { applyChanged, EMPTY_MODEL, groupModel } from '../../src-renderer/src/lib/consoles/model.js';
import { ConsolesState } from '../../src-renderer/src/lib/state/consoles.svelte.js';
import { fail, FakeTransport, ok } from './fake-transport.js';

const listener = (id: string, port: number): ListenerInfo => ({
  id, protocol: 'tcp', host: '127.0.0.1', port, family: 'IPv4', responder: 'interactive', exposed: false, createdAt: port, activePeers: 0, totalPeers: 0,
});
const session = (id: string, over: Partial<SessionInfo> = {}): SessionInfo => ({
  id, kind: 'accepted', listenerId: 'L1', protocol: 'tcp', responder: 'interactive', localAddress: '127.0.0.1', localPort: 5000,
  remoteAddress: '127.0.0.1', remotePort: 40000, bytesIn: 0, bytesOut: 0, openedAt: 1, state: 'open', unackedBytes: 0, paused: false, droppedDatagrams: 0, ...over,
});
const change = (over: Partial<{ listeners: ListenerInfo[]; sessions: SessionInfo[]; removedListeners: string[]; removedSessions: string[] }>) => ({
  listeners: [], sessions: [], removedListeners: [], removedSessions: [], ...over,
});
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('the sessions reducer', () => {
  it('upserts listeners and sessions, then removes what is gone', () => {
    let m = applyChanged(EMPTY_MODEL, change({ listeners: [listener('L1', 5000)], sessions: [session('S1'), session('S2', { kind: 'client', listenerId: undefined })] }));
    expect([...m.sessions.keys()]).toEqual(['S1', 'S2']);
    m = applyChanged(m, change({ sessions: [session('S1', { bytesIn: 10 })] }));
    expect(m.sessions.get('S1')!.bytesIn).toBe(10);
    const before = m;
    m = applyChanged(m, change({ removedListeners: ['L1'], sessions: [session('S1', { state: 'closed' })], removedSessions: ['S2'] }));
    expect(before.sessions.size).toBe(2);
    expect(m.listeners.size).toBe(0);
    expect([...m.sessions.keys()]).toEqual(['S1']);
    const g = groupModel(m);
    expect(g.groups).toEqual([]);
    expect(g.orphans.map((s) => s.id)).toEqual(['S1']);
  });

  it('groups peers under their listener, open ones first', () => {
    const m = applyChanged(EMPTY_MODEL, change({ listeners: [listener('L1', 5000)], sessions: [session('S1', { state: 'closed' }), session('S2', { openedAt: 5 })] }));
    expect(groupModel(m).groups[0]!.peers.map((s) => s.id)).toEqual(['S2', 'S1']);
  });
});

describe('the listen and connect forms', () => {
  it('checks as the user types, with the engine sentences', () => {
    expect(checkListen({ ...DEFAULT_LISTEN, port: '70000' }).errors.port).toBe('Ports go from 0 (any free port) to 65535.');
    expect(checkListen({ ...DEFAULT_LISTEN, port: '' }).spec).toMatchObject({ port: 0, host: '127.0.0.1' });
    expect(checkListen({ ...DEFAULT_LISTEN, protocol: 'udp', responder: 'http' }).errors.responder).toMatch(/needs TCP/);
    expect(checkListen({ ...DEFAULT_LISTEN, responder: 'banner' }).errors.banner).toMatch(/banner text/);
    expect(checkListen({ ...DEFAULT_LISTEN, host: '[::1]' }).spec?.host).toBe('::1');
    expect(checkConnect({ protocol: 'tcp', host: 'example.com', port: '0', tls: false }).errors.port).toMatch(/1 to 65535/);
    expect(checkConnect({ protocol: 'udp', host: 'h', port: '53', tls: true }).errors.tls).toMatch(/TLS needs TCP/);
  });

  it('warns plainly about exposed addresses, and reads the proposed free port', () => {
    expect(exposureOf('127.0.0.1')).toBeUndefined();
    expect(exposureOf('::1')).toBeUndefined();
    expect(exposureOf('0.0.0.0')).toMatch(/every IPv4 network/);
    expect(exposureOf('::')).toMatch(/every network/);
    expect(exposureOf('192.168.1.5')).toMatch(/not a loopback address/);
    expect(proposedPort('Port 8080/tcp on 127.0.0.1 is in use by nginx (pid 812). Port 8081 is free: listen there instead, or on port 0 for any free port.')).toBe(8081);
    expect(proposedPort('Choose another port')).toBeNull();
  });
});

describe('ConsolesState', () => {
  it('lists once, applies changes that came meanwhile, and acknowledges what an earlier page never drew', async () => {
    const t = new FakeTransport({
      'listeners.list': () => {
        t.emit('sessions.changed', change({ sessions: [session('S2')] }));
        return ok({ listeners: [listener('L1', 5000)], sessions: [session('S1', { unackedBytes: 600_000, paused: true })] });
      },
      'sessions.ack': () => ok({}),
    });
    const state = new ConsolesState(new Api(t));
    const stop = state.start();
    await tick();
    await tick();
    expect([...state.model.sessions.keys()].sort()).toEqual(['S1', 'S2']);
    expect(state.tabs).toEqual(['S1', 'S2']);
    expect(state.active).toBe('S1');
    expect(t.callsOf('sessions.ack')).toEqual([{ id: 'S1', bytes: 600_000 }]);
    stop();
  });

  it('gives new console sessions a tab, takes data of hidden ones and acknowledges it in one call', async () => {
    const t = new FakeTransport({ 'listeners.list': () => ok({ listeners: [], sessions: [] }), 'sessions.ack': () => ok({}) });
    const state = new ConsolesState(new Api(t));
    const stop = state.start();
    await tick();
    t.emit('sessions.changed', change({ listeners: [listener('L1', 5000)], sessions: [session('S1'), session('S3', { responder: 'echo' })] }));
    expect(state.tabs).toEqual(['S1']);
    expect(state.active).toBe('S1');
    t.emit('sessions.data', { id: 'S1', seq: 1, data: btoa('hello') });
    t.emit('sessions.data', { id: 'S1', seq: 2, data: btoa(' world') });
    await tick();
    expect(t.callsOf('sessions.ack')).toEqual([{ id: 'S1', bytes: 11 }]);
    expect(new TextDecoder().decode(state.feedOf('S1').history.slice())).toBe('hello world');
    t.emit('sessions.changed', change({ removedSessions: ['S1'] }));
    expect(state.tabs).toEqual([]);
    expect(state.active).toBeNull();
    stop();
  });

  it('sends per chunk in order, one datagram per call on UDP, and keeps the problem of a busy port', async () => {
    const t = new FakeTransport({
      'listeners.list': () => ok({ listeners: [], sessions: [session('S1'), session('U1', { protocol: 'udp' })] }),
      'sessions.send': () => ok({ bytes: 0 }),
      'listeners.open': () => fail('EADDRINUSE', 'Port 80/tcp on 127.0.0.1 is in use by nginx (pid 1). Port 81 is free: listen there instead, or on port 0 for any free port.'),
    });
    const state = new ConsolesState(new Api(t));
    const stop = state.start();
    await tick();
    await state.send('S1', new Uint8Array(150 * 1024));
    expect(t.callsOf('sessions.send').map((c) => fromBase64(c.data).length)).toEqual([65536, 65536, 22528]);
    state.setInput('line', 'crlf');
    await state.sendLine('U1', 'ping');
    expect(t.callsOf('sessions.send').at(-1)).toEqual({ id: 'U1', data: btoa('ping\r\n'), from: state.face });
    await state.send('U1', new Uint8Array(70_000));
    expect(state.notice?.message).toMatch(/at most 65,507 bytes/);
    state.setListenForm({ port: '80' });
    expect(await state.openListener()).toBeNull();
    expect(state.listenProblem?.code).toBe('EADDRINUSE');
    expect(proposedPort(state.listenProblem!.message)).toBe(81);
    stop();
  });
});
