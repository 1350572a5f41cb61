import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ForwardInfo } from '../../src-main/contract/forwards.js';
import { Api } from '../../src-renderer/src/lib/api/client.js';
import { DEFAULT_FORM, type ForwardForm } from '../../src-renderer/src/lib/forwards/form.js';
import { routerExposure, socketRouterExposure } from '../../src-renderer/src/lib/forwards/format.js';
import { addressList, HostResolver, hostsToResolve, resolveNote, type Resolutions } from '../../src-renderer/src/lib/forwards/resolve.js';
import { ForwardsState } from '../../src-renderer/src/lib/state/forwards.svelte.js';
import { deferred, fail, FakeTransport, ok } from './fake-transport.js';
import { forward } from './forward-info.js';

const form = (over: Partial<ForwardForm> = {}): ForwardForm => ({ ...DEFAULT_FORM, targetHost: 'db.internal', targetPort: '5432', ...over });
const ssh = (kind: ForwardForm['kind'], over: Partial<ForwardForm> = {}) => form({ kind, sshHost: 'bastion.example', sshUser: 'me', ...over });
const NOT_FOUND = "db.internal does not resolve here (ENOTFOUND): check the name, or this machine's DNS.";

describe('which names the forward form looks up', () => {
  it('looks up names, never IP addresses nor invalid text', () => {
    expect(hostsToResolve(form())).toEqual({ targetHost: 'db.internal' });
    expect(hostsToResolve(form({ targetHost: '192.0.2.4' }))).toEqual({});
    expect(hostsToResolve(form({ targetHost: '[2001:db8::4]' }))).toEqual({});
    expect(hostsToResolve(form({ targetHost: 'bad host' }))).toEqual({});
    expect(hostsToResolve(form({ targetHost: '' }))).toEqual({});
    expect(hostsToResolve(form({ kind: 'udp' }))).toEqual({ targetHost: 'db.internal' });
  });

  it('leaves SSH -L targets to the server, and looks up the SSH server of every tunnel', () => {
    expect(hostsToResolve(ssh('ssh-local'))).toEqual({ sshHost: 'bastion.example' });
    // A ~/.ssh/config alias is no DNS name: the engine connects to its HostName.
    expect(hostsToResolve(ssh('ssh-local', { sshHost: 'lab' }), new Set(['lab']))).toEqual({});
    expect(hostsToResolve(ssh('ssh-remote'))).toEqual({ targetHost: 'db.internal', sshHost: 'bastion.example' });
    expect(hostsToResolve(ssh('ssh-dynamic'))).toEqual({ sshHost: 'bastion.example' });
    expect(hostsToResolve(ssh('ssh-dynamic', { sshHost: '10.0.0.1' }))).toEqual({});
  });
});

