/** The router engine against a fake router on 127.0.0.1: discovery, add/read-back, refusals, renewal, reboot, quit. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RouterChanged } from '../../../../src-main/contract/index.js';
import { epochWentBack, NatEngine } from '../../../../src-main/engine/nat/nat-engine.js';
import { startFakeRouter, type FakeRouter } from './fake-router.js';

let fake: FakeRouter;
let engine: NatEngine;
let changes: RouterChanged[];
const make = (extra: Partial<ConstructorParameters<typeof NatEngine>[0]> = {}) =>
  new NatEngine({ ...fake.options, onChange: (c) => changes.push(c), ...extra });

beforeEach(async () => {
  fake = await startFakeRouter();
  changes = [];
  engine = make();
});
afterEach(async () => {
  await engine.close();
  await fake.close();
});

const spec = (over: Record<string, unknown> = {}) => ({ externalPort: 18080, internalPort: 8080, protocol: 'tcp' as const, leaseSeconds: 3600, description: 'test', removeOnQuit: false, ...over });

describe('NatEngine', () => {
  it('discovers the router with all three protocols', async () => {
    const info = await engine.discover();
    expect(info).toMatchObject({ gateway: '127.0.0.1', localAddress: '127.0.0.1', protocols: ['upnp', 'pcp', 'natpmp'], preferred: 'upnp', externalAddress: '203.0.113.7' });
    expect(info.upnp).toMatchObject({ friendlyName: 'portolan-test-router', serviceType: 'urn:schemas-upnp-org:service:WANIPConnection:2' });
    expect(info.tried.map((t) => t.protocol)).toEqual(['upnp', 'natpmp', 'pcp']);
    expect(changes.at(-1)?.router?.gateway).toBe('127.0.0.1');
  });

  it('says NO_ROUTER with what was tried when nothing answers', async () => {
    Object.assign(fake.behaviour, { upnp: false, natpmp: false, pcp: false });
    await expect(engine.discover()).rejects.toMatchObject({ code: 'NO_ROUTER', message: expect.stringMatching(/No router answered at 127\.0\.0\.1: UPnP IGD: no answer to the SSDP search.*NAT-PMP: no NAT-PMP answer.*PCP: no PCP answer/) });
  });

  it('tells a NAT-PMP-only router from a PCP one', async () => {
    Object.assign(fake.behaviour, { upnp: false, pcp: false });
    const info = await engine.discover();
    expect(info.protocols).toEqual(['natpmp']);
    expect(info.tried.find((t) => t.protocol === 'pcp')?.outcome).toContain('unsupported version');
  });

  it.each(['upnp', 'natpmp', 'pcp'] as const)('adds with %s, lists, and removes', async (via) => {
    const m = await engine.add(spec({ via }));
    expect(m).toMatchObject({ id: 'tcp:18080', via, state: 'active', internalHost: '127.0.0.1', ownedByPortolan: true, leaseSeconds: 3600 });
    expect(m.expiresAt).toBeGreaterThan(Date.now());
    expect(fake.mappings.get('tcp:18080')).toMatchObject({ internalPort: 8080 });
    const list = await engine.list();
    expect(list.find((x) => x.id === 'tcp:18080')).toMatchObject({ via, ownedByPortolan: true });
    await engine.remove({ protocol: 'tcp', externalPort: 18080 });
    expect(fake.mappings.size).toBe(0);
    expect(changes.some((c) => c.mappings.some((x) => x.id === 'tcp:18080' && x.state === 'removed'))).toBe(true);
    expect(engine.snapshot().find((x) => x.id === 'tcp:18080')).toBeUndefined();
  });

  it("lists other programs' UPnP mappings and removes one", async () => {
    fake.mappings.set('udp:3074', { protocol: 'udp', externalPort: 3074, internalClient: '127.0.0.1', internalPort: 3074, description: 'Game console', lease: 0 });
    const list = await engine.list();
    expect(list).toEqual([expect.objectContaining({ id: 'udp:3074', ownedByPortolan: false, via: 'upnp', state: 'active', leaseSeconds: 0, description: 'Game console' })]);
    await engine.remove({ protocol: 'udp', externalPort: 3074 });
    expect(fake.mappings.size).toBe(0);
    await expect(engine.remove({ protocol: 'udp', externalPort: 3074 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it("refuses with the router's reason (UPnP 718 for another host; PCP THIRD_PARTY; NAT-PMP only maps to itself)", async () => {
    await expect(engine.add(spec({ internalHost: '10.0.0.99', via: 'upnp' }))).rejects.toMatchObject({ code: 'ROUTER_REFUSED', message: expect.stringContaining('718 ConflictInMappingEntry') });
    await expect(engine.add(spec({ internalHost: '10.0.0.99', via: 'pcp' }))).rejects.toMatchObject({ code: 'ROUTER_REFUSED', message: expect.stringContaining('THIRD_PARTY') });
    await expect(engine.add(spec({ internalHost: '10.0.0.99', via: 'natpmp' }))).rejects.toMatchObject({ code: 'ROUTER_REFUSED', message: expect.stringContaining('only to the machine that asks') });
    fake.behaviour.natpmpResult = 2;
    await expect(engine.add(spec({ via: 'natpmp' }))).rejects.toMatchObject({ message: expect.stringContaining('NAT-PMP result 2 (Not Authorized/Refused)') });
    fake.behaviour.pcpResult = 8;
    await expect(engine.add(spec({ via: 'pcp' }))).rejects.toMatchObject({ message: expect.stringContaining('NO_RESOURCES') });
    expect(engine.snapshot()).toEqual([]);
  });

  it('retries with a permanent lease on UPnP 725 and says so', async () => {
    fake.behaviour.onlyPermanent = true;
    const m = await engine.add(spec());
    expect(m).toMatchObject({ state: 'active', leaseSeconds: 0, note: expect.stringContaining('only accepts permanent') });
    expect(m.expiresAt).toBeUndefined();
    expect(fake.seen.AddPortMapping).toBe(2);
  });

  it('marks a mapping the router accepted but does not list as unverified', async () => {
    fake.behaviour.forget = true;
    const m = await engine.add(spec());
    expect(m).toMatchObject({ state: 'unverified', error: { code: 'not-listed', message: expect.stringContaining('accepted the mapping but does not list it') } });
  });

  it('renews at half the lease', async () => {
    fake.behaviour.grant = 2;
    await engine.add(spec({ via: 'pcp', leaseSeconds: 2 }));
    const before = fake.seen['pcp-map'];
    await new Promise((r) => setTimeout(r, 1400));
    expect(fake.seen['pcp-map']).toBe(before! + 1);
    expect(changes.some((c) => c.mappings.some((m) => m.state === 'renewing'))).toBe(true);
    expect(engine.snapshot()[0]).toMatchObject({ state: 'active', leaseSeconds: 2 });
  });

  it('marks a renewal the router refuses as refused, with the reason', async () => {
    await engine.add(spec({ via: 'natpmp' }));
    fake.behaviour.natpmpResult = 4;
    const [m] = await engine.renewAll();
    expect(m).toMatchObject({ state: 'refused', error: { code: 'natpmp:4', message: expect.stringContaining('Out of resources') } });
  });

  it('re-applies mappings after a router reboot (epoch backwards) or a lost UPnP mapping', async () => {
    await engine.add(spec({ via: 'natpmp' }));
    await engine.add(spec({ via: 'upnp', externalPort: 18081 }));
    fake.reboot();
    expect(fake.mappings.size).toBe(0);
    await engine.check();
    expect([...fake.mappings.keys()].sort()).toEqual(['tcp:18080', 'tcp:18081']);
  });

  it('re-applies when the external address changes, and reports the new one', async () => {
    await engine.add(spec({ via: 'pcp' }));
    const maps = fake.seen['pcp-map']!;
    fake.behaviour.externalAddress = '198.51.100.9';
    await engine.check();
    expect(fake.seen['pcp-map']).toBe(maps + 1);
    expect(changes.at(-1)?.router?.externalAddress).toBe('198.51.100.9');
  });

  it('removes mappings marked removeOnQuit on close, and only those', async () => {
    await engine.add(spec({ removeOnQuit: true }));
    await engine.add(spec({ externalPort: 18081, via: 'pcp' }));
    await engine.close();
    expect([...fake.mappings.keys()]).toEqual(['tcp:18081']);
  });

  it('knows mappings a previous run made (adopt) and removes a PCP one with its nonce', async () => {
    await engine.add(spec({ via: 'pcp' }));
    const records = engine.ownedMappings();
    expect(records[0]?.nonce).toMatch(/^[0-9a-f]{24}$/);
    const next = make({ keepAlive: false });
    next.adopt(records);
    expect((await next.list()).find((m) => m.id === 'tcp:18080')).toMatchObject({ ownedByPortolan: true, via: 'pcp' });
    await next.remove({ protocol: 'tcp', externalPort: 18080 });
    expect(fake.mappings.size).toBe(0);
    await next.close();
  });
});

describe('epochWentBack', () => {
  it('follows RFC 6886 3.6 (7/8 of the elapsed time, 2 s slack)', () => {
    expect(epochWentBack({ epoch: 1000, at: 0 }, 1010, 10_000)).toBe(false);
    expect(epochWentBack({ epoch: 1000, at: 0 }, 1007, 10_000)).toBe(false);
    expect(epochWentBack({ epoch: 1000, at: 0 }, 5, 10_000)).toBe(true);
    expect(epochWentBack({ epoch: 1000, at: 0 }, 1000, 100_000)).toBe(true);
  });
});
