/** The attack-surface baseline through the service: saved in its file, diffed on every list, one alert per new exposure. */
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ExposureService } from '../../../src-main/app/exposure-service.js';
import type { SocketRow, SurfaceDiff } from '../../../src-main/contract/index.js';
import type { FirewallReading } from '../../../src-main/engine/exposure/linux-firewall.js';
import { parseIptablesSave } from '../../../src-main/engine/exposure/iptables-save.js';

const row = (localPort: number, process: string, localAddress = '0.0.0.0'): SocketRow => ({
  id: `tcp:${localAddress}:${localPort}`,
  proto: 'tcp',
  localAddress,
  localPort,
  remoteAddress: '0.0.0.0',
  remotePort: 0,
  state: 'LISTEN',
  rxQueue: 0,
  txQueue: 0,
  pid: 10,
  process,
});
// A firewall that lets everyone in to 22 and 8080, and drops the rest.
const firewall: FirewallReading = {
  ok: true,
  notes: [],
  ruleset: parseIptablesSave('*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT\nCOMMIT\n', 4, 'iptables-save'),
};

let dir: string;
let rows: SocketRow[];
let alerts: SurfaceDiff[];
const service = () =>
  new ExposureService({
    listening: async () => rows,
    mappings: async () => [],
    knownMappings: () => [],
    readFirewall: async () => firewall,
    interfaces: () => [
      { name: 'lo', address: '127.0.0.1', family: 4, prefix: 8, internal: true },
      { name: 'eth0', address: '192.168.1.10', family: 4, prefix: 24, internal: false },
    ],
    baselineFile: path.join(dir, 'exposure-baseline.json'),
    onAlert: (d) => alerts.push(d),
  });
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'portolan-baseline-'));
  rows = [row(22, 'sshd'), row(5432, 'postgres'), row(631, 'cupsd', '127.0.0.1')];
  alerts = [];
});

describe('exposure baseline', () => {
  it('lists no changes without a baseline; set saves what the network reaches, atomically in its file', async () => {
    const s = service();
    expect((await s.handlers['exposure.list']({ router: false })).baseline).toBeUndefined();
    const set = await s.handlers['exposure.baseline.set']({ router: false });
    expect(set.items).toBe(1); // sshd; postgres is dropped by the firewall, cupsd is on loopback
    const saved = JSON.parse(readFileSync(path.join(dir, 'exposure-baseline.json'), 'utf8'));
    expect(saved.baseline.items).toEqual([{ protocol: 'tcp', address: '0.0.0.0', port: 22, process: 'sshd', reachableFrom: 'lan' }]);
    expect((await s.handlers['exposure.list']({ router: false })).baseline).toEqual({ baselineAt: set.at, changes: [], alert: false });
  });

  it('a new exposed port shows as a change, alerts once, and a fresh start reads the baseline from its file', async () => {
    await service().handlers['exposure.baseline.set']({ router: false });
    rows.push(row(8080, 'node'));
    const s = service();
    const first = await s.handlers['exposure.list']({ router: false });
    expect(first.baseline?.alert).toBe(true);
    expect(first.baseline?.changes.map((c) => c.text)).toEqual(['New: tcp 0.0.0.0:8080 (node) is reachable from this network.']);
    expect(alerts).toHaveLength(1);
    await s.handlers['exposure.list']({ router: false });
    expect(alerts).toHaveLength(1); // the same new port is told once
    rows = rows.filter((r) => r.localPort !== 22);
    const second = await s.handlers['exposure.list']({ router: false });
    expect(second.baseline?.changes.map((c) => c.kind)).toEqual(['new', 'closed']);
    expect(alerts).toHaveLength(1); // a closed port is no alert
  });

  it('clear forgets the baseline (and says whether there was one)', async () => {
    const s = service();
    expect(await s.handlers['exposure.baseline.clear']({})).toEqual({ removed: false });
    await s.handlers['exposure.baseline.set']({ router: false });
    expect(await s.handlers['exposure.baseline.clear']({})).toEqual({ removed: true });
    expect((await service().handlers['exposure.list']({ router: false })).baseline).toBeUndefined();
  });

  it('a new listener in the live table is judged without the view: one alert, nothing without a baseline', async () => {
    const s = service();
    s.socketsAdded([row(8080, 'node')], 0);
    await new Promise((r) => setTimeout(r, 20));
    await s.loadBaseline();
    expect(alerts).toEqual([]); // no baseline: nothing is "new"
    await s.handlers['exposure.baseline.set']({ router: false });
    rows.push(row(8080, 'node'));
    s.socketsAdded([row(8080, 'node')], 0);
    await vi.waitFor(() => expect(alerts).toHaveLength(1), { timeout: 15_000, interval: 10 });
    expect(alerts[0]!.changes.map((c) => c.text)).toEqual(['New: tcp 0.0.0.0:8080 (node) is reachable from this network.']);
    s.close();
  });
});
