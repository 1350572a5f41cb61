/** Each protocol's Mapper on its own, against the fake router on 127.0.0.1: probe, map, unmap. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RouterRefusal } from '../../../../src-main/engine/nat/explain.js';
import { IgdMapper } from '../../../../src-main/engine/nat/igd-mapper.js';
import type { Mapper, MapperContext, MapRequest } from '../../../../src-main/engine/nat/mapper.js';
import { NatPmpMapper } from '../../../../src-main/engine/nat/natpmp-mapper.js';
import { PcpMapper } from '../../../../src-main/engine/nat/pcp-mapper.js';
import { startFakeRouter, type FakeRouter } from './fake-router.js';

let fake: FakeRouter;
let ctx: MapperContext;
beforeEach(async () => {
  fake = await startFakeRouter();
  ctx = { gateway: '127.0.0.1', localAddress: '127.0.0.1', natPmpPort: fake.options.natPmpPort!, timeoutMs: 700 };
});
afterEach(() => fake.close());

const makers: Record<string, () => Mapper> = {
  upnp: () => new IgdMapper(ctx, { ssdpPort: fake.options.ssdpPort, multicast: false }),
  natpmp: () => new NatPmpMapper(ctx),
  pcp: () => new PcpMapper(ctx),
};
const request = (over: Partial<MapRequest> = {}): MapRequest => ({
  protocol: 'tcp', externalPort: 18081, internalHost: '127.0.0.1', internalPort: 8081, leaseSeconds: 600, grantedLease: 600, description: 'mapper test', removeOnQuit: false, ...over,
});

describe('the Mapper role, one class per protocol', () => {
  it.each(Object.keys(makers))('%s: probes, maps with its lease, and unmaps', async (name) => {
    const mapper = makers[name]!();
    expect(mapper.protocol).toBe(name);
    const probe = await mapper.probe();
    expect(probe.answered).toBe(true);
    const grant = await mapper.map(request());
    expect(grant).toMatchObject({ externalPort: 18081, lease: 600, state: 'active' });
    expect(fake.mappings.get('tcp:18081')).toMatchObject({ internalPort: 8081 });
    await mapper.unmap({ protocol: 'tcp', externalPort: 18081, internalPort: 8081, ...(grant.nonce ? { nonce: grant.nonce } : {}) });
    expect(fake.mappings.has('tcp:18081')).toBe(false);
  });

  it.each(Object.keys(makers))('%s: silence is an outcome of the probe, not an exception', async (name) => {
    Object.assign(fake.behaviour, { upnp: false, natpmp: false, pcp: false });
    const probe = await makers[name]!().probe();
    expect(probe).toMatchObject({ answered: false, outcome: expect.stringMatching(/no .*answer/) });
  });

  it('NAT-PMP and PCP report the epoch; PCP makes a nonce once and the caller keeps it', async () => {
    const natpmp = await makers.natpmp!().probe();
    expect(natpmp).toMatchObject({ answered: true, externalAddress: '203.0.113.7', epoch: expect.any(Number) });
    const pcp = makers.pcp!();
    const first = await pcp.map(request());
    expect(first.nonce).toMatch(/^[0-9a-f]{24}$/);
    const renewed = await pcp.map(request({ nonce: first.nonce }));
    expect(renewed.nonce).toBeUndefined(); // nothing new to keep
    expect(renewed.epoch).toEqual(expect.any(Number));
  });

  it('a refusal is a RouterRefusal in the router\'s words; UPnP without a device found is silent', async () => {
    fake.behaviour.natpmpResult = 2;
    await expect(makers.natpmp!().map(request())).rejects.toBeInstanceOf(RouterRefusal);
    await expect(makers.upnp!().map(request())).rejects.toThrow(/no longer answers UPnP/);
  });
});
