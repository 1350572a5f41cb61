/**
 * One session shown in several windows: what one window sends comes back to every window as
 * sessions.sent, so a console that did not send shows it live where it came among received bytes,
 * the window that sent keeps it without drawing it again, only received bytes are acknowledged,
 * and a window opened later folds the transcript with the crossing events of both kinds by seq.
 */
import { describe, expect, it } from 'vitest';
import type { SessionInfo, SessionTranscript } from '../../src-main/contract/sessions.js';
import type { CallResult } from '../../src-main/contract/channels.js';
import { Transcript as EngineTranscript } from '../../src-main/contract/transcript.js';
import { Api } from '../../src-renderer/src/lib/api/client.js';
import { ConsolesState } from '../../src-renderer/src/lib/state/consoles.svelte.js';
import { deferred, FakeTransport, ok } from './fake-transport.js';

const session = (over: Partial<SessionInfo> = {}): SessionInfo => ({
  id: 'S1', kind: 'accepted', listenerId: 'L1', protocol: 'tcp', responder: 'interactive', localAddress: '127.0.0.1', localPort: 5000,
  remoteAddress: '127.0.0.1', remotePort: 40000, bytesIn: 0, bytesOut: 0, openedAt: 1, state: 'open', unackedBytes: 0, paused: false, droppedDatagrams: 0, ...over,
});
const enc = (text: string) => new TextEncoder().encode(text);
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const tick = () => new Promise((r) => setTimeout(r, 0));

/**
 * The engine's side of session S1 as the windows see it: one seq for received and sent bytes,
 * a transcript of both, and every event to every window (as the event bus does).
 */
function fakeEngine() {
  let seq = 0;
  const record = new EngineTranscript();
  const windows: FakeTransport[] = [];
  const emit = (event: string, payload: unknown) => windows.forEach((w) => w.emit(event, payload));
  const engine = {
    /** The peer sends text: the windows get sessions.data. */
    receive(text: string) {
      record.push('in', enc(text));
      emit('sessions.data', { id: 'S1', seq: ++seq, data: btoa(text) });
    },
    /** What sessions.transcript answers now. */
    transcript(): SessionTranscript {
      const segments = record.runs().map((r) => ({ dir: r.dir, offset: r.offset, data: btoa(dec(r.bytes)) }));
      return { id: 'S1', seq, segments, dropped: 0, totals: { in: record.total('in'), out: record.total('out') }, keep: 256 * 1024 };
    },
    /** A window; its transcript read waits for `read` when given. */
    window(read?: Promise<CallResult>) {
      const t = new FakeTransport({
        'listeners.list': () => ok({ listeners: [], sessions: [session({ bytesIn: record.total('in'), bytesOut: record.total('out') })] }),
        'sessions.send': ({ data, from }: { data: string; from?: string }) => {
          // As the engine: the bytes join the transcript and go to every window before the call answers.
          record.push('out', enc(atob(data)));
          emit('sessions.sent', { id: 'S1', seq: ++seq, data, from });
          return ok({ bytes: atob(data).length });
        },
        'sessions.ack': () => ok({}),
        'sessions.transcript': () => read ?? ok(engine.transcript()),
      });
      windows.push(t);
      const state = new ConsolesState(new Api(t));
      const stop = state.start();
      // The console is shown: it draws what its feed hands it, confirming writes later as xterm does.
      const drawn: string[] = [];
      state.feedOf('S1').attach({
        write: (bytes, done) => {
          drawn.push(`< ${dec(bytes)}`);
          queueMicrotask(done);
        },
        sent: (bytes) => drawn.push(`> ${dec(bytes)}`),
      });
      const acked = () => t.callsOf('sessions.ack').reduce((n, a) => n + a.bytes, 0);
      const runs = () => state.transcriptOf('S1').runs().map((s) => `${s.dir === 'out' ? '>' : '<'} ${dec(s.bytes)}`);
      return { t, state, stop, drawn, acked, runs };
    },
  };
  return engine;
}

describe('a session shown in two windows', () => {
  it('shows what one window sent live in the other, in order with what was received, and once in the sender', async () => {
    const engine = fakeEngine();
    const a = engine.window();
    const b = engine.window();
    await tick();
    engine.receive('hello\n');
    await a.state.sendLine('S1', 'ping');
    engine.receive('pong\n');
    await b.state.sendLine('S1', 'from b');
    await tick();
    // The window that did not send draws the sent text live, where it came; the sender drew it as it was typed (local echo), not again.
    expect(b.drawn).toEqual(['< hello\n', '> ping\n', '< pong\n']);
    expect(a.drawn).toEqual(['< hello\n', '< pong\n', '> from b\n']);
    // Both keep the same conversation, marked apart, as the engine's transcript does.
    const whole = ['< hello\n', '> ping\n', '< pong\n', '> from b\n'];
    expect(a.runs()).toEqual(whole);
    expect(b.runs()).toEqual(whole);
    expect(engine.transcript().segments.map((s) => `${s.dir === 'out' ? '>' : '<'} ${atob(s.data)}`)).toEqual(whole);
    // Flow-control credit is about received bytes only: hello and pong, 11 bytes each, nothing for what was sent.
    expect([a.acked(), b.acked()]).toEqual([11, 11]);
    a.stop();
    b.stop();
  });

  it('a window opened later folds the transcript with the received and sent events that cross its read, no byte twice or missing', async () => {
    const engine = fakeEngine();
    const a = engine.window();
    await tick();
    engine.receive('one\n');
    await a.state.sendLine('S1', 'two');
    const read = deferred<CallResult>();
    const late = engine.window(read.promise);
    await tick();
    expect(late.t.callsOf('sessions.transcript')).toEqual([{ id: 'S1' }]);
    // While the late window reads: a send and a received line the answer will hold...
    await a.state.sendLine('S1', 'three');
    engine.receive('four\n');
    const answer = engine.transcript();
    // ...and a send and a received line it will not.
    await a.state.sendLine('S1', 'five');
    engine.receive('six\n');
    read.resolve(ok(answer));
    await tick();
    await tick();
    engine.receive('seven\n');
    await a.state.sendLine('S1', 'eight');
    await tick();
    // The late window's transcript, by run (sends in a row join into one segment), as the sender's.
    const joined = ['< one\n', '> two\nthree\n', '< four\n', '> five\n', '< six\nseven\n', '> eight\n'];
    expect(late.runs()).toEqual(joined);
    expect(a.runs()).toEqual(joined);
    // Events the answer held are not drawn again; later ones are drawn in order (the console redraws the answer itself).
    expect(late.drawn).toEqual(['> five\n', '< six\n', '< seven\n', '> eight\n']);
    expect(late.state.histories.S1?.version).toBe(1);
    // Every received byte sent to the late window is acknowledged once: four (held by the answer), six, seven.
    expect(late.acked()).toBe('four\nsix\nseven\n'.length);
    expect(a.drawn.filter((d) => d.startsWith('>'))).toEqual([]);
    a.stop();
    late.stop();
  });
});
