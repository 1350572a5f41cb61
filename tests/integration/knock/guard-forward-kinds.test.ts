/**
 * Knock guards on the forwards that could not be guarded before the accept-and-admit path was
 * shared (engine/forwards/admission.ts): an SSH -L and an SSH -D forward (through ssh2's Server on
 * 127.0.0.1) and a UDP forward (whose relay runs in a worker thread and asks the engine to admit
 * each new client). Before the knock a client is refused, logged as GATE and never reaches the
 * target; after it, the same client is relayed.
 */
import dgram from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ForwardInfo, KnockAttempt } from '../../../src-main/contract/index.js';
import { testApp } from '../../helpers/app.js';
import { freeKnockPorts, relays } from '../../helpers/knock.js';
import { SSH_PASSWORD, SSH_USER, startTestSshServer, type TestSshServer } from '../../unit/engine/forwards/ssh-test-server.js';
import { call, closeServer, exchange, nextState, server, socksConnect, until, createForward } from '../forwards/helpers.js';

let ctx: Awaited<ReturnType<typeof testApp>>;
let ssh: TestSshServer;
let target: Awaited<ReturnType<typeof server>>;
let targetConnections = 0;
let keysDir: string;
const attempts: KnockAttempt[] = [];

beforeAll(async () => {
  ssh = await startTestSshServer();
  // The app is made with a known_hosts file that already trusts the test server.
  keysDir = await mkdtemp(path.join(os.tmpdir(), 'portolan-guard-kinds-'));
  const knownHosts = path.join(keysDir, 'known_hosts');
  await writeFile(knownHosts, ssh.knownHostsLine());
  ctx = await testApp('direct', { forwards: { userKnownHosts: [knownHosts] } });
  ctx.app.bus.on('knock.attempt', (b) => attempts.push(...b.attempts));
  target = await server((s) => {
    targetConnections++;
    s.on('error', () => undefined);
    s.pipe(s);
  });
});
afterAll(async () => {
  await ctx.dispose();
  await ssh.close();
  await closeServer(target);
  await rm(keysDir, { recursive: true, force: true });
});

/** Guards a forward with a one-step TCP knock; returns the guard's id and a function that knocks from 127.0.0.1. */
async function guard(forward: ForwardInfo): Promise<{ id: string; knock(): Promise<void> }> {
  const [port] = await freeKnockPorts(1);
  const sequence = [{ port: port!, protocol: 'tcp' as const }];
  const created = await call(ctx.app, 'knock.guards.create', { name: `g ${forward.spec.name}`, sequence, windowMs: 5000, openForMs: 60_000, target: { kind: 'forward', forwardId: forward.id } });
  expect(created.state).toBe('armed');
  return {
    id: created.id,
    knock: async () => {
      await call(ctx.app, 'knock.send', { host: '127.0.0.1', steps: sequence, delayMs: 0 });
      await until(() => attempts.some((a) => a.outcome === 'opened' && a.guardId === created.id), 5000, 'the knock to open the gate');
    },
  };
}

/** True once the forward's connection log has a GATE refusal of 127.0.0.1. */
async function refusedByGate(forward: ForwardInfo): Promise<boolean> {
  const { connections } = await call(ctx.app, 'forwards.connections', { id: forward.id });
  return connections.some((c) => c.error?.code === 'GATE' && c.client.address === '127.0.0.1');
}

async function sshForward(kind: 'ssh-local' | 'ssh-dynamic'): Promise<ForwardInfo> {
  const spec = {
    kind,
    name: kind,
    listenPort: 0,
    ...(kind === 'ssh-local' ? { targetHost: '127.0.0.1', targetPort: target.port } : {}),
    ssh: { host: '127.0.0.1', port: ssh.port, username: SSH_USER, auth: 'password' as const },
  };
  const created = await createForward(ctx.app, { spec: spec as never, save: false, secrets: { password: SSH_PASSWORD } });
  const up = created.state === 'up' ? created : await nextState(ctx.app, created.id, (f) => f.state === 'up' || f.state === 'failed');
  expect(up.state).toBe('up');
  return up;
}

describe('knock guards on SSH and UDP forwards', () => {
  it('an SSH -L forward refuses a client before the knock and relays it after', async () => {
    const forward = await sshForward('ssh-local');
    const before = targetConnections;
    const g = await guard(forward);
    expect(await relays(forward.boundPort!)).toBe(false);
    expect(await refusedByGate(forward)).toBe(true);
    expect(targetConnections).toBe(before);
    await g.knock();
    expect(await relays(forward.boundPort!)).toBe(true);
    expect(targetConnections).toBe(before + 1);
    await call(ctx.app, 'knock.guards.delete', { id: g.id });
    await call(ctx.app, 'forwards.delete', { id: forward.id });
  });

  it('an SSH -D (SOCKS) forward refuses a client before the knock and relays it after', async () => {
    const forward = await sshForward('ssh-dynamic');
    const before = targetConnections;
    const g = await guard(forward);
    // The SOCKS greeting gets no answer: the proxy closes the connection at once.
    expect(await relays(forward.boundPort!, '127.0.0.1', Buffer.from([5, 1, 0]), (d) => d[0] === 5)).toBe(false);
    expect(await refusedByGate(forward)).toBe(true);
    await g.knock();
    const sock = await socksConnect(forward.boundPort!, '127.0.0.1', target.port);
    expect(await exchange(sock, 'through socks')).toBe('through socks');
    expect(targetConnections).toBe(before + 1);
    const info = (await call(ctx.app, 'knock.guards.list', {})).find((x) => x.id === g.id)!;
    expect(info.refused).toBe(1);
    await call(ctx.app, 'knock.guards.delete', { id: g.id });
    await call(ctx.app, 'forwards.delete', { id: forward.id });
  });

  it('a UDP forward drops a client\'s datagrams before the knock and relays them after', async () => {
    const received: string[] = [];
    const echo = dgram.createSocket('udp4');
    echo.on('message', (msg, rinfo) => {
      received.push(msg.toString());
      echo.send(msg, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', () => resolve()));
    // Started before the guard: the gate reaches a relay that is already running.
    const forward = await createForward(ctx.app, {
      spec: { kind: 'udp', name: 'udp guarded', listenPort: 0, targetHost: '127.0.0.1', targetPort: echo.address().port },
      save: false,
    });
    const g = await guard(forward);
    const client = dgram.createSocket('udp4');
    const replies: string[] = [];
    client.on('message', (msg) => replies.push(msg.toString()));
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', () => resolve()));
    client.send('before', forward.boundPort!, '127.0.0.1');
    await until(() => refusedByGate(forward), 5000, 'the GATE refusal of the first datagram');
    expect(received).toEqual([]);
    await g.knock();
    client.send('after', forward.boundPort!, '127.0.0.1');
    await until(() => replies.length > 0, 5000, 'the reply relayed after the knock');
    expect(replies).toEqual(['after']);
    // The refused datagram never reached the target, even later.
    expect(received).toEqual(['after']);
    const info = await call(ctx.app, 'forwards.list', {}).then((s) => s.forwards.find((f) => f.id === forward.id)!);
    expect(info.refused).toBe(1);
    client.close();
    echo.close();
    await call(ctx.app, 'knock.guards.delete', { id: g.id });
    await call(ctx.app, 'forwards.delete', { id: forward.id });
  });
});
