import { describe, expect, it } from 'vitest';
import type { Mapping, RouterInfo } from '../../src-main/contract/router.js';
import { Api } from '../../src-renderer/src/lib/api/client.js';
import { applyIntent, checkMapping, decodeRemembered, DEFAULT_FORM, encodeRemembered } from '../../src-renderer/src/lib/router/form.js';
import { formatDuration, keeper, leaseLeft, parseNoRouter, privateAddressNote, routerName, stateText } from '../../src-renderer/src/lib/router/format.js';
import { REMEMBER_FORM, RouterState } from '../../src-renderer/src/lib/state/router.svelte.js';
import { fail, FakeTransport, ok } from './fake-transport.js';

const info = (over: Partial<RouterInfo> = {}): RouterInfo => ({
  gateway: '10.81.0.1',
  localAddress: '10.81.0.2',
  protocols: ['upnp', 'pcp', 'natpmp'],
  preferred: 'upnp',
  externalAddress: '203.0.113.7',
  upnp: { friendlyName: 'test-router', manufacturer: 'miniupnp', modelName: 'miniupnpd', controlUrl: 'http://10.81.0.1:5000/ctl/IPConn', serviceType: 'urn:schemas-upnp-org:service:WANIPConnection:1', location: 'http://10.81.0.1:5000/rootDesc.xml' },
  tried: [
    { protocol: 'upnp', outcome: 'answered' },
    { protocol: 'natpmp', outcome: 'answered: external address 203.0.113.7' },
    { protocol: 'pcp', outcome: 'answered (ANNOUNCE)' },
  ],
  ...over,
});
const mapping = (over: Partial<Mapping> = {}): Mapping => ({
  id: 'tcp:18080', protocol: 'tcp', externalPort: 18080, internalHost: '10.81.0.2', internalPort: 8080, leaseSeconds: 3600,
  description: 'Portolan', via: 'upnp', state: 'active', ownedByPortolan: true, expiresAt: 1_000_000 + 3600_000, ...over,
});
const form = (over: Partial<typeof DEFAULT_FORM> = {}) => ({ ...DEFAULT_FORM, externalPort: '18080', internalPort: '8080', ...over });
const tick = () => new Promise((r) => setTimeout(r, 0));

// The engine's NO_ROUTER sentence, as nat-engine.ts words it.
const NO_ROUTER =
  'No router answered at 192.0.2.1: UPnP IGD: no answer to the SSDP search (M-SEARCH for an InternetGatewayDevice) within 2.5 s: UPnP is off or absent; NAT-PMP: no NAT-PMP answer from 192.0.2.1:5351 within 2.5 s; PCP: no PCP answer from 192.0.2.1:5351 within 2.5 s. Turn UPnP or NAT-PMP on in the router\'s settings, or add the forward on its web page.';

