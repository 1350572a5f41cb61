/**
 * The live socket table against real loopback sockets made by this test: 200 TCP connections,
 * UDP sockets and IPv6; right pid, linked pairs, and closed sockets gone by the next tick.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SocketDiff, SocketRow, SocketSnapshot } from '../../../src-main/contract/index.js';
import { testApp } from '../../helpers/app.js';

let ctx: Awaited<ReturnType<typeof testApp>>;
beforeAll(async () => {
  ctx = await testApp();
});
afterAll(() => ctx.dispose());

/** A listener on `host` with `count` accepted connections; close() closes all of them. */
async function connections(host: string, count: number) {
  const accepted: net.Socket[] = [];
  const server = net.createServer((s) => accepted.push(s));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as net.AddressInfo).port;
  const clients = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Socket>((resolve) => {
      const c = net.connect(port, host, () => resolve(c));
    })),
  );
  while (accepted.length < count) await new Promise((r) => setTimeout(r, 5));
  return {
    port,
    async close() {
      await Promise.all([...clients, ...accepted].map((s) => new Promise((r) => s.once('close', r).destroy())));
      await new Promise((r) => server.close(r));
    },
  };
}

async function snapshot(): Promise<SocketSnapshot> {
  const result = await ctx.app.invoke('sockets.snapshot', {});
  if (!result.ok) throw new Error(result.error.message);
  return result.value as SocketSnapshot;
}

/** Checks that the listener and both halves of every connection are present and linked. */
function expectPairs(rows: SocketRow[], port: number, count: number) {
  const listener = rows.filter((r) => r.localPort === port && r.state === 'LISTEN');
  const serverSide = rows.filter((r) => r.localPort === port && r.state === 'ESTABLISHED');
  const clientSide = rows.filter((r) => r.remotePort === port && r.state === 'ESTABLISHED');
  expect(listener).toHaveLength(1);
  expect(serverSide).toHaveLength(count);
  expect(clientSide).toHaveLength(count);
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const row of [...listener, ...serverSide, ...clientSide]) {
    expect(row.pid).toBe(process.pid);
    expect(row.process).toBeTruthy();
    expect(row.ownedBy).toBe('portolan');
  }
  for (const row of [...serverSide, ...clientSide]) {
    const other = byId.get(row.pairId!);
    expect(other, `pair of ${row.id}`).toBeDefined();
    expect(other!.pairId).toBe(row.id);
    expect(other!.localPort).toBe(row.remotePort);
  }
  return { serverSide, clientSide, listener };
}

describe.skipIf(process.platform !== 'linux')('socket table on real loopback sockets', () => {
  it('shows 200 TCP connections with this pid, both halves linked as pairs', async () => {
    const conns = await connections('127.0.0.1', 200);
    try {
      expectPairs((await ctx.app.handlers['sockets.snapshot']({ listeningOnly: false })).rows, conns.port, 200);
    } finally {
      await conns.close();
    }
  });

  it('links IPv6 pairs on ::1', async () => {
    const conns = await connections('::1', 10);
    try {
      const { listener } = expectPairs((await snapshot()).rows, conns.port, 10);
      expect(listener[0]).toMatchObject({ proto: 'tcp6', localAddress: '::1' });
    } finally {
      await conns.close();
    }
  });

  it('shows UDP sockets, IPv4 and IPv6, as unconnected listeners with this pid', async () => {
    const sockets = await Promise.all(
      (['udp4', 'udp4', 'udp6'] as const).map(
        (type) => new Promise<dgram.Socket>((resolve) => {
          const s = dgram.createSocket(type);
          s.bind(0, type === 'udp6' ? '::1' : '127.0.0.1', () => resolve(s));
        }),
      ),
    );
    try {
      const rows = (await ctx.app.handlers['sockets.snapshot']({ listeningOnly: true })).rows;
      for (const s of sockets) {
        const row = rows.find((r) => r.localPort === s.address().port && r.proto.startsWith('udp'));
        expect(row).toMatchObject({ state: 'UNCONN', pid: process.pid, proto: s.address().family === 'IPv6' ? 'udp6' : 'udp' });
      }
    } finally {
      for (const s of sockets) s.close();
    }
  });

  it('reports added rows in a diff, and closed rows as removed on the next tick', async () => {
    const diffs: SocketDiff[] = [];
    const off = ctx.app.bus.on('sockets.diff', (d) => diffs.push(d));
    const nextDiff = async (after: number) => {
      while (!diffs.some((d) => d.tick > after)) await new Promise((r) => setTimeout(r, 20));
      return diffs.filter((d) => d.tick > after);
    };
    await ctx.app.invoke('sockets.configure', { intervalMs: 250, paused: false });
    await ctx.app.invoke('sockets.watch', { leaseMs: 20000 });
    const start = (await snapshot()).tick;
    const conns = await connections('127.0.0.1', 20);
    const before = (await nextDiff(start)).flatMap((d) => d.added);
    expect(before.filter((r) => r.localPort === conns.port || r.remotePort === conns.port).length).toBeGreaterThanOrEqual(41);

    const ids = new Set((await snapshot()).rows.filter((r) => r.state === 'ESTABLISHED' && (r.localPort === conns.port || r.remotePort === conns.port)).map((r) => r.id));
    expect(ids.size).toBe(40);
    const closedAt = (await snapshot()).tick;
    await conns.close();
    // The first tick that starts after every socket is closed must drop them all.
    const mark = (await snapshot()).tick;
    const removed = new Set((await nextDiff(Math.max(mark, closedAt))).flatMap((d) => d.removed));
    const all = new Set([...removed, ...diffs.filter((d) => d.tick > closedAt).flatMap((d) => d.removed)]);
    for (const id of ids) expect(all.has(id), id).toBe(true);
    const after = await ctx.app.handlers['sockets.snapshot']({ listeningOnly: false });
    expect(after.rows.some((r) => ids.has(r.id))).toBe(false);
    off();
    await ctx.app.invoke('sockets.configure', { paused: true });
  });
});
