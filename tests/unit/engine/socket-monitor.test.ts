import { describe, expect, it, vi } from 'vitest';
import type { SocketDiff, SocketRow, SocketTrafficSample } from '../../../src-main/contract/index.js';
import { diffSockets } from '../../../src-main/engine/sockets/diff.js';
import { plainAddress } from '../../../src-main/engine/net/address.js';
import { linkPairs, socketId } from '../../../src-main/engine/sockets/identity.js';
import { SocketMonitor } from '../../../src-main/engine/sockets/monitor.js';
import type { SocketProvider, SocketReading } from '../../../src-main/engine/sockets/provider.js';

function row(partial: Partial<SocketRow> & Pick<SocketRow, 'localPort' | 'remotePort'>, inode = 1): SocketRow {
  const r: SocketRow = { id: '', proto: 'tcp', localAddress: '127.0.0.1', remoteAddress: '127.0.0.1', state: 'ESTABLISHED', rxQueue: 0, txQueue: 0, ...partial };
  r.id = socketId(r, inode);
  return r;
}

/** A provider that returns scripted readings, one per read. */
class ScriptedProvider implements SocketProvider {
  readonly source = 'script';
  reads = 0;
  constructor(private readonly readings: SocketRow[][]) {}
  async read(): Promise<SocketReading> {
    const rows = this.readings[Math.min(this.reads++, this.readings.length - 1)]!;
    return { rows: rows.map((r) => ({ ...r })), hiddenOwners: 0 };
  }
}

