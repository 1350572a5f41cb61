/**
 * A console opened after its session began (a new page, a reload, a second window): the
 * conversation read with sessions.transcript, folded with the sessions.data that cross the read
 * by seq, with no byte twice and none missing, and no send of this page crossing the read.
 */
import { describe, expect, it } from 'vitest';
import type { SessionInfo, SessionTranscript } from '../../src-main/contract/sessions.js';
import { Transcript as EngineTranscript } from '../../src-main/contract/transcript.js';
import { Api } from '../../src-renderer/src/lib/api/client.js';
import { SessionFeed } from '../../src-renderer/src/lib/consoles/feed.js';
import { ConsolesState } from '../../src-renderer/src/lib/state/consoles.svelte.js';
import { deferred, fail, FakeTransport, ok } from './fake-transport.js';
import type { CallResult } from '../../src-main/contract/channels.js';

const session = (id: string, over: Partial<SessionInfo> = {}): SessionInfo => ({
  id, kind: 'accepted', listenerId: 'L1', protocol: 'tcp', responder: 'interactive', localAddress: '127.0.0.1', localPort: 5000,
  remoteAddress: '127.0.0.1', remotePort: 40000, bytesIn: 0, bytesOut: 0, openedAt: 1, state: 'open', unackedBytes: 0, paused: false, droppedDatagrams: 0, ...over,
});
const b64 = (text: string) => btoa(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const tick = () => new Promise((r) => setTimeout(r, 0));
const runs = (state: ConsolesState, id: string) => state.transcriptOf(id).runs().map((s) => [s.dir, text(s.bytes), s.offset]);
const transcript = (over: Partial<SessionTranscript>): SessionTranscript => ({ id: 'S1', seq: 0, segments: [], dropped: 0, totals: { in: 0, out: 0 }, keep: 256 * 1024, ...over });

/**
 * A page that finds session S1 (seeing `beforeList` emitted while the list is read) and whose
 * sessions.transcript read waits for `read`.
 */
async function openLate(read: Promise<CallResult>, beforeList: (t: FakeTransport) => void, over: Partial<SessionInfo>) {
  const t = new FakeTransport({
    'listeners.list': () => {
      beforeList(t);
      return ok({ listeners: [], sessions: [session('S1', over)] });
    },
    'sessions.transcript': () => read,
    'sessions.ack': () => ok({}),
  });
  const state = new ConsolesState(new Api(t));
  const stop = state.start();
  await tick();
  return { t, state, stop };
}

describe('a console opened after its session began', () => {
  it('shows what was said before, and folds the events that crossed the read without duplicates or gaps', async () => {
    const read = deferred<CallResult>();
    // Data emitted before this page read the list: the engine's transcript holds it too.
    const { t, state, stop } = await openLate(read.promise, (t) => t.emit('sessions.data', { id: 'S1', seq: 3, data: b64('ghi') }), { bytesIn: 9, bytesOut: 3 });
    expect(t.callsOf('sessions.transcript')).toEqual([{ id: 'S1' }]);
    // While the transcript is read: seq 4 is already in it (the engine answered after emitting it), seq 5 is not.
    t.emit('sessions.data', { id: 'S1', seq: 4, data: b64('jkl') });
    t.emit('sessions.data', { id: 'S1', seq: 5, data: b64('mno') });
    expect(text(state.feedOf('S1').history.slice())).toBe('ghi');
    read.resolve(ok(transcript({
      seq: 4,
      segments: [
        { dir: 'out', offset: 0, data: b64('hi\n') },
        { dir: 'in', offset: 0, data: b64('abcdef') },
        { dir: 'in', offset: 6, data: b64('ghi') },
        { dir: 'in', offset: 9, data: b64('jkl') },
      ],
      totals: { in: 12, out: 3 },
    })));
    await tick();
    await tick();
    expect(runs(state, 'S1')).toEqual([['out', 'hi\n', 0], ['in', 'abcdefghijklmno', 0]]);
    const feed = state.feedOf('S1');
    expect(text(feed.history.slice())).toBe('abcdefghijklmno');
    expect([feed.history.start, feed.history.end]).toEqual([0, 15]);
    expect(state.histories.S1).toEqual({ dropped: 0, keep: 256 * 1024, version: 1 });
    expect(state.tabs).toEqual(['S1']);
    // Every byte emitted to this page is acknowledged once: ghi (stored), jkl (already in the transcript), mno.
    expect(t.callsOf('sessions.ack').reduce((n, a) => n + a.bytes, 0)).toBe(9);
    // Live data after the read goes on from there.
    t.emit('sessions.data', { id: 'S1', seq: 6, data: b64('p') });
    expect(runs(state, 'S1').at(-1)).toEqual(['in', 'abcdefghijklmnop', 0]);
    stop();
  });

  it('folds a transcript whose burst of small chunks came as one segment with the many events that crossed the read', async () => {
    const chunk = (seq: number) => `${seq},`;
    // The engine's record: a banner, then 25 received chunks, answered one segment per turn as sessions.transcript does.
    const record = new EngineTranscript();
    record.push('out', new TextEncoder().encode('hi\n'));
    for (let seq = 1; seq <= 25; seq++) record.push('in', new TextEncoder().encode(chunk(seq)));
    const segments = record.runs().map((r) => ({ dir: r.dir, offset: r.offset, data: b64(text(r.bytes)) }));
    expect(segments.map((r) => r.dir)).toEqual(['out', 'in']);
    const read = deferred<CallResult>();
    const emit = (t: FakeTransport, from: number, to: number) => {
      for (let seq = from; seq <= to; seq++) t.emit('sessions.data', { id: 'S1', seq, data: b64(chunk(seq)) });
    };
    const { t, state, stop } = await openLate(read.promise, (t) => emit(t, 1, 10), { bytesIn: 21, bytesOut: 3 });
    // While the transcript is read: 11 to 25 are in it, 26 to 30 are not.
    emit(t, 11, 30);
    read.resolve(ok(transcript({ seq: 25, segments, totals: { in: record.total('in'), out: 3 } })));
    await tick();
    await tick();
    emit(t, 31, 40);
    await tick();
    const all = Array.from({ length: 40 }, (_, i) => chunk(i + 1)).join('');
    expect(runs(state, 'S1')).toEqual([['out', 'hi\n', 0], ['in', all, 0]]);
    const feed = state.feedOf('S1');
    expect(text(feed.history.slice())).toBe(all);
    expect([feed.history.start, feed.history.end]).toEqual([0, all.length]);
    // Every byte emitted to this page is acknowledged once, whether the transcript held it or not.
    expect(t.callsOf('sessions.ack').reduce((n, a) => n + a.bytes, 0)).toBe(all.length);
    stop();
  });

  it('reads the transcript after this page\'s sends in flight, so a send is never shown twice', async () => {
    const send = deferred<CallResult>();
    let sessions = [session('S1')];
    const t = new FakeTransport({
      'listeners.list': () => ok({ listeners: [], sessions }),
      'sessions.send': () => send.promise,
      'sessions.transcript': () => ok(transcript({ segments: [{ dir: 'out', offset: 0, data: b64('ping\n') }], totals: { in: 0, out: 5 } })),
    });
    const state = new ConsolesState(new Api(t));
    const stop = state.start();
    await tick();
    // Nothing was said yet: nothing to read.
    expect(t.callsOf('sessions.transcript')).toEqual([]);
    const sent = state.sendLine('S1', 'ping');
    await tick();
    // The link comes back while the send is on its way: the list is read again, the history after the send.
    sessions = [session('S1', { bytesOut: 5 })];
    await state.load();
    await tick();
    expect(t.callsOf('sessions.transcript')).toEqual([]);
    send.resolve(ok({ bytes: 5 }));
    await sent;
    await tick();
    await tick();
    expect(t.calls.map((c) => c.name).filter((n) => n.startsWith('sessions.'))).toEqual(['sessions.send', 'sessions.transcript']);
    expect(runs(state, 'S1')).toEqual([['out', 'ping\n', 0]]);
    expect(state.histories.S1?.version).toBe(1);
    stop();
  });

  it('says how much the engine no longer kept, and stays quiet about a session forgotten meanwhile', async () => {
    const t = new FakeTransport({
      'listeners.list': () => ok({ listeners: [], sessions: [session('S1', { bytesIn: 300_000 }), session('S2', { bytesIn: 1, state: 'closed' })] }),
      'sessions.transcript': ({ id }: { id: string }) =>
        id === 'S1' ? ok(transcript({ seq: 9, segments: [{ dir: 'in', offset: 299_990, data: b64('0123456789') }], dropped: 299_990, totals: { in: 300_000, out: 0 } })) : fail('NOT_FOUND', 'There is no session S2.'),
      'sessions.ack': () => ok({}),
    });
    const state = new ConsolesState(new Api(t));
    const stop = state.start();
    await tick();
    await tick();
    expect(state.histories.S1).toMatchObject({ dropped: 299_990 });
    expect([state.feedOf('S1').history.start, state.feedOf('S1').history.end]).toEqual([299_990, 300_000]);
    expect(runs(state, 'S1')).toEqual([['in', '0123456789', 299_990]]);
    expect(state.histories.S2).toBeUndefined();
    expect(state.notice).toBeNull();
    stop();
  });
});

describe('SessionFeed.restore', () => {
  it('replaces its history, acknowledges what waited (the record holds it), and lets shown writes finish', () => {
    const acks: number[] = [];
    const feed = new SessionFeed({ ack: (n) => acks.push(n), chunk: 2, maxInFlight: 2 });
    const done: (() => void)[] = [];
    feed.attach({ write: (_bytes, d) => done.push(d), sent: () => {} });
    feed.push(b64('abcdef'));
    // 2 bytes on the console, 4 waiting.
    expect([feed.pendingDraw, feed.backlog]).toEqual([2, 4]);
    feed.restore([new TextEncoder().encode('xyz')], 10);
    expect(acks).toEqual([4]);
    expect([feed.pendingDraw, feed.backlog]).toEqual([2, 0]);
    expect(text(feed.history.slice())).toBe('xyz');
    expect(feed.history.end).toBe(10);
    done[0]!();
    expect(acks).toEqual([4, 2]);
    feed.push(b64('Q'));
    expect(feed.history.end).toBe(11);
  });
});
