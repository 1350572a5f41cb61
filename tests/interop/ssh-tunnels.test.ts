/**
 * Portolan's SSH tunnels against a real OpenSSH sshd on 127.0.0.1 with key authentication:
 * -L and -R checked with curl, -D with curl --socks5-hostname; trust on first use (the fingerprint
 * Portolan shows is the one ssh-keygen -lf prints); a changed host key refused; recovery after
 * sshd restarts (its sessions killed). Needs root (sshd's privilege separation) and
 * openssh-server, curl; skips with the reason otherwise.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type PortolanApp } from '../../src-main/app/create-app.js';
import type { ForwardInfo } from '../../src-main/contract/index.js';
import { ASSETS_DIR } from '../helpers/app.js';
import { call, nextState, createForward } from '../integration/forwards/helpers.js';
import { freePort, missingPrerequisite } from './helpers.js';
import { curl, otherKeyLine, SSHD, startOpenSsh, type OpenSshServer, startHttpResponder } from './ssh-helpers.js';

const skipReason = missingPrerequisite(['curl', 'ssh-keygen', 'ss']) ?? (existsSync(SSHD) ? undefined : `${SSHD} is missing (apt-get install openssh-server; .ci/run does)`);
if (skipReason) console.warn(`[interop] skipped ssh-tunnels: ${skipReason}`);

let sshd: OpenSshServer;
let app: PortolanApp;
let dataDir: string;
let userKnownHosts: string;
let responder: net.Server;
let responderPort: number;

async function tunnel(spec: Record<string, unknown>): Promise<ForwardInfo> {
  const created = await createForward(app, {
    spec: { name: `interop ${Math.random()}`, listenPort: 0, ...spec, ssh: { host: '127.0.0.1', port: sshd.port, username: 'root', auth: 'key', keyPath: sshd.clientKey, keepaliveSec: 1 } } as never,
    save: false,
  });
  if (created.state === 'up') return created;
  return nextState(app, created.id, (f) => f.state === 'up' || f.state === 'failed', 15000);
}

describe.skipIf(!!skipReason)('SSH tunnels through OpenSSH', () => {
  beforeAll(async () => {
    sshd = await startOpenSsh();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'portolan-interop-ssh-'));
    userKnownHosts = path.join(dataDir, 'user_known_hosts');
    await writeFile(userKnownHosts, '');
    app = await createApp({ assetsDir: ASSETS_DIR, dataDir, transport: 'direct', heartbeatMs: 0, forwards: { userKnownHosts: [userKnownHosts] } });
    ({ server: responder, port: responderPort } = await startHttpResponder());
  });
  afterAll(async () => {
    await app?.close();
    await sshd?.close();
    responder?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('fails with HOSTKEY_UNKNOWN showing the fingerprint ssh-keygen prints, and connects after it is accepted', async () => {
    const prompt = new Promise<{ fingerprint: string }>((resolve) => {
      const off = app.bus.on('forwards.hostKey', (p) => (off(), resolve(p)));
    });
    const fwd = await tunnel({ kind: 'ssh-local', targetHost: '127.0.0.1', targetPort: responderPort });
    expect(fwd.state).toBe('failed');
    expect(fwd.error?.code).toBe('HOSTKEY_UNKNOWN');
    expect((await prompt).fingerprint).toBe(sshd.fingerprint);
    const up = nextState(app, fwd.id, (f) => f.state === 'up', 15000);
    await call(app, 'forwards.hostKey.accept', { forwardId: fwd.id, fingerprint: sshd.fingerprint });
    const after = await up;
    expect(await curl([`http://127.0.0.1:${after.boundPort}/`])).toBe('hello-from-target\n');
    await call(app, 'forwards.delete', { id: fwd.id });
  });

  it('-L: curl reaches the target through sshd', async () => {
    const fwd = await tunnel({ kind: 'ssh-local', targetHost: '127.0.0.1', targetPort: responderPort });
    expect(fwd.state).toBe('up');
    for (let i = 0; i < 5; i++) expect(await curl([`http://127.0.0.1:${fwd.boundPort}/`])).toBe('hello-from-target\n');
    await call(app, 'forwards.delete', { id: fwd.id });
  });

  it('-R: sshd listens on 127.0.0.1 and its connections reach the local target', async () => {
    const port = await freePort();
    const fwd = await tunnel({ kind: 'ssh-remote', listenHost: '127.0.0.1', listenPort: port, targetHost: '127.0.0.1', targetPort: responderPort });
    expect(fwd.state).toBe('up');
    const ss = spawnSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' }).stdout;
    expect(ss).toContain('sshd');
    expect(await curl([`http://127.0.0.1:${port}/`])).toBe('hello-from-target\n');
    await call(app, 'forwards.delete', { id: fwd.id });
  });

  it('-D: curl --socks5-hostname goes through the SOCKS5 proxy and sshd', async () => {
    const fwd = await tunnel({ kind: 'ssh-dynamic' });
    expect(fwd.state).toBe('up');
    expect(await curl(['--socks5-hostname', `127.0.0.1:${fwd.boundPort}`, `http://127.0.0.1:${responderPort}/`])).toBe('hello-from-target\n');
    expect(await curl(['--socks5', `127.0.0.1:${fwd.boundPort}`, `http://localhost:${responderPort}/`])).toBe('hello-from-target\n');
    await call(app, 'forwards.delete', { id: fwd.id });
  });

  it('recovers after sshd restarts (its sessions killed)', async () => {
    const fwd = await tunnel({ kind: 'ssh-local', targetHost: '127.0.0.1', targetPort: responderPort });
    expect(fwd.state).toBe('up');
    const retrying = nextState(app, fwd.id, (f) => f.state === 'retrying', 15000);
    await sshd.stop();
    expect((await retrying).retryInMs).toBeGreaterThan(0);
    const up = nextState(app, fwd.id, (f) => f.state === 'up', 20000);
    await sshd.start();
    await up;
    expect(await curl([`http://127.0.0.1:${fwd.boundPort}/`])).toBe('hello-from-target\n');
    await call(app, 'forwards.delete', { id: fwd.id });
  }, 40000);

  it('refuses a changed host key with HOSTKEY_MISMATCH', async () => {
    // Portolan's known_hosts trusts the real key now; the user's file records another key for the same server.
    await writeFile(path.join(dataDir, 'known_hosts'), '');
    await writeFile(userKnownHosts, otherKeyLine(sshd));
    const fwd = await tunnel({ kind: 'ssh-local', targetHost: '127.0.0.1', targetPort: responderPort });
    expect(fwd.state).toBe('failed');
    expect(fwd.error?.code).toBe('HOSTKEY_MISMATCH');
    expect(fwd.error?.message).toMatch(/different host key/);
    await call(app, 'forwards.delete', { id: fwd.id });
  });
});
