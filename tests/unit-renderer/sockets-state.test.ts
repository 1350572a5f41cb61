import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SocketRow } from '../../src-main/contract/sockets.js';
import { Api } from '../../src-renderer/src/lib/api/client.js';
import { isHeader } from '../../src-renderer/src/lib/sockets/group.js';
import { SocketsState } from '../../src-renderer/src/lib/state/sockets.svelte.js';
import { deferred, FakeTransport, lookupResult, ok } from './fake-transport.js';
import { listenerWithPair, row } from './socket-rows.js';
import type { CallResult } from '../../src-main/contract/channels.js';

afterEach(() => vi.useRealTimers());

function engine(rows: SocketRow[], tick = 5) {
  let monitor = { intervalMs: 1000, paused: false };
  const transport = new FakeTransport({
    'sockets.watch': () => ok(monitor),
    'sockets.snapshot': () => ok({ tick, at: 1, rows, hiddenOwners: 2, source: '/proc/net' }),
    'sockets.configure': (patch) => ok((monitor = { ...monitor, ...patch })),
    'dictionary.summaries': (q) => ok(Object.fromEntries(q.ports.map((p: number) => [p, lookupResult(String(p), [p]).items[0]!]))),
    'dns.reverse': (q) => ok(Object.fromEntries(q.addresses.map((a: string) => [a, a === '192.0.2.1' ? 'host.test' : null]))),
  });
  return transport;
}

const diff = (tick: number, d: { added?: SocketRow[]; removed?: string[]; changed?: SocketRow[] }) => ({ tick, at: tick, added: [], removed: [], changed: [], ...d });
const ports = (s: SocketsState) => s.lines.map((l) => (isHeader(l) ? `#${l.label}` : `${l.row.localPort}${l.mark ? ':' + l.mark : ''}`));