describe('the add-mapping form', () => {
  it('checks as the user types, with the contract sentences', () => {
    const ctx = { router: info(), mappings: [] };
    expect(checkMapping(form({ externalPort: '70000' }), ctx).errors.externalPort).toBe('External port: Ports go from 1 to 65535.');
    expect(checkMapping(form({ internalPort: '0' }), ctx).errors.internalPort).toMatch(/1 to 65535/);
    expect(checkMapping(form({ internalHost: 'nas.local' }), ctx).errors.internalHost).toMatch(/IPv4 address/);
    expect(checkMapping(form({ internalHost: '127.0.0.1' }), ctx).errors.internalHost).toMatch(/cannot reach|loopback/);
    expect(checkMapping(form({ lease: '999999' }), ctx).errors.lease).toMatch(/604800/);
    expect(checkMapping(form({ description: 'x'.repeat(129) }), ctx).errors.description).toMatch(/128/);
    // Empty required fields keep the button off without a message.
    const empty = checkMapping(DEFAULT_FORM, ctx);
    expect(empty.errors).toEqual({});
    expect(empty.missing).toEqual(['externalPort', 'internalPort']);
    expect(empty.spec).toBeNull();
  });

  it('builds the spec: the default internal host is left to the engine, auto sends no protocol', () => {
    const c = checkMapping(form({ description: '  game server ', removeOnQuit: true }), { router: info(), mappings: [] });
    expect(c.spec).toEqual({ externalPort: 18080, internalPort: 8080, protocol: 'tcp', leaseSeconds: 3600, description: 'game server', removeOnQuit: true });
    expect(c.via).toBe('upnp');
    expect(c.exposure).toMatch(/opens 10\.81\.0\.2:8080 \(TCP\) to the whole internet.*203\.0\.113\.7:18080/);
    expect(checkMapping(form({ via: 'pcp', internalHost: '10.81.0.9' }), { router: info(), mappings: [] }).spec).toMatchObject({ via: 'pcp', internalHost: '10.81.0.9' });
  });

  it('knows what each protocol allows: permanent leases, other hosts, protocols the router did not answer', () => {
    const ctx = { router: info(), mappings: [] };
    expect(checkMapping(form({ lease: '0' }), ctx).spec).toMatchObject({ leaseSeconds: 0 });
    expect(checkMapping(form({ lease: '0', via: 'natpmp' }), ctx).errors.lease).toMatch(/lease of 0 asks the router to delete/);
    expect(checkMapping(form({ lease: '0' }), { router: info({ protocols: ['natpmp'], preferred: 'natpmp' }), mappings: [] }).errors.lease).toMatch(/NAT-PMP/);
    expect(checkMapping(form({ via: 'natpmp', internalHost: '10.81.0.9' }), ctx).errors.internalHost).toMatch(/NAT-PMP maps ports only to the machine that asks \(this one, 10\.81\.0\.2\)/);
    expect(checkMapping(form({ via: 'upnp', internalHost: '10.81.0.9' }), ctx).warnings.join(' ')).toMatch(/718/);
    const noPcp = info({ protocols: ['upnp'], tried: [{ protocol: 'upnp', outcome: 'answered' }, { protocol: 'natpmp', outcome: 'x' }, { protocol: 'pcp', outcome: 'no PCP answer from 10.81.0.1:5351 within 2.5 s' }] });
    expect(checkMapping(form({ via: 'pcp' }), { router: noPcp, mappings: [] }).errors.via).toBe(
      'The router did not answer PCP (no PCP answer from 10.81.0.1:5351 within 2.5 s). It answers UPnP IGD; choose one of those, or Auto.',
    );
  });

  it('warns when the external port is already mapped, by Portolan or another program', () => {
    const mine = checkMapping(form(), { router: info(), mappings: [mapping()] });
    expect(mine.warnings.join(' ')).toMatch(/Portolan already maps TCP port 18080 to 10\.81\.0\.2:8080 \("Portolan"\): adding again replaces/);
    expect(mine.spec).not.toBeNull();
    const theirs = checkMapping(form(), { router: info(), mappings: [mapping({ ownedByPortolan: false, internalHost: '10.81.0.5', description: 'Skype' })] });
    expect(theirs.warnings.join(' ')).toMatch(/Another program already maps .* \("Skype"\).*718/);
    const sameHost = checkMapping(form(), { router: info(), mappings: [mapping({ ownedByPortolan: false, internalPort: 9000 })] });
    expect(sameHost.warnings.join(' ')).toMatch(/adding replaces its mapping, and that program loses it/);
    expect(checkMapping(form({ protocol: 'udp' }), { router: info(), mappings: [mapping()] }).warnings).toEqual([]);
  });

  it('takes the prefill of a link, and remembers only the settings that carry over', () => {
    const filled = applyIntent({ ...DEFAULT_FORM, internalHost: '10.81.0.9' }, { internalPort: '5000', proto: 'udp' });
    expect(filled).toMatchObject({ internalPort: '5000', externalPort: '5000', internalHost: '', protocol: 'udp' });
    expect(applyIntent(DEFAULT_FORM, { internalPort: '99999', proto: 'sctp' })).toEqual(DEFAULT_FORM);
    const text = encodeRemembered(form({ lease: '600', via: 'pcp', removeOnQuit: true, protocol: 'udp' }));
    expect(JSON.parse(text)).not.toHaveProperty('externalPort');
    expect(decodeRemembered(text)).toMatchObject({ lease: '600', via: 'pcp', removeOnQuit: true, protocol: 'udp', externalPort: '' });
    expect(decodeRemembered('{"via":"telnet","lease":"-1"}')).toEqual(DEFAULT_FORM);
    expect(decodeRemembered('not json')).toEqual(DEFAULT_FORM);
  });
});

