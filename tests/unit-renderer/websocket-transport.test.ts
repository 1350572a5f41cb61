import { afterEach, describe, expect, it, vi } from 'vitest';
import { Api, ApiError, problemOf } from '../../src-renderer/src/lib/api/client.js';
import { WebSocketTransport } from '../../src-renderer/src/lib/api/websocket.js';
import { parsePort, parseRoute } from '../../src-renderer/src/lib/state/app.svelte.js';
import type { ConnectionStatus } from '../../src-renderer/src/lib/api/transport.js';

/** Just enough of a browser WebSocket, driven by the test. */
class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static all: FakeSocket[] = [];
  readyState = FakeSocket.CONNECTING;
  sent: any[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.();
  }
}

afterEach(() => {
  FakeSocket.all = [];
  vi.useRealTimers();
});

function setup() {
  const transport = new WebSocketTransport('ws://127.0.0.1:1/ws', { WebSocketImpl: FakeSocket as unknown as typeof WebSocket, minDelayMs: 100 });
  const statuses: ConnectionStatus[] = [];
  transport.onStatus((s) => statuses.push(s));
  return { transport, statuses };
}

describe('WebSocketTransport', () => {
  it('sends calls queued while connecting, matches replies by id and delivers events', async () => {
    const { transport, statuses } = setup();
    const socket = FakeSocket.all[0]!;
    const a = transport.call('system.info', {});
    const b = transport.call('dictionary.card', { port: 1 });
    socket.open();
    expect(socket.sent).toEqual([
      { id: 1, call: 'system.info', input: {} },
      { id: 2, call: 'dictionary.card', input: { port: 1 } },
    ]);
    const events: unknown[] = [];
    transport.onEvent((event, payload) => events.push([event, payload]));
    socket.receive({ id: 2, ok: false, error: { code: 'INVALID_INPUT', message: 'port: no', path: ['port'] } });
    socket.receive({ event: 'system.heartbeat', payload: { at: 1, uptimeMs: 2 } });
    socket.receive({ id: 1, ok: true, value: { version: '1' } });
    expect(await a).toEqual({ ok: true, value: { version: '1' } });
    // The error's path comes through as the engine sent it.
    expect(await b).toEqual({ ok: false, error: { code: 'INVALID_INPUT', message: 'port: no', path: ['port'] } });
    expect(events).toEqual([['system.heartbeat', { at: 1, uptimeMs: 2 }]]);
    expect(statuses).toEqual(['connecting', 'connected']);
  });

  it('fails pending calls when the link drops, then reconnects with backoff', async () => {
    vi.useFakeTimers();
    const { transport, statuses } = setup();
    FakeSocket.all[0]!.open();
    const pending = transport.call('learn.cards', {});
    FakeSocket.all[0]!.drop();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'DISCONNECTED', message: expect.stringMatching(/lost/) } });
    expect(statuses.at(-1)).toBe('reconnecting');
    const refused = await transport.call('listeners.open', {});
    expect(refused).toMatchObject({ ok: false, error: { code: 'DISCONNECTED', message: expect.stringMatching(/^Portolan's engine is not connected/) } });
    // A sentence for the user: never the internal name of the call.
    expect(refused.ok || refused.error.message).not.toMatch(/listeners|\.open|was not sent/);

    await vi.advanceTimersByTimeAsync(150);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.drop(); // the engine is still down: wait longer
    await vi.advanceTimersByTimeAsync(150);
    expect(FakeSocket.all).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(150);
    expect(FakeSocket.all).toHaveLength(3);
    FakeSocket.all[2]!.open();
    expect(statuses.at(-1)).toBe('connected');
    transport.close();
    expect(statuses.at(-1)).toBe('disconnected');
  });
});

describe('routes', () => {
  it('parses ports and places', () => {
    expect(parsePort(' 443 ')).toBe(443);
    expect(parsePort('65536')).toBeNull();
    expect(parsePort('4a')).toBeNull();
    expect(parseRoute('#/port/22')).toEqual({ view: 'dictionary', port: 22 });
    expect(parseRoute('#/learn/tcp-udp')).toEqual({ view: 'learn', card: 'tcp-udp' });
    expect(parseRoute('#/learn')).toEqual({ view: 'learn', card: null });
    expect(parseRoute('#/nowhere')).toBeNull();
  });

  it('gives the path of a failed call to ApiError and to the Problem a view keeps', async () => {
    const { transport } = setup();
    const socket = FakeSocket.all[0]!;
    socket.open();
    const api = new Api(transport);
    const failed = api.call('forwards.create', { spec: { kind: 'tcp', name: 'x', listenPort: 1, targetHost: 'h', targetPort: 1 } }).catch((err: unknown) => err);
    socket.receive({ id: 1, ok: false, error: { code: 'INVALID_INPUT', message: 'spec.name: taken', path: ['spec', 'name'] } });
    const err = await failed;
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).path).toEqual(['spec', 'name']);
    expect(problemOf(err)).toEqual({ code: 'INVALID_INPUT', message: 'spec.name: taken', path: ['spec', 'name'] });
    // A start error answered as data becomes the same Problem.
    expect(problemOf({ code: 'EADDRINUSE', message: 'busy', path: ['spec', 'listenPort'] })).toEqual({ code: 'EADDRINUSE', message: 'busy', path: ['spec', 'listenPort'] });
    expect(problemOf(new Error('plain'))).toEqual({ code: 'INTERNAL', message: 'plain' });
  });
});
