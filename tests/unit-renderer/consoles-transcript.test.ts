/** A console's conversation both ways: sent and received kept in order, marked apart, and saved as text, hex or both. */
import { describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../src-main/contract/sessions.js';
import { Api } from '../../src-renderer/src/lib/api/client.js';
import { formatTranscript, Transcript } from '../../src-renderer/src/lib/consoles/transcript.js';
import { ConsolesState } from '../../src-renderer/src/lib/state/consoles.svelte.js';
import { FakeTransport, ok } from './fake-transport.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const session = (id: string): SessionInfo => ({
  id, kind: 'accepted', listenerId: 'L1', protocol: 'tcp', responder: 'interactive', localAddress: '127.0.0.1', localPort: 5000,
  remoteAddress: '127.0.0.1', remotePort: 40000, bytesIn: 0, bytesOut: 0, openedAt: 1, state: 'open', unackedBytes: 0, paused: false, droppedDatagrams: 0,
});
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('Transcript', () => {
  it('keeps both directions in order, joins runs, and drops the oldest bytes past its size', () => {
    const t = new Transcript(11);
    t.push('out', bytes('GET'));
    t.push('out', bytes(' /'));
    t.push('in', bytes('200 OK'));
    expect(t.runs().map((s) => [s.dir, new TextDecoder().decode(s.bytes), s.offset])).toEqual([
      ['out', 'GET /', 0],
      ['in', '200 OK', 0],
    ]);
    t.push('out', bytes('bye'));
    // 14 bytes in an 11-byte transcript: the 3 oldest go.
    expect(t.runs().map((s) => [s.dir, new TextDecoder().decode(s.bytes), s.offset])).toEqual([
      ['out', ' /', 3],
      ['in', '200 OK', 0],
      ['out', 'bye', 5],
    ]);
  });

  it('saves text, a hex dump, or both, with sent ("> ") and received ("< ") marked apart', () => {
    const t = new Transcript();
    t.push('out', bytes('hello\r\n'));
    t.push('in', bytes('hi there\nbye\n'));
    expect(formatTranscript(t.runs(), 'text')).toBe('> hello\n< hi there\n< bye\n');
    const hex = formatTranscript(t.runs(), 'hex');
    expect(hex).toBe(
      '> sent 7 bytes\n00000000  68 65 6c 6c 6f 0d 0a                              |hello..|\n\n' +
        '< received 13 bytes\n00000000  68 69 20 74 68 65 72 65  0a 62 79 65 0a           |hi there.bye.|\n',
    );
    expect(formatTranscript(t.runs(), 'both')).toBe(`> hello\n< hi there\n< bye\n\n--- hex dump ---\n\n${hex}`);
    expect(formatTranscript([], 'both')).toBe('');
  });
});

describe('ConsolesState keeps what was sent with what was received', () => {
  it('records each sent chunk as the engine reports it (sessions.sent), and received bytes as the console keeps them', async () => {
    let seq = 0;
    const t = new FakeTransport({
      'listeners.list': () => ok({ listeners: [], sessions: [session('S1')] }),
      // As the engine does: the sent bytes are reported before the call answers, with the sender's `from`.
      'sessions.send': ({ id, data, from }: { id: string; data: string; from?: string }) => {
        t.emit('sessions.sent', { id, seq: ++seq, data, from });
        return ok({ bytes: atob(data).length });
      },
      'sessions.ack': () => ok({}),
    });
    const state = new ConsolesState(new Api(t));
    const stop = state.start();
    await tick();
    await state.sendLine('S1', 'ping');
    t.emit('sessions.data', { id: 'S1', seq: ++seq, data: btoa('pong\n') });
    await state.sendRaw('S1', 'x');
    const segments = state.transcriptOf('S1').runs();
    expect(segments.map((s) => [s.dir, new TextDecoder().decode(s.bytes)])).toEqual([
      ['out', 'ping\n'],
      ['in', 'pong\n'],
      ['out', 'x'],
    ]);
    expect(formatTranscript(segments, 'text')).toBe('> ping\n< pong\n> x\n');
    stop();
  });
});