describe('words for the router and its mappings', () => {
  it('splits "no router answered" into what was tried, and keeps other sentences whole', () => {
    expect(parseNoRouter(NO_ROUTER)).toEqual({
      gateway: '192.0.2.1',
      attempts: [
        { protocol: 'UPnP IGD', outcome: 'no answer to the SSDP search (M-SEARCH for an InternetGatewayDevice) within 2.5 s: UPnP is off or absent' },
        { protocol: 'NAT-PMP', outcome: 'no NAT-PMP answer from 192.0.2.1:5351 within 2.5 s' },
        { protocol: 'PCP', outcome: 'no PCP answer from 192.0.2.1:5351 within 2.5 s' },
      ],
      advice: "Turn UPnP or NAT-PMP on in the router's settings, or add the forward on its web page.",
    });
    const noRoute = 'This machine has no default route, so there is no router to ask: connect to a network first.';
    expect(parseNoRouter(noRoute)).toEqual({ attempts: [], advice: noRoute });
  });

  it('words leases, states and who keeps a mapping alive', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(725)).toBe('12 min 5 s');
    expect(formatDuration(3600)).toBe('1 h');
    expect(formatDuration(2 * 86400 + 4 * 3600 + 5)).toBe('2 d 4 h');
    expect(leaseLeft(mapping(), 1_000_000 + 600_000)).toBe('50 min');
    expect(leaseLeft(mapping({ leaseSeconds: 0, expiresAt: undefined }), 0)).toBe('permanent');
    expect(leaseLeft(mapping(), 1_000_000 + 4000_000)).toBe('expired');
    expect(stateText(mapping({ state: 'refused', error: { code: 'upnp:718', message: 'UPnP error 718 ConflictInMappingEntry: ...' } }))).toEqual({ label: 'refused', tone: 'bad', detail: 'UPnP error 718 ConflictInMappingEntry: ...' });
    expect(stateText(mapping({ state: 'unverified' })).label).toBe('not listed');
    expect(keeper(mapping())).toBe('Portolan: renewed at half the lease');
    expect(keeper(mapping({ removeOnQuit: true, leaseSeconds: 0 }))).toBe('Portolan (permanent: no renewal needed); removed when Portolan quits');
    expect(keeper(mapping({ ownedByPortolan: false }))).toMatch(/another program/);
    expect(routerName(info())).toBe('test-router');
    expect(routerName(info({ upnp: undefined }))).toBe('Router at 10.81.0.1');
    expect(privateAddressNote('203.0.113.7')).toBeNull();
    expect(privateAddressNote('100.72.1.9')).toMatch(/carrier-grade NAT/);
    expect(privateAddressNote('192.168.0.10')).toMatch(/behind another NAT/);
  });
});

/** A consent kept in memory, as the settings keep it. */
const consent = (given = false) => ({
  given: () => given,
  give: () => {
    given = true;
  },
});

