/**
 * The random probe order (port-strategy.ts) on loopback: through the contract (portOrder) and with
 * the scan shared between threads, every port is probed once (the counts add up to the total)
 * and the open ones are found, as with the sequential order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../../helpers/app.js';
import { httpPeer, scanToEnd, type Peer } from './helpers.js';

let ctx: Awaited<ReturnType<typeof testApp>>;
const peers: Peer[] = [];
beforeAll(async () => {
  ctx = await testApp();
  peers.push(await httpPeer(), await httpPeer());
});
afterAll(async () => {
  for (const p of peers) await p.close();
  await ctx.dispose();
});

describe('random probe order', () => {
  it('finds the same open ports as the sequential order, each port counted once (contract: portOrder)', async () => {
    const ports = [...Array.from({ length: 300 }, (_, i) => i + 20000), ...peers.map((p) => p.port)].join(',');
    const spec = { targets: '127.0.0.1', ports, timing: 5 };
    const sequential = await scanToEnd(ctx.app, spec);
    const random = await scanToEnd(ctx.app, { ...spec, portOrder: 'random' });
    const open = (r: typeof random) => r.results.filter((x) => x.state === 'open').map((x) => x.port).sort((a, b) => a - b);
    // Other programs on this machine may open ports meanwhile: the peers are what both must find.
    for (const p of peers) {
      expect(open(random)).toContain(p.port);
      expect(open(sequential)).toContain(p.port);
    }
    const counts = random.counts[0]!.counts;
    expect(counts.open + counts.closed + counts.filtered + counts['open|filtered'] + counts.error).toBe(302);
    expect(random.info.done).toBe(302);
  });

  it('shares a random order between threads: every probe once across the shards', async () => {
    const { PortScan } = await import('../../../src-main/engine/scanner/port-scan.js');
    const hosts = ['127.0.0.1', '127.0.0.2'].map((a) => ({ target: a, address: a, addresses: [a] }));
    const ports = [...Array.from({ length: 3000 }, (_, i) => i + 30000), ...peers.map((p) => p.port)];
    const seen = new Map<string, number>();
    const scan = new PortScan({ hosts, ports, protocol: 'tcp', timing: 5, workers: 2, order: 'random', onResult: (r) => seen.set(`${r.host} ${r.port}`, (seen.get(`${r.host} ${r.port}`) ?? 0) + 1) });
    expect(scan.threads).toBe(2);
    await scan.run();
    expect(scan.state).toBe('done');
    expect(scan.done).toBe(hosts.length * ports.length);
    const counts = scan.listCounts();
    const sum = counts.reduce((n, c) => n + Object.values(c.counts).reduce((a, b) => a + b, 0), 0);
    expect(sum).toBe(hosts.length * ports.length);
    for (const p of peers) expect(seen.get(`127.0.0.1 ${p.port}`)).toBe(1);
  }, 60000);
});
