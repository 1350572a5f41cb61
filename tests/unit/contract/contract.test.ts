import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { CALL_NAMES, EVENT_NAMES, calls, events, type CallName } from '../../../src-main/contract/index.js';
import { testApp } from '../../helpers/app.js';
import { freeKnockPorts } from '../../helpers/knock.js';
import { startFakeRouter, type FakeRouter } from '../engine/nat/fake-router.js';
import { SSH_PASSWORD, SSH_USER, startTestSshServer, type TestSshServer } from '../engine/forwards/ssh-test-server.js';

let ctx: Awaited<ReturnType<typeof testApp>>;
// Router calls talk to a fake router on 127.0.0.1, never to this machine's real gateway.
let fakeRouter: FakeRouter;
const nftScripts: string[] = [];
beforeAll(async () => {
  fakeRouter = await startFakeRouter();
  // The firewall calls run against a stand-in for nft that records scripts: this test must not change the machine's firewall.
  ctx = await testApp('direct', { router: fakeRouter.options, exposure: { uid: 0, run: async (file, args, input) => (nftScripts.push([file, ...args, input ?? ''].join(' ')), '') } });
});
afterAll(async () => {
  await ctx.dispose();
  await fakeRouter.close();
});

async function value(name: CallName, input: unknown): Promise<any> {
  const result = await ctx.app.invoke(name, input);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}
/** A client session connected to a fresh echo listener on loopback. */
async function echoSession(): Promise<{ id: string }> {
  const listener = await value('listeners.open', { port: 0, responder: 'echo' });
  return value('sessions.connect', { host: '127.0.0.1', port: listener.port });
}

/** The id of a finished scan of three loopback ports (saved to the history). */
async function finishedScan(): Promise<string> {
  const { id } = await value('scan.start', { targets: '127.0.0.1', ports: '1-3', timing: 5 });
  await value('scan.wait', { id });
  return id;
}

/** A knock guard spec on a fresh loopback listener, with free knock ports. */
async function guardInput(start = true): Promise<unknown> {
  const listener = await value('listeners.open', { port: 0, responder: 'echo' });
  const [a, b] = await freeKnockPorts(2);
  return { name: 'sample', sequence: [{ port: a }, { port: b, protocol: 'udp' }], target: { kind: 'listener', listenerId: listener.id }, start };
}
const KNOCK_PROFILE = { name: 'office', host: '127.0.0.1', steps: [{ port: 7000 }, { port: 8000, protocol: 'udp' }] };

/** A saved TCP forward (a fresh name each time), optionally started on any free port. */
let forwardCount = 0;
async function forwardId(start = false): Promise<string> {
  const spec = { kind: 'tcp', name: `sample ${++forwardCount}`, listenPort: 0, targetHost: '127.0.0.1', targetPort: 9 };
  return (await value('forwards.create', { spec, start })).info.id;
}
/** An SSH forward to an in-process SSH server whose host key is not known yet: the pending key's fingerprint. */
const sshServers: TestSshServer[] = [];
afterAll(() => Promise.all(sshServers.map((s) => s.close())));
async function pendingHostKey(): Promise<{ forwardId: string; fingerprint: string }> {
  const server = await startTestSshServer();
  sshServers.push(server);
  const seen = new Promise<{ forwardId: string; fingerprint: string }>((resolve) => {
    const off = ctx.app.bus.on('forwards.hostKey', (p) => (off(), resolve({ forwardId: p.forwardId, fingerprint: p.fingerprint })));
  });
  const ssh = { host: '127.0.0.1', port: server.port, username: SSH_USER, auth: 'password' };
  await value('forwards.create', { spec: { kind: 'ssh-dynamic', name: `tunnel ${++forwardCount}`, listenPort: 0, ssh }, secrets: { password: SSH_PASSWORD } });
  return seen;
}

/**
 * A valid input for every call, so that each handler's output is checked against its schema.
 * A function prepares what the call needs (a listener, a session) and returns the input.
 */