describe('the router state', () => {
  it('sends nothing to the router until the user asks the first time, then remembers it', async () => {
    const t = new FakeTransport({ 'router.discover': () => ok(info()), 'router.mappings': () => ok([]), 'router.add': () => ok(mapping()) });
    const remembered = consent();
    const s = new RouterState(new Api(t), { consent: remembered });
    const stop = s.start();
    s.ensureLoaded(); // the view is shown
    s.ensureLoaded();
    await tick();
    expect(t.calls).toEqual([]);
    expect(s.allowed).toBe(false);
    // Nor does the add form reach the router before the user asked.
    s.setForm({ externalPort: '18080', internalPort: '8080' });
    expect(await s.add()).toBeNull();
    expect(t.calls).toEqual([]);

    await s.lookForRouter(); // "Look for my router"
    expect(t.callsOf('router.discover')).toHaveLength(1);
    expect(remembered.given()).toBe(true);
    expect(s.info?.gateway).toBe('10.81.0.1');
    stop();

    // Another run with the permission remembered discovers when the view is shown, once.
    const t2 = new FakeTransport({ 'router.discover': () => ok(info()), 'router.mappings': () => ok([]) });
    const again = new RouterState(new Api(t2), { consent: remembered });
    expect(t2.calls).toEqual([]); // not at start
    again.ensureLoaded();
    again.ensureLoaded();
    await tick();
    await tick();
    expect(t2.callsOf('router.discover')).toHaveLength(1);
    expect(t2.callsOf('router.mappings')).toHaveLength(1);
  });

  it('discovers once the view is shown and allowed, then reads the mappings and follows events', async () => {
    const t = new FakeTransport({ 'router.discover': () => ok(info()), 'router.mappings': () => ok([mapping()]) });
    const s = new RouterState(new Api(t), { removedShownMs: 5, consent: consent(true) });
    const stop = s.start();
    await tick();
    expect(t.calls).toEqual([]); // nothing sent to the gateway at start
    s.ensureLoaded();
    s.ensureLoaded();
    await tick();
    await tick();
    expect(t.callsOf('router.discover')).toHaveLength(1);
    expect(s.info?.externalAddress).toBe('203.0.113.7');
    expect(s.mappings.map((m) => m.id)).toEqual(['tcp:18080']);
    t.emit('router.changed', { mappings: [mapping({ state: 'renewing' })] });
    expect(s.mappings[0]!.state).toBe('renewing');
    t.emit('router.changed', { mappings: [mapping({ state: 'removed' })] });
    expect(s.mappings).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(s.mappings).toEqual([]); // a removed mapping is shown a moment, then dropped
    stop();
  });

  it('shows "no router answered" with the engine\'s sentence, and adds nothing then', async () => {
    const t = new FakeTransport({ 'router.discover': () => fail('NO_ROUTER', NO_ROUTER) });
    const s = new RouterState(new Api(t));
    await s.discover();
    expect(s.info).toBeNull();
    expect(s.discoverProblem).toEqual({ code: 'NO_ROUTER', message: NO_ROUTER });
    expect(t.callsOf('router.mappings')).toEqual([]);
  });

  it('adds from the form, shows refusals in the router\'s words, removes, and remembers settings', async () => {
    const remembered: [string, string][] = [];
    let refuse = true;
    const t = new FakeTransport({
      'router.discover': () => ok(info()),
      'router.mappings': () => ok([]),
      'router.add': (spec) =>
        refuse
          ? fail('ROUTER_REFUSED', 'The router refused the UPnP IGD mapping of TCP port 18080. UPnP error 718 ConflictInMappingEntry: choose another external port.')
          : ok(mapping({ externalPort: spec.externalPort, id: `tcp:${spec.externalPort}` })),
      'router.remove': () => ok({ removed: true }),
    });
    const s = new RouterState(new Api(t), { onRemember: (k, v) => remembered.push([k, v]) });
    await s.lookForRouter();
    s.prefill({ internalPort: '8080', proto: 'tcp' });
    s.setForm({ externalPort: '18080', lease: '600' });
    expect(remembered.at(-1)?.[0]).toBe(REMEMBER_FORM);
    expect(await s.add()).toBeNull();
    expect(s.addProblem?.message).toMatch(/718 ConflictInMappingEntry/);
    refuse = false;
    const added = await s.add();
    expect(added?.id).toBe('tcp:18080');
    expect(t.callsOf('router.add').at(-1)).toEqual({ externalPort: 18080, internalPort: 8080, protocol: 'tcp', leaseSeconds: 600, description: 'Portolan', removeOnQuit: false });
    expect(s.mappings.map((m) => m.id)).toEqual(['tcp:18080']);
    expect(s.form).toMatchObject({ externalPort: '', internalPort: '', lease: '600' });
    await s.remove(added!);
    expect(t.callsOf('router.remove')).toEqual([{ protocol: 'tcp', externalPort: 18080 }]);
    expect(s.mappings[0]!.state).toBe('removed');

    const again = new RouterState(new Api(t));
    again.restore((key) => (key === REMEMBER_FORM ? remembered.at(-1)![1] : ''));
    expect(again.form.lease).toBe('600');
  });
});
