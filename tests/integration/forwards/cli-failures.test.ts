/**
 * `portolan tunnel ssh` as a real process (the bundled CLI) against an SSH server on 127.0.0.1 that
 * refuses: every refusal is told on stderr and ends with its documented exit status, never with
 * Node's silent 13 (the event loop emptied while the command still waited for the failure event).
 * And a server offering a key type other than the one on record: the prompt says so, as OpenSSH's does.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src-main/app/create-app.js';
import { EXIT } from '../../../src-main/cli/context.js';
import { HostKeyPrompt } from '../../../src-main/contract/index.js';
import { fingerprintOf, knownHostsLine } from '../../../src-main/engine/forwards/known-hosts.js';
import { ASSETS_DIR } from '../../helpers/app.js';
import { bundleCli, spawnCli } from '../../helpers/cli-process.js';
import { SSH_PASSWORD, SSH_USER, newKey, startTestSshServer, type TestSshServer } from '../../unit/engine/forwards/ssh-test-server.js';
import { closeServer, server, until, createForward } from './helpers.js';

let cli: Awaited<ReturnType<typeof bundleCli>>;
let ssh: TestSshServer;
let home: string;
let target: Awaited<ReturnType<typeof server>>;

beforeAll(async () => {
  [cli, ssh] = await Promise.all([bundleCli(), startTestSshServer()]);
  // HOME is the user's ~/.ssh/known_hosts: an empty one here, so only what a test writes is on record.
  home = await mkdtemp(path.join(os.tmpdir(), 'portolan-cli-fail-'));
  target = await server((s) => s.end('hello'));
});
afterAll(async () => {
  await Promise.all([cli.remove(), ssh.close(), closeServer(target)]);
  await rm(home, { recursive: true, force: true });
});

/** Runs `portolan tunnel ssh <args> tester@127.0.0.1 -p PORT` on a fresh data folder. */
async function tunnel(args: string[], opts: { password?: string; knownHosts?: string } = {}) {
  const dataDir = await mkdtemp(path.join(home, 'data-'));
  if (opts.knownHosts) await writeFile(path.join(dataDir, 'known_hosts'), opts.knownHosts);
  return spawnCli(cli.file, ['tunnel', 'ssh', ...args, `${SSH_USER}@127.0.0.1`, '-p', String(ssh.port)], {
    HOME: home,
    PORTOLAN_DATA_DIR: dataDir,
    PORTOLAN_SSH_PASSWORD: opts.password ?? SSH_PASSWORD,
  });
}

