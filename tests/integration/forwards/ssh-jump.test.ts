/**
 * SSH tunnels through a jump host (ssh -J) against two in-process SSH servers on 127.0.0.1: the
 * tunnel logs in to the jump host, opens a direct-tcpip channel from it to the server and runs the
 * server's session over that channel. Host keys are checked on both hops (an unknown jump host is
 * asked about, a changed one refused), and a ~/.ssh/config alias whose ProxyJump is itself an
 * alias goes the same way.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type PortolanApp } from '../../../src-main/app/create-app.js';
import type { ForwardInfo } from '../../../src-main/contract/index.js';
import { ASSETS_DIR } from '../../helpers/app.js';
import { SSH_PASSWORD, SSH_USER, startTestSshServer, type TestSshServer } from '../../unit/engine/forwards/ssh-test-server.js';
import { call, closeServer, connect, createForward, exchange, nextState, server, socksConnect } from './helpers.js';

let app: PortolanApp;
let dataDir: string;
let userKnownHosts: string;
let sshConfig: string;
let jump: TestSshServer;
let target: TestSshServer;
let echo: Awaited<ReturnType<typeof server>>;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'portolan-ssh-jump-'));
  userKnownHosts = path.join(dataDir, 'user_known_hosts');
  sshConfig = path.join(dataDir, 'ssh_config');
  [jump, target] = await Promise.all([startTestSshServer(), startTestSshServer()]);
  await writeFile(
    sshConfig,
    `Host inner\n  HostName 127.0.0.1\n  Port ${target.port}\n  ProxyJump gate\n\nHost gate\n  HostName 127.0.0.1\n  Port ${jump.port}\n  User ${SSH_USER}\n`,
  );
  app = await createApp({ assetsDir: ASSETS_DIR, dataDir, transport: 'direct', heartbeatMs: 0, forwards: { userKnownHosts: [userKnownHosts], sshConfigFile: sshConfig } });
  echo = await server((s) => {
    let req = '';
    s.on('data', (d) => (req += d));
    s.on('end', () => s.end(`answer to ${req}`));
  });
});
afterAll(async () => {
  await app.close();
  await Promise.all([jump.close(), target.close()]);
  await closeServer(echo);
  await rm(dataDir, { recursive: true, force: true });
});
beforeEach(async () => {
  // Both servers known unless a test says otherwise; Portolan's own known_hosts starts empty.
  await writeFile(userKnownHosts, jump.knownHostsLine() + target.knownHostsLine());
  await rm(path.join(dataDir, 'known_hosts'), { force: true });
});

const viaJump = (extra: Record<string, unknown> = {}) => ({
  host: '127.0.0.1',
  port: target.port,
  username: SSH_USER,
  auth: 'password' as const,
  keepaliveSec: 1,
  jump: { host: '127.0.0.1', port: jump.port },
  ...extra,
});

async function settle(spec: Record<string, unknown>): Promise<ForwardInfo> {
  const created = await createForward(app, { spec: { name: `jump ${Math.random()}`, listenPort: 0, ...spec } as never, save: false, secrets: { password: SSH_PASSWORD } });
  if (created.state === 'up' || created.state === 'failed') return created;
  return nextState(app, created.id, (f) => f.state === 'up' || f.state === 'failed');
}

describe('SSH tunnels through a jump host', () => {
  it('-L goes through the jump host: it is asked for a channel to the server, the server for one to the target', async () => {
    const before = jump.tcpipRequests.length;
    const fwd = await settle({ kind: 'ssh-local', targetHost: '127.0.0.1', targetPort: echo.port, ssh: viaJump() });
    expect(fwd.state).toBe('up');
    expect(await exchange(await connect(fwd.boundPort!), 'through the jump')).toBe('answer to through the jump');
    expect(jump.tcpipRequests.slice(before)).toEqual([{ destIP: '127.0.0.1', destPort: target.port }]);
    expect(target.tcpipRequests.at(-1)).toEqual({ destIP: '127.0.0.1', destPort: echo.port });
    await call(app, 'forwards.delete', { id: fwd.id });
  });

  it('-D through the jump host: SOCKS CONNECTs leave from the server', async () => {
    const fwd = await settle({ kind: 'ssh-dynamic', ssh: viaJump() });
    expect(fwd.state).toBe('up');
    expect(await exchange(await socksConnect(fwd.boundPort!, '127.0.0.1', echo.port), 'socks via jump')).toBe('answer to socks via jump');
    expect(target.tcpipRequests.at(-1)).toEqual({ destIP: '127.0.0.1', destPort: echo.port });
    await call(app, 'forwards.delete', { id: fwd.id });
  });

  it('asks about an unknown jump host key (naming the jump host), and connects once it is accepted', async () => {
    await writeFile(userKnownHosts, target.knownHostsLine());
    const prompt = new Promise<{ port: number; fingerprint: string }>((resolve) => {
      const off = app.bus.on('forwards.hostKey', (p) => (off(), resolve(p)));
    });
    const fwd = await settle({ kind: 'ssh-local', targetHost: '127.0.0.1', targetPort: echo.port, ssh: viaJump() });
    expect(fwd.state).toBe('failed');
    expect(fwd.error?.code).toBe('HOSTKEY_UNKNOWN');
    expect(fwd.error?.message).toContain(`The jump host 127.0.0.1:${jump.port} is not known yet`);
    const p = await prompt;
    expect(p).toMatchObject({ port: jump.port, fingerprint: jump.fingerprint });
    const upAgain = nextState(app, fwd.id, (f) => f.state === 'up');
    await call(app, 'forwards.hostKey.accept', { forwardId: fwd.id, fingerprint: p.fingerprint });
    const after = await upAgain;
    expect(await exchange(await connect(after.boundPort!), 'accepted')).toBe('answer to accepted');
    await call(app, 'forwards.delete', { id: fwd.id });
  });

  it("checks the server's key behind the jump host too", async () => {
    await writeFile(userKnownHosts, jump.knownHostsLine());
    const fwd = await settle({ kind: 'ssh-local', targetHost: '127.0.0.1', targetPort: echo.port, ssh: viaJump() });
    expect(fwd.error?.code).toBe('HOSTKEY_UNKNOWN');
    expect(fwd.error?.message).toContain(`The SSH server 127.0.0.1:${target.port} is not known yet`);
    expect(fwd.error?.message).toContain(target.fingerprint);
    await call(app, 'forwards.delete', { id: fwd.id });
  });

  it('refuses a jump host whose key changed', async () => {
    const other = await startTestSshServer();
    try {
      await writeFile(userKnownHosts, target.knownHostsLine() + other.knownHostsLine().replace(`]:${other.port} `, `]:${jump.port} `));
      const fwd = await settle({ kind: 'ssh-local', targetHost: '127.0.0.1', targetPort: echo.port, ssh: viaJump() });
      expect(fwd.state).toBe('failed');
      expect(fwd.error?.code).toBe('HOSTKEY_MISMATCH');
      expect(fwd.error?.message).toContain(`the jump host 127.0.0.1:${jump.port} presented a different host key`);
      await call(app, 'forwards.delete', { id: fwd.id });
    } finally {
      await other.close();
    }
  });

  it('says when the jump host cannot reach the server', async () => {
    const gone = await server(() => undefined);
    const port = gone.port;
    await closeServer(gone);
    const created = await createForward(app, {
      spec: { kind: 'ssh-dynamic', name: 'unreachable', listenPort: 0, ssh: viaJump({ port }) } as never,
      save: false,
      secrets: { password: SSH_PASSWORD },
    });
    const fwd = await nextState(app, created.id, (f) => f.state === 'retrying');
    expect(fwd.error?.message).toMatch(new RegExp(`The jump host 127\\.0\\.0\\.1:${jump.port} could not reach the SSH server 127\\.0\\.0\\.1:${port}`));
    await call(app, 'forwards.delete', { id: fwd.id });
  });

  it('follows a ~/.ssh/config alias whose ProxyJump is another alias', async () => {
    const before = jump.tcpipRequests.length;
    const fwd = await settle({ kind: 'ssh-local', targetHost: '127.0.0.1', targetPort: echo.port, ssh: { host: 'inner', username: SSH_USER, auth: 'password', keepaliveSec: 1 } });
    expect(fwd.state).toBe('up');
    expect(fwd.spec).toMatchObject({ ssh: { host: 'inner', port: 22 } });
    expect(await exchange(await connect(fwd.boundPort!), 'by alias')).toBe('answer to by alias');
    expect(jump.tcpipRequests.slice(before)).toEqual([{ destIP: '127.0.0.1', destPort: target.port }]);
    expect(await call(app, 'ssh.hosts', {})).toMatchObject({ file: sshConfig, hosts: [{ alias: 'inner', hostName: '127.0.0.1', port: target.port, proxyJump: 'gate' }, { alias: 'gate', user: SSH_USER }] });
    await call(app, 'forwards.delete', { id: fwd.id });
  });
});
