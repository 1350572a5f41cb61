/**
 * SSH tunnels against an in-process SSH server (ssh2's Server on 127.0.0.1, no root needed):
 * -L, -R and -D, trust on first use of the host key, a changed host key refused, a wrong password,
 * and recovery after the server restarts. The same flows run against OpenSSH in tests/interop.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type PortolanApp } from '../../../src-main/app/create-app.js';
import type { ForwardInfo } from '../../../src-main/contract/index.js';
import { ASSETS_DIR } from '../../helpers/app.js';
import { SSH_PASSWORD, SSH_USER, startTestSshServer, type TestSshServer } from '../../unit/engine/forwards/ssh-test-server.js';
import { call, closeServer, connect, exchange, infoOf, nextState, server, socksConnect, createForward } from './helpers.js';

let app: PortolanApp;
let dataDir: string;
let userKnownHosts: string;
let ssh: TestSshServer;
let target: Awaited<ReturnType<typeof server>>;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'portolan-ssh-'));
  userKnownHosts = path.join(dataDir, 'user_known_hosts');
  ssh = await startTestSshServer();
  await writeFile(userKnownHosts, ssh.knownHostsLine());
  app = await createApp({ assetsDir: ASSETS_DIR, dataDir, transport: 'direct', heartbeatMs: 0, forwards: { userKnownHosts: [userKnownHosts] } });
  // The target: reads the request to its end, then answers.
  target = await server((s) => {
    let req = '';
    s.on('data', (d) => (req += d));
    s.on('end', () => s.end(`answer to ${req}`));
  });
});
afterAll(async () => {
  await app.close();
  await ssh.close();
  await closeServer(target);
  await rm(dataDir, { recursive: true, force: true });
});

const sshSpec = (port = ssh.port) => ({ host: '127.0.0.1', port, username: SSH_USER, auth: 'password' as const, keepaliveSec: 1 });
const secrets = { password: SSH_PASSWORD };

async function up(spec: Record<string, unknown>): Promise<ForwardInfo> {
  const created = await createForward(app, { spec: { name: `ssh ${Math.random()}`, listenPort: 0, ...spec } as never, save: false, secrets });
  if (created.state === 'up') return created;
  return nextState(app, created.id, (f) => f.state === 'up' || f.state === 'failed');
}

describe('SSH tunnels (in-process server)', () => {
  it('-L carries connections through the server to the target, with half-close', async () => {
    const fwd = await up({ kind: 'ssh-local', targetHost: '127.0.0.1', targetPort: target.port, ssh: sshSpec() });
    expect(fwd.state).toBe('up');
    const answers = await Promise.all([1, 2, 3].map(async (i) => exchange(await connect(fwd.boundPort!), `hello ${i}`)));
    expect(answers).toEqual(['answer to hello 1', 'answer to hello 2', 'answer to hello 3']);
    const info = await infoOf(app, fwd.id);
    expect(info.totalConnections).toBe(3);
    expect(info.bytesIn).toBe(3 * 'hello 1'.length);
    await call(app, 'forwards.delete', { id: fwd.id });
  });

  it('-R makes the server listen and sends its connections to the local target', async () => {
    const fwd = await up({ kind: 'ssh-remote', targetHost: '127.0.0.1', targetPort: target.port, ssh: sshSpec() });
    expect(fwd.state).toBe('up');
    expect(fwd.boundPort).toBeGreaterThan(0);
    // ssh2's server closes a channel when its side ends (no half-close there): answer on the first bytes.
    const quick = await server((s) => s.once('data', (d) => s.end(`quick answer to ${d}`)));
    await call(app, 'forwards.update', { id: fwd.id, spec: { ...fwd.spec, targetPort: quick.port } as never });
    await nextState(app, fwd.id, (f) => f.state === 'up');
    const sock = await connect((await infoOf(app, fwd.id)).boundPort!);
    const got: Buffer[] = [];
    sock.on('data', (d) => got.push(d));
    sock.write('from the server side');
    await new Promise((r) => sock.once('end', r));
    expect(Buffer.concat(got).toString()).toBe('quick answer to from the server side');
    sock.destroy();
    await closeServer(quick);
    await call(app, 'forwards.delete', { id: fwd.id });
  });

  it('-D is a SOCKS5 proxy whose CONNECTs go out through the server', async () => {
    const fwd = await up({ kind: 'ssh-dynamic', ssh: sshSpec() });
    const sock = await socksConnect(fwd.boundPort!, '127.0.0.1', target.port);
    expect(await exchange(sock, 'via socks')).toBe('answer to via socks');
    const log = await call(app, 'forwards.connections', { id: fwd.id });
    expect(log.connections[0]!.target).toEqual({ host: '127.0.0.1', port: target.port });
    // A port nobody listens on: the SOCKS reply says so.
    const closed = await server(() => undefined);
    const port = closed.port;
    await closeServer(closed);
    await expect(socksConnect(fwd.boundPort!, '127.0.0.1', port)).rejects.toMatchObject({ reply: expect.any(Number) });
    await call(app, 'forwards.delete', { id: fwd.id });
  });

  it('fails with HOSTKEY_UNKNOWN for a new server, raises forwards.hostKey, and works after accepting it', async () => {
    const other = await startTestSshServer();
    try {
      const prompt = new Promise<{ fingerprint: string; forwardId: string }>((resolve) => {
        const off = app.bus.on('forwards.hostKey', (p) => (off(), resolve(p)));
      });
      const fwd = await up({ kind: 'ssh-local', targetHost: '127.0.0.1', targetPort: target.port, ssh: sshSpec(other.port) });
      expect(fwd.state).toBe('failed');
      expect(fwd.error?.code).toBe('HOSTKEY_UNKNOWN');
      expect(fwd.error?.message).toContain(other.fingerprint);
      const p = await prompt;
      expect(p).toMatchObject({ forwardId: fwd.id, fingerprint: other.fingerprint });
      // A wrong fingerprint trusts nothing.
      expect(await app.invoke('forwards.hostKey.accept', { forwardId: fwd.id, fingerprint: 'SHA256:wrongwrongwrong' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
      const upAgain = nextState(app, fwd.id, (f) => f.state === 'up');
      await call(app, 'forwards.hostKey.accept', { forwardId: fwd.id, fingerprint: p.fingerprint });
      const after = await upAgain;
      expect(await readFile(path.join(dataDir, 'known_hosts'), 'utf8')).toContain(`[127.0.0.1]:${other.port} ssh-ed25519`);
      expect(await exchange(await connect(after.boundPort!), 'trusted')).toBe('answer to trusted');
      await call(app, 'forwards.delete', { id: fwd.id });
    } finally {
      await other.close();
    }
  });

  it('refuses a changed host key with HOSTKEY_MISMATCH and does not retry', async () => {
    const changing = await startTestSshServer();
    await writeFile(userKnownHosts, ssh.knownHostsLine() + changing.knownHostsLine());
    try {
      await changing.stop();
      await changing.restart(true);
      const fwd = await up({ kind: 'ssh-local', targetHost: '127.0.0.1', targetPort: target.port, ssh: sshSpec(changing.port) });
      expect(fwd.state).toBe('failed');
      expect(fwd.error?.code).toBe('HOSTKEY_MISMATCH');
      expect(fwd.error?.message).toMatch(/different host key.*intercepting/);
      await new Promise((r) => setTimeout(r, 1500));
      expect((await infoOf(app, fwd.id)).state).toBe('failed');
      await call(app, 'forwards.delete', { id: fwd.id });
    } finally {
      await changing.close();
    }
  });

  it('fails with AUTH_FAILED on a wrong password', async () => {
    const created = await createForward(app, {
      spec: { kind: 'ssh-dynamic', name: 'bad password', listenPort: 0, ssh: sshSpec() },
      save: false,
      secrets: { password: 'wrong' },
    });
    const fwd = await nextState(app, created.id, (f) => f.state === 'failed');
    expect(fwd.error?.code).toBe('AUTH_FAILED');
    await call(app, 'forwards.delete', { id: fwd.id });
  });

  it('retries with backoff while the server is down and recovers when it is back', async () => {
    const fwd = await up({ kind: 'ssh-local', targetHost: '127.0.0.1', targetPort: target.port, ssh: sshSpec() });
    const retrying = nextState(app, fwd.id, (f) => f.state === 'retrying');
    await ssh.stop();
    const r = await retrying;
    expect(r.retryInMs).toBeGreaterThanOrEqual(800);
    expect(r.retryInMs).toBeLessThanOrEqual(1200);
    // While down, clients are refused cleanly and counted.
    const refused = await connect(fwd.boundPort!);
    await new Promise((resolve) => (refused.on('end', resolve), refused.on('error', resolve), refused.resume()));
    expect((await infoOf(app, fwd.id)).targetErrors).toBeGreaterThanOrEqual(1);
    const back = nextState(app, fwd.id, (f) => f.state === 'up', 15000);
    await ssh.restart();
    await back;
    expect(await exchange(await connect(fwd.boundPort!), 'after restart')).toBe('answer to after restart');
    await call(app, 'forwards.delete', { id: fwd.id });
  }, 30000);
});
