/**
 * Socket pairs on real loopback sockets made by this test: `sockets.pairs` and `portolan sockets
 * --pairs` show each connection once, client to server, under the listener that accepted it.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SocketPair, SocketTrafficSample } from '../../../src-main/contract/index.js';
import { startCli } from '../forwards/helpers.js';
import { testApp } from '../../helpers/app.js';

let ctx: Awaited<ReturnType<typeof testApp>>;
const cleanups: (() => void)[] = [];
beforeAll(async () => {
  ctx = await testApp();
});
afterAll(async () => {
  cleanups.forEach((c) => c());
  await ctx.dispose();
});

/** A listener on `host` with `count` clients connected to it. */
async function listenerWith(host: string, count: number) {
  const accepted: net.Socket[] = [];
  const server = net.createServer((s) => accepted.push(s));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as net.AddressInfo).port;
  const clients = await Promise.all(Array.from({ length: count }, () => new Promise<net.Socket>((resolve) => {
    const c = net.connect(port, host, () => resolve(c));
  })));
  while (accepted.length < count) await new Promise((r) => setTimeout(r, 5));
  cleanups.push(() => {
    [...clients, ...accepted].forEach((s) => s.destroy());
    server.close();
  });
  return { port, clientPorts: clients.map((c) => c.localPort!) };
}

describe.skipIf(process.platform !== 'linux')('socket pairs on real loopback sockets', () => {
  it('gives each connection once, client to server, and counts the pairs of its listener (IPv4 and IPv6)', async () => {
    const v4 = await listenerWith('127.0.0.1', 5);
    const v6 = await listenerWith('::1', 2);
    const table = await ctx.app.handlers['sockets.pairs']({});
    for (const [side, host] of [[v4, '127.0.0.1'], [v6, '::1']] as const) {
      const listener = table.listeners.find((l) => l.port === side.port && l.address === host)!;
      expect(listener).toMatchObject({ pid: process.pid, pairs: side.clientPorts.length });
      const mine = table.pairs.filter((p) => p.listenerId === listener.id);
      expect(mine.map((p) => p.client.port).sort()).toEqual([...side.clientPorts].sort());
      for (const pair of mine) {
        expect(pair).toMatchObject({ bothHere: true, state: 'ESTABLISHED', client: { address: host, pid: process.pid, here: true }, server: { address: host, port: side.port, pid: process.pid, here: true } });
      }
    }
    // No connection appears twice, from its other half.
    const halves = table.pairs.flatMap((p) => [p.client.socketId, p.server.socketId]).filter(Boolean);
    expect(new Set(halves).size).toBe(halves.length);
  });

  it('prints pairs with `portolan sockets --pairs`, and one object per pair with --json', async () => {
    const { port, clientPorts } = await listenerWith('127.0.0.1', 3);
    const run = startCli(ctx.dataDir, ['sockets', '--pairs', '--json']);
    expect(await run.done).toBe(0);
    const pairs = JSON.parse(run.io.out) as SocketPair[];
    // This process's connections only (TIME_WAIT left by another test on a reused port is not ours).
    const mine = pairs.filter((p) => p.server.port === port && p.server.address === '127.0.0.1' && p.server.pid === process.pid);
    expect(mine).toHaveLength(3);
    for (const end of mine.flatMap((p) => [p.client, p.server])) {
      expect(Object.keys(end)).toEqual(expect.arrayContaining(['address', 'port', 'pid', 'process', 'user']));
      expect(end.pid).toBe(process.pid);
    }
    const text = startCli(ctx.dataDir, ['sockets', '--pairs']);
    expect(await text.done).toBe(0);
    // The head counts open pairs; TIME_WAIT rows on a reused port could add to it, so the count is not pinned.
    const head = text.io.out.split('\n').findIndex((l) => new RegExp(` :${port} — \\d+ pairs  \\(tcp 127\\.0\\.0\\.1:${port}, pid ${process.pid}\\)$`).test(l));
    expect(head).toBeGreaterThanOrEqual(0);
    const under = text.io.out.split('\n').slice(head + 1).filter((l) => l.includes(`(${process.pid}) 127.0.0.1:`) && l.includes(`⇄ `) && l.includes(`127.0.0.1:${port}  ESTABLISHED`));
    expect(under.map((l) => Number(/127\.0\.0\.1:(\d+) ⇄/.exec(l)?.[1])).sort()).toEqual([...clientPorts].sort());
    expect(under.every((l) => l.includes(`127.0.0.1:${port}  ESTABLISHED  [both ends here]`))).toBe(true);

    const bad = startCli(ctx.dataDir, ['sockets', '--pairs', '--watch']);
    expect(await bad.done).not.toBe(0);
    expect(bad.io.err).toMatch(/--pairs prints the socket pairs once/);
  });

  it('reports live traffic per connection from the kernel (sockets.traffic), apart from the tick', async () => {
    const accepted: net.Socket[] = [];
    const server = net.createServer((s) => accepted.push(s.on('data', () => {})));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    await new Promise((r) => client.once('connect', r));
    cleanups.push(() => {
      client.destroy();
      accepted.forEach((s) => s.destroy());
      server.close();
    });
    const table = await ctx.app.handlers['sockets.snapshot']({ listeningOnly: false });
    const row = table.rows.find((r) => r.localPort === client.localPort && r.remotePort === client.remotePort)!;
    const samples: SocketTrafficSample[] = [];
    const off = ctx.app.bus.on('sockets.traffic', (s) => samples.push(s));
    await ctx.app.handlers['sockets.configure']({ intervalMs: 250 });
    await ctx.app.handlers['sockets.watch']({ leaseMs: 10000, trafficMs: 10000 });
    client.write(Buffer.alloc(300_000));
    const sent = () => samples.flatMap((s) => s.items).filter((t) => t.id === row.id).at(-1)?.bytesSent ?? 0;
    await expect.poll(sent, { timeout: 10000, interval: 100 }).toBeGreaterThanOrEqual(300_000);
    expect(samples.every((s) => s.available && s.source.startsWith('ss -tin'))).toBe(true);
    off();
  });
});