describe('socket identity and pairs', () => {
  it('links both halves of a local connection, across IPv4-mapped addresses', () => {
    const a = row({ localPort: 8080, remotePort: 50000 }, 10);
    const b = row({ proto: 'tcp6', localAddress: '::ffff:127.0.0.1', localPort: 50000, remotePort: 8080 }, 11);
    const listener = row({ localPort: 8080, remotePort: 0, remoteAddress: '0.0.0.0', state: 'LISTEN' }, 12);
    const outside = row({ localPort: 50001, remoteAddress: '192.0.2.7', remotePort: 443 }, 13);
    linkPairs([a, b, listener, outside]);
    expect(a.pairId).toBe(b.id);
    expect(b.pairId).toBe(a.id);
    expect(listener.pairId).toBeUndefined();
    expect(outside.pairId).toBeUndefined();
    expect(plainAddress('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(plainAddress('::1')).toBe('::1');
  });

  it('tells apart connections on the same two ports between different local addresses', () => {
    // 127.0.0.1:9000 <-> 127.0.0.2:40000 and 127.0.0.3:9000 <-> 127.0.0.4:40000: the same ports, other halves.
    const a1 = row({ localAddress: '127.0.0.1', localPort: 9000, remoteAddress: '127.0.0.2', remotePort: 40000 }, 21);
    const b1 = row({ localAddress: '127.0.0.2', localPort: 40000, remoteAddress: '127.0.0.1', remotePort: 9000 }, 22);
    const a2 = row({ localAddress: '127.0.0.3', localPort: 9000, remoteAddress: '127.0.0.4', remotePort: 40000 }, 23);
    const b2 = row({ localAddress: '127.0.0.4', localPort: 40000, remoteAddress: '127.0.0.3', remotePort: 9000 }, 24);
    const lone = row({ localAddress: '127.0.0.5', localPort: 9000, remoteAddress: '127.0.0.6', remotePort: 40000 }, 25);
    linkPairs([a1, a2, lone, b2, b1]);
    expect([a1.pairId, b1.pairId, a2.pairId, b2.pairId, lone.pairId]).toEqual([b1.id, a1.id, b2.id, a2.id, undefined]);
  });
});

describe('diffSockets', () => {
  it('reports added, removed and changed rows by identity', () => {
    const keep = row({ localPort: 1, remotePort: 2 }, 1);
    const gone = row({ localPort: 3, remotePort: 4 }, 2);
    const grows = row({ localPort: 5, remotePort: 6 }, 3);
    const fresh = row({ localPort: 7, remotePort: 8 }, 4);
    const before = new Map([keep, gone, grows].map((r) => [r.id, r]));
    const after = new Map([keep, { ...grows, rxQueue: 100 }, fresh].map((r) => [r.id, r]));
    const diff = diffSockets(before, after);
    expect(diff.added.map((r) => r.id)).toEqual([fresh.id]);
    expect(diff.removed).toEqual([gone.id]);
    expect(diff.changed).toEqual([expect.objectContaining({ id: grows.id, rxQueue: 100 })]);
  });
});

describe('SocketMonitor', () => {
  it('reads fresh when nobody watches, emits one diff per changing tick, tags its own rows', async () => {
    const a = row({ localPort: 1, remotePort: 2, pid: 42 }, 1);
    const b = row({ localPort: 3, remotePort: 4, pid: 7 }, 2);
    const provider = new ScriptedProvider([[a], [a, b], [a, b], [b]]);
    const diffs: SocketDiff[] = [];
    const monitor = new SocketMonitor({ provider, onDiff: (d) => diffs.push(d), tagger: (r) => (r.pid === 42 ? 'portolan' : undefined) });
    const first = await monitor.snapshot();
    expect(first.rows[0]!.ownedBy).toBe('portolan');
    await monitor.snapshot();
    await monitor.snapshot(); // unchanged: no diff
    await monitor.snapshot();
    expect(provider.reads).toBe(4);
    expect(diffs.map((d) => [d.tick, d.added.length, d.removed.length])).toEqual([
      [2, 1, 0],
      [4, 0, 1],
    ]);
    monitor.close();
  });

  it('ticks only while a watch lease is alive, and freezes while paused', async () => {
    const provider = new ScriptedProvider([[row({ localPort: 1, remotePort: 2 })]]);
    const monitor = new SocketMonitor({ provider, onDiff: () => undefined, intervalMs: 250 });
    monitor.watch(1000);
    await new Promise((r) => setTimeout(r, 600));
    const during = provider.reads;
    expect(during).toBeGreaterThanOrEqual(2);
    monitor.configure({ paused: true });
    const frozen = await monitor.snapshot();
    await new Promise((r) => setTimeout(r, 600));
    expect(provider.reads).toBe(during);
    expect(await monitor.snapshot()).toBe(frozen);
    monitor.close();
  });

  it('samples traffic only while a watcher asks for it, half a period after each tick', async () => {
    const provider = new TrafficProvider([[row({ localPort: 1, remotePort: 2 })]]);
    const samples: SocketTrafficSample[] = [];
    const monitor = new SocketMonitor({ provider, onDiff: () => undefined, onTraffic: (s) => samples.push(s), intervalMs: 200 });
    // The plain table's lease: ticks, no traffic.
    monitor.watch(3000);
    await vi.waitFor(() => expect(provider.reads).toBeGreaterThanOrEqual(4), { timeout: 5000 });
    expect(provider.trafficReads).toBe(0);
    // A pairs view's lease: traffic too, each sample after the tick it follows.
    monitor.watch(3000, 1000);
    await vi.waitFor(() => expect(provider.trafficReads).toBeGreaterThanOrEqual(2), { timeout: 5000 });
    expect(samples.length).toBe(provider.trafficReads);
    for (const gap of provider.gaps) expect(gap).toBeGreaterThanOrEqual(90);
    // The traffic lease ends while the table's goes on.
    await new Promise((r) => setTimeout(r, 1200));
    const after = provider.trafficReads;
    const reads = provider.reads;
    await vi.waitFor(() => expect(provider.reads).toBeGreaterThanOrEqual(reads + 3), { timeout: 5000 });
    expect(provider.trafficReads).toBe(after);
    monitor.close();
  });
});

/** A scripted provider that also counts traffic reads and how long after the last read each came. */
class TrafficProvider extends ScriptedProvider {
  trafficReads = 0;
  readonly gaps: number[] = [];
  private lastRead = 0;
  override async read(): Promise<SocketReading> {
    this.lastRead = performance.now();
    return super.read();
  }
  async readTraffic(): Promise<SocketTrafficSample> {
    this.trafficReads++;
    this.gaps.push(performance.now() - this.lastRead);
    return { at: Date.now(), source: 'script', available: true, items: [{ id: 'x', bytesSent: 1, bytesReceived: 1, sendRate: 0, recvRate: 0, rttMs: 0, retrans: 0 }] };
  }
}
