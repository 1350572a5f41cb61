/**
 * Router port mappings against miniupnpd (UPnP IGD, NAT-PMP, PCP) as a NAT router, in network
 * namespaces this test creates (see router-net.ts; the 10.81/10.82 addresses live only inside
 * those namespaces). Portolan runs inside the lan namespace as a child process
 * (`ip netns exec <lan> node --import tsx ...`), so this process and this machine's own gateway
 * are never involved; a client in the wan namespace proves each mapping works.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingPrerequisite, waitFor } from './helpers.js';
import { NETNS_ADDR, routerNetUp, type RouterNet } from './router-net.js';

const skipReason = missingPrerequisite(['ip', 'nft', 'miniupnpd', 'socat', 'upnpc']);
if (skipReason) console.warn(`[interop] skipped router: ${skipReason}`);

const ROOT = path.resolve(import.meta.dirname, '..', '..');
let net: RouterNet;
let dataDir: string;

type Result = { ok: true; value: any } | { ok: false; error: { code: string; message: string } };

/** Runs router calls with Portolan's router service inside the lan namespace (netns). */
function client(...steps: Array<{ call: string; input?: unknown }>): Result[] {
  const r = spawnSync('ip', ['netns', 'exec', net.lan, process.execPath, '--import', 'tsx', 'tests/interop/router-client.ts', dataDir, JSON.stringify(steps)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30000,
  });
  if (r.status !== 0) throw new Error(`router-client failed: ${r.stderr}`);
  return JSON.parse(r.stdout).results;
}