describe('the line under a host field', () => {
  it('lists the addresses a name resolves to', () => {
    expect(resolveNote(form(), 'targetHost', { host: 'db.internal', status: 'resolved', addresses: ['192.0.2.4', '2001:db8::4'] })).toEqual({
      tone: 'ok',
      text: 'db.internal resolves to 192.0.2.4, 2001:db8::4',
    });
    expect(addressList(['a', 'b', 'c', 'd', 'e', 'f'])).toBe('a, b, c, d and 2 more');
  });

  it('warns (never blocks) when a name does not resolve, saying what saving anyway does', () => {
    const unresolved = { host: 'db.internal', status: 'unresolved', code: 'ENOTFOUND', message: NOT_FOUND } as const;
    const tcp = resolveNote(form(), 'targetHost', unresolved);
    expect(tcp?.tone).toBe('warn');
    expect(tcp?.text).toBe(`${NOT_FOUND} You can still save: the forward listens, and each connection that cannot reach the target counts as a target error.`);
    expect(resolveNote(form({ kind: 'udp' }), 'targetHost', unresolved)?.text).toMatch(/each datagram flow that cannot reach the target/);
    expect(resolveNote(ssh('ssh-remote'), 'targetHost', unresolved)?.text).toMatch(/connection the server sends back counts as a target error/);
    const server = { ...unresolved, host: 'bastion.example', message: 'bastion.example does not resolve here (ENOTFOUND): …' };
    expect(resolveNote(ssh('ssh-local'), 'sshHost', server)?.text).toMatch(/the tunnel keeps retrying until the name resolves\.$/);
  });

  it('says an SSH -L target is resolved by the SSH server, not here', () => {
    expect(resolveNote(ssh('ssh-local'), 'targetHost', undefined)).toEqual({ tone: 'muted', text: 'db.internal is resolved by the SSH server, not checked here.' });
    expect(resolveNote(ssh('ssh-local', { targetHost: '127.0.0.1' }), 'targetHost', undefined)).toBeUndefined();
  });

  it('shows nothing for IP addresses, while typing, or for an answer about older text', () => {
    expect(resolveNote(form({ targetHost: '192.0.2.4' }), 'targetHost', { host: '192.0.2.4', status: 'resolved', addresses: ['192.0.2.4'] })).toBeUndefined();
    expect(resolveNote(form(), 'targetHost', { host: 'db.internal', status: 'waiting' })).toBeUndefined();
    expect(resolveNote(form(), 'targetHost', { host: 'db.intern', status: 'resolved', addresses: ['192.0.2.4'] })).toBeUndefined();
    expect(resolveNote(form(), 'targetHost', { host: 'db.internal', status: 'looking' })).toEqual({ tone: 'muted', text: 'Looking up db.internal…' });
  });
});

describe('HostResolver', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('never asks while the user types, however long the pause; asks when told (the field was left), for the last text only', async () => {
    const asked: string[] = [];
    const updates: Resolutions[] = [];
    const resolver = new HostResolver(
      async (host) => (asked.push(host), ['192.0.2.4']),
      (r) => updates.push(r),
    );
    for (const text of ['d', 'db', 'db.', 'db.internal']) {
      resolver.request({ targetHost: text });
      await vi.advanceTimersByTimeAsync(5000);
    }
    expect(asked).toEqual([]);
    expect(resolver.resolutions).toEqual({ targetHost: { host: 'db.internal', status: 'waiting' } });
    await resolver.lookupNow('sshHost');
    expect(asked).toEqual([]);
    await resolver.lookupNow('targetHost');
    expect(asked).toEqual(['db.internal']);
    expect(resolver.resolutions).toEqual({ targetHost: { host: 'db.internal', status: 'resolved', addresses: ['192.0.2.4'] } });
    expect(updates.at(-1)).toBe(resolver.resolutions);
    // The same text again (another field changed): nothing new is asked.
    resolver.request({ targetHost: 'db.internal' });
    await resolver.lookupNow();
    expect(asked).toEqual(['db.internal']);
  });

  it('drops an answer about text the user has changed since, and reuses answers from the cache', async () => {
    const answers = new Map<string, ReturnType<typeof deferred<readonly string[]>>>();
    const resolver = new HostResolver(
      (host) => {
        const d = deferred<readonly string[]>();
        answers.set(host, d);
        return d.promise;
      },
      () => {},
    );
    resolver.request({ targetHost: 'old.example' });
    void resolver.lookupNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(resolver.resolutions.targetHost).toEqual({ host: 'old.example', status: 'looking' });
    resolver.request({ targetHost: 'new.example' });
    answers.get('old.example')!.resolve(['198.51.100.1']);
    await vi.advanceTimersByTimeAsync(0);
    expect(resolver.resolutions.targetHost).toEqual({ host: 'new.example', status: 'waiting' });
    void resolver.lookupNow();
    await vi.advanceTimersByTimeAsync(0);
    answers.get('new.example')!.resolve(['198.51.100.2']);
    await vi.advanceTimersByTimeAsync(0);
    expect(resolver.resolutions.targetHost).toMatchObject({ status: 'resolved', addresses: ['198.51.100.2'] });
    // Back to the old name: answered from the cache at once.
    resolver.request({ targetHost: 'old.example' });
    expect(resolver.resolutions.targetHost).toEqual({ host: 'old.example', status: 'resolved', addresses: ['198.51.100.1'] });
  });

  it('shows nothing when the engine cannot answer (not a DNS verdict)', async () => {
    const resolver = new HostResolver(
      async () => {
        throw Object.assign(new Error('The engine is not connected.'), { code: 'DISCONNECTED' });
      },
      () => {},
    );
    resolver.request({ targetHost: 'db.internal' });
    await resolver.lookupNow();
    expect(resolver.resolutions).toEqual({});
  });
});

