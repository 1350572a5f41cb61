import { describe, expect, it, vi } from 'vitest';
import type { SocketRow } from '../../src-main/contract/sockets.js';
import { Api } from '../../src-renderer/src/lib/api/client.js';
import type { PairsLine } from '../../src-renderer/src/lib/sockets/pairs.js';
import { SocketsState } from '../../src-renderer/src/lib/state/sockets.svelte.js';
import { FakeTransport, ok } from './fake-transport.js';
import { listenerWithPair, row } from './socket-rows.js';

function engine(rows: SocketRow[]) {
  return new FakeTransport({
    'sockets.watch': () => ok({ intervalMs: 1000, paused: false }),
    'sockets.snapshot': () => ok({ tick: 1, at: 1, rows, hiddenOwners: 0, source: '/proc/net' }),
    'dictionary.summaries': () => ok({}),
  });
}

/** The pairs mode lines in words: "L srv:8080 1/1", "client:port > server:port", "section 1". */
function words(lines: readonly PairsLine[]): string[] {
  return lines.map((l) =>
    l.kind === 'listener'
      ? `L ${l.listener.process}:${l.listener.port} ${l.shownPairs}/${l.pairs}${l.entry.mark ? ':' + l.entry.mark : ''}`
      : l.kind === 'section'
        ? `section ${l.pairs}`
        : `${l.pair.client.process ?? l.pair.client.address}:${l.pair.client.port} > ${l.pair.server.process ?? l.pair.server.address}:${l.pair.server.port}${l.mark ? ':' + l.mark : ''}`,
  );
}

describe('pairs mode of the Sockets view', () => {
  it('shows each connection once under its listener, then pairs without a listener here', async () => {
    const a = listenerWithPair(8080, 51000);
    const b = listenerWithPair(9090, 52000, 11, 'api');
    const outgoing = row({ localAddress: '192.0.2.5', localPort: 53000, remoteAddress: '203.0.113.9', remotePort: 443, pid: 30, process: 'firefox' });
    const s = new SocketsState(new Api(engine([a.listener, a.server, a.client, b.listener, b.server, b.client, outgoing])));
    s.setOptions({ mode: 'pairs' });
    await s.load();
    expect(words(s.pairLines)).toEqual(['L srv:8080 1/1', 'curl:51000 > srv:8080', 'L api:9090 1/1', 'curl:52000 > api:9090', 'section 1', 'firefox:53000 > 203.0.113.9:443']);
    // The filter is the table's: a pair is shown when one of its halves passes it.
    s.setFilter('port:51000');
    expect(words(s.pairLines)).toEqual(['L srv:8080 1/1', 'curl:51000 > srv:8080']);
    s.setFilter('state:listen');
    expect(words(s.pairLines)).toEqual(['L srv:8080 0/1', 'L api:9090 0/1']);
  });

  it('keeps the filter and the selection when switching between sockets and pairs', async () => {
    const a = listenerWithPair(8080, 51000);
    const other = listenerWithPair(9090, 52000, 11, 'api');
    const s = new SocketsState(new Api(engine([a.listener, a.server, a.client, other.listener, other.server, other.client])));
    await s.load();
    s.setFilter('port:8080');
    s.select(a.server.id);
    const before = s.selectedIndex();
    expect(before).toBeGreaterThanOrEqual(0);
    s.setOptions({ mode: 'pairs' });
    expect(s.filterText).toBe('port:8080');
    expect(s.selectedId).toBe(a.server.id);
    // The selected server half is shown by its pair's line.
    const line = s.pairLines[s.selectedIndex()]!;
    expect(line.kind === 'pair' && line.pair.server.socketId).toBe(a.server.id);
    // Arrows move through listeners and pairs; the selection stays a socket row.
    s.move(-1);
    expect(s.selectedId).toBe(a.listener.id);
    s.move(1);
    expect(s.selectedId).toBe(a.client.id);
    s.setOptions({ mode: 'sockets' });
    expect(s.selectedId).toBe(a.client.id);
    expect(s.lines[s.selectedIndex()]).toMatchObject({ row: { id: a.client.id } });
    expect(s.filterText).toBe('port:8080');
  });

  it('highlights new and closing pairs as their rows are, and counts only open pairs', async () => {
    vi.useFakeTimers();
    try {
      const a = listenerWithPair(8080, 51000);
      const transport = engine([a.listener]);
      const s = new SocketsState(new Api(transport), { now: () => 0 });
      s.setOptions({ mode: 'pairs' });
      await s.load();
      s.onDiff({ tick: 2, at: 2, added: [a.server, a.client], removed: [], changed: [] });
      expect(words(s.pairLines)).toEqual(['L srv:8080 1/1', 'curl:51000 > srv:8080:added']);
      s.onDiff({ tick: 3, at: 3, added: [], removed: [a.server.id], changed: [] });
      // One half closed, the other still open: the pair is not closed yet.
      expect(words(s.pairLines)[1]).toBe('curl:51000 > srv:8080:added');
      s.onDiff({ tick: 4, at: 4, added: [], removed: [a.client.id], changed: [] });
      expect(words(s.pairLines)).toEqual(['L srv:8080 1/0', 'curl:51000 > srv:8080:removed']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('hides TIME_WAIT by itself when it is over half the table, and remembers a choice', async () => {
    const live = row({ localPort: 22 });
    const tw = [40000, 40001, 40002].map((p) => row({ localPort: p, remoteAddress: '192.0.2.1', remotePort: 443, state: 'TIME_WAIT' }));
    const saved: string[] = [];
    const s = new SocketsState(new Api(engine([live, ...tw])), { onOptions: (o) => saved.push(o) });
    await s.load();
    expect([s.timeWaitHidden, s.timeWaitCount, s.shown, s.total]).toEqual([true, 3, 1, 4]);
    s.setOptions({ timeWait: 'show' });
    expect([s.timeWaitHidden, s.shown]).toEqual([false, 4]);
    expect(saved.at(-1)).toBe('timewait:show');
    await s.load();
    expect(s.timeWaitHidden).toBe(false);
  });

  it('sorts pairs as top talkers by the live rate, and keeps a rate history for the selected connection', async () => {
    const a = listenerWithPair(8080, 51000);
    const b = listenerWithPair(9090, 52000, 11, 'api');
    const s = new SocketsState(new Api(engine([a.listener, a.server, a.client, b.listener, b.server, b.client])));
    s.setOptions({ mode: 'pairs' });
    await s.load();
    s.select(b.client.id);
    const t = (id: string, sendRate: number) => ({ id, bytesSent: sendRate * 2, bytesReceived: 0, sendRate, recvRate: 0, rttMs: 0.1, retrans: 0 });
    s.onTraffic({ at: 1, source: 'ss -tin (kernel tcp_info)', available: true, items: [t(a.client.id, 100), t(b.client.id, 5000)] });
    s.setOptions({ talkers: true });
    expect(words(s.pairLines)).toEqual(['curl:52000 > api:9090', 'curl:51000 > srv:8080']);
    s.onTraffic({ at: 2, source: 'ss -tin (kernel tcp_info)', available: true, items: [t(a.client.id, 9000), t(b.client.id, 0)] });
    expect(words(s.pairLines)).toEqual(['curl:51000 > srv:8080', 'curl:52000 > api:9090']);
    expect(s.traffic.series(b.client.id)?.out).toEqual([5000, 0]);
    expect(s.traffic.series(a.client.id)).toBeUndefined();
  });
});