const SAMPLES: Record<CallName, unknown | (() => Promise<unknown>)> = {
  'dictionary.lookup': { query: 'ssh' },
  'dictionary.card': { port: 22 },
  'dictionary.bindCheck': { port: 0 },
  'dictionary.summaries': { ports: [22, 443, 65000] },
  'learn.cards': {},
  'system.info': {},
  'settings.get': {},
  'settings.update': { theme: 'dark' },
  'sockets.snapshot': {},
  'sockets.pairs': {},
  'sockets.close': async () => {
    const server = net.createServer((s: net.Socket) => s.on('error', () => {}));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1').on('error', () => {});
    await new Promise((r) => client.once('connect', r));
    const rows = (await value('sockets.snapshot', {})).rows;
    return { id: rows.find((r: { localPort: number; state: string }) => r.localPort === client.localPort && r.state === 'ESTABLISHED')!.id };
  },
  // A child of the test's own, so that the signal ends nothing else.
  'processes.end': () => ({ pid: spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' }).pid }),
  'sockets.watch': { leaseMs: 1000 },
  'sockets.configure': { intervalMs: 1000 },
  // The test app is given no reader command: the call answers what to do instead, and elevates nothing.
  'sockets.elevate': {},
  'dns.reverse': { addresses: ['127.0.0.1'] },
  'dns.resolve': { host: 'localhost' },
  'listeners.open': { port: 0, responder: 'interactive' },
  'listeners.close': async () => ({ id: (await value('listeners.open', { port: 0, protocol: 'udp' })).id }),
  'listeners.list': {},
  'sessions.connect': async () => ({ host: '127.0.0.1', port: (await value('listeners.open', { responder: 'discard' })).port }),
  'sessions.send': async () => ({ id: (await echoSession()).id, data: Buffer.from('hello').toString('base64') }),
  'sessions.close': async () => ({ id: (await echoSession()).id }),
  'sessions.ack': async () => ({ id: (await echoSession()).id, bytes: 0 }),
  'sessions.transcript': async () => ({ id: (await echoSession()).id }),
  'router.discover': {},
  'router.mappings': {},
  'router.add': { externalPort: 18080, internalPort: 8080 },
  'router.remove': async () => ({ externalPort: (await value('router.add', { externalPort: 18081, internalPort: 8081, via: 'pcp' })).externalPort }),
  'scan.start': { targets: '127.0.0.1', ports: '1-2', timing: 5 },
  'scan.pause': async () => ({ id: (await value('scan.start', { targets: '127.0.0.1', ports: '1-200', timing: 2 })).id }),
  'scan.resume': async () => {
    const { id } = await value('scan.start', { targets: '127.0.0.1', ports: '1-200', timing: 2 });
    await value('scan.pause', { id });
    return { id };
  },
  'scan.cancel': async () => ({ id: (await value('scan.start', { targets: '127.0.0.1', ports: '1-200', timing: 2 })).id }),
  'scan.results': async () => ({ id: await finishedScan() }),
  'scan.history': {},
  'scan.get': async () => ({ id: await finishedScan() }),
  'scan.wait': async () => ({ id: (await value('scan.start', { targets: '127.0.0.1', ports: '1-2', timing: 5 })).id }),
  'scan.delete': async () => ({ id: await finishedScan() }),
  'scan.diff': async () => ({ a: await finishedScan(), b: await finishedScan() }),
  'scan.export': async () => ({ id: await finishedScan(), format: 'nmap-xml' }),
  'scan.profiles.list': {},
  'scan.profiles.save': { name: 'lab', targets: '127.0.0.1', ports: 'top:10' },
  'scan.profiles.delete': async () => (await value('scan.profiles.save', { name: 'gone' }), { name: 'gone' }),
  'knock.send': async () => ({ host: '127.0.0.1', steps: (await freeKnockPorts(2)).map((port, i) => ({ port, protocol: i ? 'udp' : 'tcp' })), delayMs: 0 }),
  'knock.profiles.list': {},
  'knock.profiles.save': KNOCK_PROFILE,
  'knock.profiles.delete': async () => ({ id: (await value('knock.profiles.save', KNOCK_PROFILE)).id }),
  'knock.importKnockd': { text: '[openSSH]\n  sequence = 7000,8000:udp,9000\n  seq_timeout = 5\n  tcpflags = syn\n' },
  'knock.exportKnockd': async () => ({ ids: [(await value('knock.profiles.save', KNOCK_PROFILE)).id] }),
  'knock.guards.list': {},
  'knock.guards.create': () => guardInput(),
  'knock.guards.start': async () => ({ id: (await value('knock.guards.create', await guardInput(false))).id }),
  'knock.guards.stop': async () => ({ id: (await value('knock.guards.create', await guardInput())).id }),
  'knock.guards.delete': async () => ({ id: (await value('knock.guards.create', await guardInput())).id }),
  'knock.log': {},
  'forwards.list': {},
  'forwards.create': { spec: { kind: 'tcp', name: 'created', listenPort: 0, targetHost: '127.0.0.1', targetPort: 9, allow: ['127.0.0.0/8', '::1'] } },
  'forwards.update': async () => ({ id: await forwardId(true), spec: { kind: 'udp', name: 'updated', listenPort: 0, targetHost: '127.0.0.1', targetPort: 9 } }),
  'forwards.delete': async () => ({ id: await forwardId() }),
  'forwards.start': async () => ({ id: await forwardId() }),
  'forwards.stop': async () => ({ id: await forwardId(true) }),
  'forwards.duplicate': async () => ({ id: await forwardId() }),
  'forwards.export': {},
  'forwards.import': { forwards: [{ kind: 'ssh-local', name: 'imported', listenPort: 15432, targetHost: 'db.internal', targetPort: 5432, ssh: { host: 'bastion.example', username: 'me', auth: 'key', keyPath: '~/.ssh/id_ed25519' } }] },
  'forwards.connections': async () => ({ id: await forwardId(true) }),
  'forwards.hostKey.accept': () => pendingHostKey(),
  'ssh.hosts': {},
  // The router is not asked here (no router answers in tests); the firewall and sockets are this machine's.
  'exposure.list': { router: false },
  'exposure.firewall.preview': { kind: 'lan-only', port: 8080, networks: ['192.168.1.0/24'] },
  'exposure.firewall.apply': { kind: 'close', protocol: 'udp', port: 5353, confirm: true },
  'exposure.firewall.undo': { confirm: true },
  'exposure.firewall.rules': {},
  'exposure.baseline.set': { router: false },
  'exposure.baseline.clear': {},
};

describe('contract', () => {
  it('lists the same call and event names in channels.ts (the preload) as in api.ts', () => {
    expect([...CALL_NAMES].sort()).toEqual(Object.keys(calls).sort());
    expect([...EVENT_NAMES].sort()).toEqual(Object.keys(events).sort());
  });

  it('has a handler for every call', () => {
    expect(Object.keys(ctx.app.handlers).sort()).toEqual(Object.keys(calls).sort());
  });

  it('gives every call a doc sentence', () => {
    for (const [name, spec] of Object.entries(calls)) expect(spec.doc.length, name).toBeGreaterThan(10);
  });

  it.each(Object.keys(SAMPLES) as CallName[])('%s answers with output that matches its schema', async (name) => {
    const sample = SAMPLES[name];
    const result = await ctx.app.invoke(name, typeof sample === 'function' ? await sample() : sample);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (result.ok) expect(() => calls[name].output.parse(result.value)).not.toThrow();
  });

  it('refuses invalid input with INVALID_INPUT and a readable sentence', async () => {
    const result = await ctx.app.invoke('dictionary.card', { port: 70000 });
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const bad = await ctx.app.invoke('dictionary.lookup', { query: '99999' });
    expect(bad).toEqual({ ok: false, error: { code: 'INVALID_INPUT', message: '99999 is not a port number: ports go from 0 to 65535.' } });
    expect(await ctx.app.invoke('dictionary.lookup', 'not an object')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('changes the firewall only when confirmed, and only in the inet portolan table', async () => {
    expect(await ctx.app.invoke('exposure.firewall.apply', { kind: 'close', port: 22 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/^confirm: Confirm the change/) } });
    expect(await ctx.app.invoke('exposure.firewall.preview', { kind: 'lan-only', port: 22, networks: ['nonsense'] })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: '"nonsense" is not a network in CIDR form, such as 192.168.1.0/24.' } });
    const before = nftScripts.length;
    await ctx.app.invoke('exposure.firewall.apply', { kind: 'close', port: 22, confirm: true });
    const scripts = nftScripts.slice(before);
    expect(scripts).toHaveLength(1);
    for (const line of scripts[0]!.split('\n').slice(1).filter(Boolean)) expect(line).toMatch(/^add (table|chain|rule) inet portolan( |$)/);
  });

  it('refuses unknown calls with UNKNOWN_CALL', async () => {
    expect(await ctx.app.invoke('shell.exec', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CALL' } });
    expect(await ctx.app.invoke('__proto__', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CALL' } });
  });

  it('emits settings.changed when settings are updated', async () => {
    const seen: unknown[] = [];
    const off = ctx.app.bus.on('settings.changed', (s) => seen.push(s));
    await ctx.app.invoke('settings.update', { theme: 'light' });
    off();
    expect(seen).toEqual([expect.objectContaining({ theme: 'light' })]);
  });
});