describe('ForwardsState looks the form’s names up through dns.resolve', () => {
  const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

  function setup() {
    const t = new FakeTransport({
      'forwards.list': () => ok({ forwards: [], path: '/data/forwards.json' }),
      'dns.resolve': ({ host }) => (host === 'db.internal' ? fail('ENOTFOUND', NOT_FOUND) : ok({ addresses: ['192.0.2.4', '2001:db8::4'] })),
      'forwards.create': ({ spec }) => ok({ info: forward('f-new', { spec: { allow: [], startWithApp: false, ...spec } }) }),
    });
    const state = new ForwardsState(new Api(t), { tickMs: 0 });
    const stop = state.start();
    return { t, state, stop };
  }

  it('looks a name up on leaving the field or on save, never while typing; a warning that still lets the user save', async () => {
    const { t, state, stop } = setup();
    state.editor.openNew();
    state.editor.setForm({ kind: 'tcp', targetHost: 'db.internal', targetPort: '5432', startNow: false });
    await tick(600);
    expect(t.callsOf('dns.resolve')).toEqual([]);
    await state.editor.resolveField('targetHost');
    expect(t.callsOf('dns.resolve')).toEqual([{ host: 'db.internal' }]);
    expect(resolveNote(state.editor.form, 'targetHost', state.editor.resolutions.targetHost)).toMatchObject({ tone: 'warn', text: expect.stringContaining(NOT_FOUND) });
    // A warning, not an error: the form is valid and saves (the warning was seen).
    expect(state.editor.check.errors).toEqual({});
    expect(await state.editor.submit()).toMatchObject({ id: 'f-new' });

    state.editor.openNew();
    state.editor.setForm({ targetHost: 'web.example', targetPort: '80' });
    await tick(20);
    expect(t.callsOf('dns.resolve').map((c) => c.host)).toEqual(['db.internal']);
    await state.editor.resolveField('targetHost');
    expect(resolveNote(state.editor.form, 'targetHost', state.editor.resolutions.targetHost)).toEqual({ tone: 'ok', text: 'web.example resolves to 192.0.2.4, 2001:db8::4' });
    // IP addresses are not looked up; closing the form forgets what was shown.
    state.editor.setForm({ targetHost: '192.0.2.7' });
    await state.editor.resolveField('targetHost');
    expect(t.callsOf('dns.resolve').map((c) => c.host)).toEqual(['db.internal', 'web.example']);
    expect(state.editor.resolutions).toEqual({});
    state.editor.setForm({ targetHost: 'web.example' });
    state.editor.close();
    expect(state.editor.resolutions).toEqual({});
    stop();
  });

  it('on save, looks up a name not yet looked up; one that does not resolve stops that save to show the warning, the next save goes ahead', async () => {
    const { t, state, stop } = setup();
    state.editor.openNew();
    state.editor.setForm({ kind: 'tcp', targetHost: 'db.internal', targetPort: '5432', startNow: false });
    expect(await state.editor.submit()).toBeNull();
    expect(t.callsOf('dns.resolve')).toEqual([{ host: 'db.internal' }]);
    expect(t.callsOf('forwards.create')).toEqual([]);
    expect(state.editor.resolutions.targetHost).toMatchObject({ status: 'unresolved' });
    expect(await state.editor.submit()).toMatchObject({ id: 'f-new' });
    stop();
  });
});