describe('SocketsState', () => {
  it('loads the table under a lease, then applies diffs by tick (older ones dropped)', async () => {
    const { listener, server, client } = listenerWithPair(8080, 51000);
    const transport = engine([listener, server]);
    let now = 0;
    const s = new SocketsState(new Api(transport), { now: () => now });
    const stop = s.start();
    await vi.waitFor(() => expect(s.loaded).toBe(true));
    expect(transport.callsOf('sockets.watch')).toEqual([{ leaseMs: 30000 }]);
    expect([s.total, s.shown, s.hiddenOwners, s.tick, s.source]).toEqual([2, 2, 2, 5, '/proc/net']);

    transport.emit('sockets.diff', diff(5, { added: [client] })); // the snapshot already had tick 5
    expect(s.total).toBe(2);
    transport.emit('sockets.diff', diff(6, { added: [client], changed: [{ ...listener, rxQueue: 1 }] }));
    expect(ports(s)).toEqual(['8080:changed', '8080', '51000:added']);
    now = 500;
    transport.emit('sockets.diff', diff(7, { removed: [server.id] }));
    expect(ports(s)).toEqual(['8080:changed', '8080:removed', '51000:added']);
    expect([s.total, s.shown]).toEqual([2, 2]);
    stop();
  });

  it('holds diffs that arrive while the snapshot is on its way', async () => {
    const a = row({ localPort: 1 });
    const b = row({ localPort: 2 });
    const slow = deferred<CallResult>();
    const transport = engine([a]);
    transport.handlers['sockets.snapshot'] = () => slow.promise;
    const s = new SocketsState(new Api(transport));
    const loading = s.load();
    await Promise.resolve();
    s.onDiff(diff(4, { added: [b] }));
    s.onDiff(diff(6, { added: [b] }));
    slow.resolve(ok({ tick: 5, at: 1, rows: [a], hiddenOwners: 0, source: 'x' }));
    await loading;
    expect(ports(s)).toEqual(['1', '2:added']);
    expect(s.tick).toBe(6);
  });

  it('renews the lease while open and stops when closed; fades rows on a timer', async () => {
    vi.useFakeTimers();
    const a = row({ localPort: 1 });
    const transport = engine([a]);
    const s = new SocketsState(new Api(transport), { renewMs: 10_000, durations: { added: 3000, changed: 1500, removed: 2000 } });
    const stop = s.start();
    await vi.advanceTimersByTimeAsync(0);
    transport.emit('sockets.diff', diff(6, { removed: [a.id] }));
    expect(ports(s)).toEqual(['1:removed']);
    await vi.advanceTimersByTimeAsync(2200);
    expect(ports(s)).toEqual([]);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(transport.callsOf('sockets.watch')).toHaveLength(3);
    stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(transport.callsOf('sockets.watch')).toHaveLength(3);
    transport.emit('sockets.diff', diff(9, { added: [row({ localPort: 3 })] }));
    expect(transport.callsOf('sockets.snapshot')).toHaveLength(1);
  });

  it('pauses, changes the period, filters, sorts, groups and remembers each', async () => {
    const { listener, server, client } = listenerWithPair(8080, 51000);
    const other = row({ localPort: 22 });
    const transport = engine([listener, server, client, other]);
    const remembered: string[] = [];
    const s = new SocketsState(new Api(transport), { onFilter: (t) => remembered.push(`f=${t}`), onOptions: (o) => remembered.push(`o=${o}`) });
    await s.load();
    await s.togglePause();
    await s.configure({ intervalMs: 2000 });
    expect(transport.callsOf('sockets.configure')).toEqual([{ paused: true }, { intervalMs: 2000 }]);
    expect([s.paused, s.intervalMs]).toEqual([true, 2000]);

    s.setFilter('port:8080');
    expect(ports(s)).toEqual(['8080', '8080', '51000']);
    s.sortBy('lport');
    expect(ports(s)).toEqual(['51000', '8080', '8080']);
    s.setOptions({ group: 'port' });
    expect(ports(s)).toEqual(['#8080', '51000', '8080', '8080']);
    s.toggleGroup('port:8080');
    expect(ports(s)).toEqual(['#8080']);
    expect(remembered).toEqual(['f=port:8080', 'o=sort:lport:desc', 'o=group:port sort:lport:desc']);

    s.restore('state:listen', 'only:listening');
    s.toggleGroup('port:8080');
    expect(ports(s)).toEqual(['22', '8080']);
    expect(remembered).toHaveLength(3);
  });

  it('moves the selection over rows (skipping group headers) and keeps a closed selection', async () => {
    const { listener, server, client } = listenerWithPair(8080, 51000);
    const transport = engine([listener, server, client]);
    const s = new SocketsState(new Api(transport));
    s.restore('', 'group:port');
    await s.load();
    s.move(1);
    expect(s.selected?.row.id).toBe(listener.id);
    s.move(-1);
    expect(s.selected?.row.id).toBe(listener.id);
    s.move(10);
    expect(s.selected?.row.id).toBe(client.id);
    s.select(client.pairId!);
    expect(s.selectedIndex()).toBe(2);
    s.onDiff(diff(6, { removed: [server.id] }));
    s.table.expire(Date.now() + 10_000);
    s.onDiff(diff(7, { added: [row({ localPort: 9 })] }));
    expect(s.selected?.mark).toBe('removed');
    expect(s.selectedIndex()).toBe(-1);
  });

  it('looks names up for the rows on screen in one batched call, and reverse DNS only when on', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => row({ localPort: 1000 + i, remoteAddress: '192.0.2.1', remotePort: 443 }));
    const transport = engine(rows);
    const s = new SocketsState(new Api(transport));
    await s.load();
    s.visible(s.lines);
    await vi.waitFor(() => expect(s.names.name(1011)).toBe('svc1011'));
    expect(transport.callsOf('dictionary.summaries').map((q) => [...q.ports].sort())).toEqual([[...Array.from({ length: 12 }, (_, i) => 1000 + i), 443].sort()]);
    s.visible(s.lines);
    await new Promise((r) => setTimeout(r, 40));
    expect(transport.callsOf('dictionary.summaries')).toHaveLength(1);
    expect(transport.callsOf('dns.reverse')).toEqual([]);
    s.setOptions({ dns: true });
    s.visible(s.lines);
    await vi.waitFor(() => expect(s.ctx.hostName('192.0.2.1')).toBe('host.test'));
    expect(transport.callsOf('dns.reverse')).toEqual([{ addresses: ['192.0.2.1'] }]);
    s.setFilter('host.test');
    expect(s.shown).toBe(12);
    expect(s.exportRows()).toHaveLength(12);
  });

  it('asks the engine for traffic only while something on screen shows it', async () => {
    const { listener, server, client } = listenerWithPair(8080, 51000);
    const transport = engine([listener, server, client]);
    const s = new SocketsState(new Api(transport), { renewMs: 10_000 });
    const stop = s.start();
    await vi.waitFor(() => expect(s.loaded).toBe(true));
    s.wantTraffic(false);
    expect(transport.callsOf('sockets.watch')).toEqual([{ leaseMs: 30000 }]);
    // Pairs, the graph or a connection's details: asked at once, for a little past the next renewal.
    s.wantTraffic(true);
    await vi.waitFor(() => expect(transport.callsOf('sockets.watch')).toHaveLength(2));
    expect(transport.callsOf('sockets.watch')[1]).toEqual({ leaseMs: 30000, trafficMs: 15000 });
    s.wantTraffic(true);
    expect(transport.callsOf('sockets.watch')).toHaveLength(2);
    // Back to the plain table: no new call; the traffic lease runs out by itself.
    s.wantTraffic(false);
    expect(transport.callsOf('sockets.watch')).toHaveLength(2);
    stop();
  });

  it("selects and opens the row a notification's link names, once it is in the table, letting it through the filter", async () => {
    const { listener, server, client } = listenerWithPair(8080, 51000);
    const other = row({ localPort: 9090 });
    const transport = engine([server, client, other]);
    const s = new SocketsState(new Api(transport));
    // The link is followed before the table is read, and names a listener that opens later.
    s.focus(`tcp|127.0.0.1|8080`);
    await s.load();
    s.setFilter('port:9090');
    expect([s.selectedId, s.focusSeq]).toEqual([null, 0]);
    s.onDiff(diff(6, { added: [listener] }));
    expect([s.selectedId, s.detailOpen, s.focusSeq, s.filterText]).toEqual([listener.id, true, 1, '']);
    expect(s.selectedIndex()).toBeGreaterThanOrEqual(0);
    // A socket id works too, at once when the row is there.
    s.focus(client.id);
    expect([s.selectedId, s.focusSeq]).toEqual([client.id, 2]);
  });
});