/** The portolan CLI inside the lan namespace (netns). */
function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync('ip', ['netns', 'exec', net.lan, process.execPath, '--import', 'tsx', 'src-main/cli/main.ts', 'router', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30000,
    env: { ...process.env, PORTOLAN_DATA_DIR: dataDir },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** What a client in the wan namespace (netns) reads from the router's external port. */
function fromWan(port: number): string {
  const r = spawnSync('ip', ['netns', 'exec', net.wan, 'socat', '-T2', '-', `TCP:${NETNS_ADDR.rtrWan}:${port},connect-timeout=2`], { input: '', encoding: 'utf8', timeout: 10000 });
  return r.status === 0 ? r.stdout.trim() : `(failed: ${r.stderr.trim().split('\n').pop()})`;
}

const dnatRules = () => net.exec(net.rtr, ['nft', 'list', 'chain', 'inet', 'filter', 'prerouting_miniupnpd']).split('\n').filter((l) => l.includes('dnat')).length;

describe.skipIf(!!skipReason)('router mappings against miniupnpd (in network namespaces)', () => {
  beforeAll(async () => {
    net = await routerNetUp();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'portolan-router-data-'));
    // One service per protocol on the LAN host (netns): NAT-PMP deletes by internal port, so they must differ.
    for (const port of [8080, 8081, 8082, 8083]) {
      net.start(net.lan, ['socat', `TCP-LISTEN:${port},bind=${NETNS_ADDR.lan},reuseaddr,fork`, `SYSTEM:echo hello-from-${port}`]);
    }
    await waitFor(() => net.exec(net.lan, ['ss', '-Hltn']).split('\n').filter((l) => /:808[0-3]\b/.test(l)).length === 4);
  });
  afterAll(() => {
    net?.down();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds the router, the protocols it answers and its external address', () => {
    const [info] = client({ call: 'router.discover' });
    expect(info, JSON.stringify(info)).toMatchObject({
      ok: true,
      value: {
        gateway: NETNS_ADDR.rtrLan,
        localAddress: NETNS_ADDR.lan,
        protocols: ['upnp', 'pcp', 'natpmp'],
        preferred: 'upnp',
        externalAddress: NETNS_ADDR.rtrWan,
        upnp: { friendlyName: 'portolan-test-router', controlUrl: `http://${NETNS_ADDR.rtrLan}:5000/ctl/IPConn` },
      },
    });
    const shown = cli('info');
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toContain(`External address: ${NETNS_ADDR.rtrWan}`);
    expect(shown.out).toContain('Speaks: UPnP IGD, PCP, NAT-PMP');
  });

  it.each([
    ['upnp', 18080, 8080],
    ['natpmp', 18081, 8081],
    ['pcp', 18082, 8082],
  ] as const)('maps a TCP port with %s: reachable from the WAN, listed, renewed and removed', (via, externalPort, internalPort) => {
    const [added, listed] = client({ call: 'router.add', input: { externalPort, internalPort, via, leaseSeconds: 600, description: `portolan-${via}` } }, { call: 'router.mappings' });
    expect(added, JSON.stringify(added)).toMatchObject({ ok: true, value: { id: `tcp:${externalPort}`, state: 'active', via, internalHost: NETNS_ADDR.lan, ownedByPortolan: true } });
    expect(fromWan(externalPort)).toBe(`hello-from-${internalPort}`);
    expect(listed!.ok && listed!.value.find((m: any) => m.id === `tcp:${externalPort}`)).toMatchObject({ ownedByPortolan: true, via, internalPort });

    // A later run (another process) knows the mapping is Portolan's and renews it with the same protocol (PCP: the same nonce).
    const expiresAt = (added as any).value.expiresAt as number;
    const [renewed] = client({ call: 'renew' });
    const mapping = renewed!.ok && renewed!.value.find((m: any) => m.id === `tcp:${externalPort}`);
    expect(mapping, JSON.stringify(renewed)).toMatchObject({ state: 'active', via, ownedByPortolan: true });
    expect(mapping.expiresAt).toBeGreaterThanOrEqual(expiresAt);
    expect(fromWan(externalPort)).toBe(`hello-from-${internalPort}`);

    const [removed, after] = client({ call: 'router.remove', input: { protocol: 'tcp', externalPort } }, { call: 'router.mappings' });
    expect(removed).toEqual({ ok: true, value: { removed: true } });
    expect(after!.ok && after!.value.some((m: any) => m.id === `tcp:${externalPort}`)).toBe(false);
    expect(fromWan(externalPort)).toMatch(/^\(failed/);
  });

  it("refuses a mapping for another LAN address with the router's reason (secure_mode)", () => {
    const other = NETNS_ADDR.lan.replace(/\d+$/, '99');
    const [upnp, pcp, natpmp] = client(
      { call: 'router.add', input: { externalPort: 18090, internalHost: other, internalPort: 8080, via: 'upnp' } },
      { call: 'router.add', input: { externalPort: 18091, internalHost: other, internalPort: 8080, via: 'pcp' } },
      { call: 'router.add', input: { externalPort: 18092, internalHost: other, internalPort: 8080, via: 'natpmp' } },
    );
    expect(upnp).toMatchObject({ ok: false, error: { code: 'ROUTER_REFUSED', message: expect.stringContaining('UPnP error 718 ConflictInMappingEntry') } });
    expect(pcp).toMatchObject({ ok: false, error: { code: 'ROUTER_REFUSED', message: expect.stringMatching(/PCP UNSUPP_OPTION \(5\).*THIRD_PARTY/) } });
    expect(natpmp).toMatchObject({ ok: false, error: { code: 'ROUTER_REFUSED', message: expect.stringContaining('NAT-PMP maps ports only to the machine that asks') } });
    expect(dnatRules()).toBe(0);
  });

  it("lists another program's mapping (upnpc) as not Portolan's, and the CLI adds, lists and removes", () => {
    // -i: miniupnpc treats an IGD with a private external address as not connected without it
    net.exec(net.lan, ['upnpc', '-i', '-u', `http://${NETNS_ADDR.rtrLan}:5000/rootDesc.xml`, '-e', 'made-by-upnpc', '-a', NETNS_ADDR.lan, '8083', '18093', 'TCP']);
    const added = cli('add', '18083', ':8083', '--tcp', '--lease', '900', '--description', 'cli-test');
    expect(added.code, added.err).toBe(0);
    expect(added.err).toContain('Warning: this opens this machine:8083 to the internet');
    expect(fromWan(18083)).toBe('hello-from-8083');
    const list = JSON.parse(cli('list', '--json').out) as any[];
    expect(list.find((m) => m.id === 'tcp:18093')).toMatchObject({ ownedByPortolan: false, description: 'made-by-upnpc', internalHost: NETNS_ADDR.lan });
    expect(list.find((m) => m.id === 'tcp:18083')).toMatchObject({ ownedByPortolan: true, description: 'cli-test', via: 'upnp' });
    const table = cli('list').out;
    expect(table).toMatch(/TCP\s+18083\s+-> 10\.81\.0\.2:8083\s+active\s+UPnP IGD\s+portolan/);
    expect(cli('remove', '18083', '--tcp').out).toContain('Removed the TCP mapping of external port 18083.');
    expect(cli('remove', '18093').code).toBe(0);
    const gone = cli('remove', '18093');
    expect(gone.code).toBe(1);
    expect(gone.err).toContain('The router has no TCP mapping on external port 18093');
    expect(dnatRules()).toBe(0);
  });
});