describe('Expose through router on a forward card', () => {
  const info = (spec: Partial<ForwardInfo['spec']> & Pick<ForwardInfo['spec'], 'kind'>, over: Partial<ForwardInfo> = {}): ForwardInfo =>
    ({
      id: 'f',
      spec: { name: 'f', listenHost: '0.0.0.0', listenPort: 8080, allow: [], startWithApp: false, targetHost: '127.0.0.1', targetPort: 80, ...spec },
      state: 'listening',
      saved: true,
      secretStored: false,
      activeConnections: 0,
      totalConnections: 0,
      bytesIn: 0,
      bytesOut: 0,
      refused: 0,
      targetErrors: 0,
      ...over,
    }) as ForwardInfo;

  it('offers the listening port and protocol of forwards that listen on this machine', () => {
    expect(routerExposure(info({ kind: 'tcp' }))?.target).toEqual({ internalPort: 8080, proto: 'tcp' });
    expect(routerExposure(info({ kind: 'udp', listenHost: '192.168.1.20' }))?.target).toEqual({ internalPort: 8080, proto: 'udp' });
    expect(routerExposure(info({ kind: 'ssh-local', listenHost: '::' }))?.target).toEqual({ internalPort: 8080, proto: 'tcp' });
    expect(routerExposure(info({ kind: 'ssh-dynamic', listenPort: 0 }, { boundPort: 40123 }))?.target).toEqual({ internalPort: 40123, proto: 'tcp' });
    expect(routerExposure(info({ kind: 'ssh-dynamic' }))?.title).toMatch(/SOCKS proxy/);
  });

  it('has no button for SSH -R (the server listens, not this machine)', () => {
    expect(routerExposure(info({ kind: 'ssh-remote' }))).toBeNull();
  });

  it('is disabled, saying why, when a router cannot reach the listening socket', () => {
    expect(routerExposure(info({ kind: 'tcp', listenHost: '127.0.0.1' }))).toEqual({
      target: null,
      title: "Listens on 127.0.0.1 only: a router mapping cannot reach it; edit the forward to listen on this machine's LAN address or 0.0.0.0 first.",
    });
    expect(routerExposure(info({ kind: 'udp', listenHost: '::1' }))?.target).toBeNull();
    expect(routerExposure(info({ kind: 'tcp', listenHost: 'localhost' }))?.target).toBeNull();
    expect(routerExposure(info({ kind: 'tcp', listenHost: 'fd00::5' }))?.title).toMatch(/IPv6 address fd00::5 only: router mappings carry IPv4/);
    expect(routerExposure(info({ kind: 'tcp', listenPort: 0 }, { state: 'stopped' }))?.title).toMatch(/any free port: start the forward first/);
  });
});

describe('Expose through router: one rule for forwards and console listeners', () => {
  it('disables it for a listener on loopback as for a forward, and enables it on a LAN or wildcard address', () => {
    const fix = 'open another';
    expect(socketRouterExposure('127.0.0.1', 18500, 'tcp', fix, 'risk')).toEqual({ target: null, title: 'Listens on 127.0.0.1 only: a router mapping cannot reach it; open another.' });
    expect(socketRouterExposure('::1', 18500, 'udp', fix, 'risk').target).toBeNull();
    expect(socketRouterExposure('0.0.0.0', 18500, 'udp', fix, 'risk').target).toEqual({ internalPort: 18500, proto: 'udp' });
    expect(socketRouterExposure('192.168.1.20', 18500, 'tcp', fix, 'risk').target).toEqual({ internalPort: 18500, proto: 'tcp' });
  });
});