describe('portolan tunnel ssh: refusals are told, with their exit status', () => {
  it.each([
    ['-L', `0:127.0.0.1:9`],
    ['-D', '0'],
    ['-R', `0:127.0.0.1:9`],
  ])('a refused login (%s) exits 4 with the reason on stderr', async (flag, spec) => {
    const { code, err, out } = await (await tunnel([flag, spec, '--accept-host-key', ssh.fingerprint], { password: 'wrong' })).done;
    expect(err).toContain(`Failed: The SSH server 127.0.0.1:${ssh.port} refused the login of ${SSH_USER} (wrong password?)`);
    expect(code).toBe(EXIT.login);
    expect(out).toContain('(password login)');
  });

  it('a host key different from the one on record exits 3 with the warning on stderr', async () => {
    const other = `${knownHostsLine('127.0.0.1', ssh.port, newKey().blob)}\n`;
    const { code, err } = await (await tunnel(['-L', '0:127.0.0.1:9'], { knownHosts: other })).done;
    expect(err).toMatch(/Failed: WARNING: the SSH server 127\.0\.0\.1:\d+ presented a different host key \(SHA256:/);
    expect(err).toContain(ssh.fingerprint);
    expect(code).toBe(EXIT.hostKey);
  });

  it('an unknown host key without --accept-host-key exits 3 and says how to accept it', async () => {
    const { code, err } = await (await tunnel(['-L', '0:127.0.0.1:9'])).done;
    expect(err).toContain(`--accept-host-key ${ssh.fingerprint}`);
    expect(code).toBe(EXIT.hostKey);
  });

  it('a host key that changes while the tunnel runs ends it with status 3 and the warning', async () => {
    const run = await tunnel(['-L', `0:127.0.0.1:${target.port}`, '--accept-host-key', ssh.fingerprint]);
    let out = '';
    run.child.stdout!.on('data', (d) => (out += d));
    await until(() => out.includes('Tunnel up'), 15000, 'the tunnel to come up');
    await ssh.stop();
    await ssh.restart(true);
    const { code, err } = await run.done;
    expect(err).toMatch(/Failed: WARNING: the SSH server 127\.0\.0\.1:\d+ presented a different host key/);
    expect(code).toBe(EXIT.hostKey);
  });
});

describe('a known ed25519 host key, and a server that offers only ECDSA', () => {
  let ecdsa: TestSshServer;
  let knownEd25519: { line: string; fingerprint: string };
  beforeAll(async () => {
    ecdsa = await startTestSshServer({ hostKeyType: 'ecdsa' });
    // newKey: ssh2's generator now and then writes an ed25519 key its own parser refuses (about 1 in 250).
    const blob = newKey().blob;
    knownEd25519 = { line: knownHostsLine('127.0.0.1', ecdsa.port, blob), fingerprint: fingerprintOf(blob) };
  });
  afterAll(() => ecdsa.close());

  it('the host-key event names the key of the other type on record, with its fingerprint', async () => {
    const dataDir = await mkdtemp(path.join(home, 'data-'));
    await writeFile(path.join(dataDir, 'known_hosts'), knownEd25519.line);
    const app = await createApp({ assetsDir: ASSETS_DIR, dataDir, transport: 'direct', heartbeatMs: 0, forwards: { userKnownHosts: [] } });
    try {
      const asked = new Promise<HostKeyPrompt>((resolve) => app.bus.on('forwards.hostKey', resolve));
      await createForward(app, {
        spec: { kind: 'ssh-local', name: 'ecdsa only', listenPort: 0, targetHost: '127.0.0.1', targetPort: 9, ssh: { host: '127.0.0.1', port: ecdsa.port, username: SSH_USER, auth: 'password' } },
        secrets: { password: SSH_PASSWORD },
        save: false,
      });
      const prompt = HostKeyPrompt.parse(await asked);
      expect(prompt.keyType).toBe('ecdsa-sha2-nistp256');
      expect(prompt.fingerprint).toBe(ecdsa.fingerprint);
      expect(prompt.otherKnownKeys).toEqual([{ keyType: 'ssh-ed25519', fingerprint: knownEd25519.fingerprint, source: `${path.join(dataDir, 'known_hosts')}:1` }]);
    } finally {
      await app.close();
    }
  });

  it('portolan tunnel ssh says a key of a different type is on record, not a plain first-use prompt', async () => {
    const dataDir = await mkdtemp(path.join(home, 'data-'));
    await writeFile(path.join(dataDir, 'known_hosts'), knownEd25519.line);
    const { code, err } = await spawnCli(cli.file, ['tunnel', 'ssh', '-L', '0:127.0.0.1:9', `${SSH_USER}@127.0.0.1`, '-p', String(ecdsa.port)], {
      HOME: home,
      PORTOLAN_DATA_DIR: dataDir,
      PORTOLAN_SSH_PASSWORD: SSH_PASSWORD,
    }).done;
    expect(err).toContain(`offered its ecdsa-sha2-nistp256 key (fingerprint ${ecdsa.fingerprint}) that is not on record, but a key of a different type is on record for this host:`);
    expect(err).toContain(`ssh-ed25519 ${knownEd25519.fingerprint} (${path.join(dataDir, 'known_hosts')}:1)`);
    expect(err).toContain(`--accept-host-key ${ecdsa.fingerprint}`);
    expect(code).toBe(EXIT.hostKey);
  });
});
