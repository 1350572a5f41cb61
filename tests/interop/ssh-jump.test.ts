/**
 * Jump hosts, "Copy as command" and ~/.ssh/config against OpenSSH itself: two real sshd on
 * 127.0.0.1 (a jump host and a server behind it), Portolan's -L through the jump host checked with
 * curl; the ssh command line Portolan writes for that forward run by the real `ssh` client (through
 * a shell, so its quoting is checked too) and carrying curl's request; and Portolan's reading of an
 * ssh config compared with what `ssh -G` says for the same hosts. Needs root (sshd's privilege
 * separation), openssh-server and -client, curl; skips with the reason otherwise.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type PortolanApp } from '../../src-main/app/create-app.js';
import { ForwardSpec } from '../../src-main/contract/forwards.js';
import { formatSshCommand } from '../../src-main/contract/ssh-command.js';
import { readSshConfig } from '../../src-main/engine/ssh-config/ssh-config.js';
import { ASSETS_DIR } from '../helpers/app.js';
import { call, createForward, nextState } from '../integration/forwards/helpers.js';
import { freePort, missingPrerequisite, waitFor } from './helpers.js';
import { curl, SSHD, startOpenSsh, type OpenSshServer, startHttpResponder } from './ssh-helpers.js';

const skipReason =
  missingPrerequisite(['curl', 'ssh', 'ssh-keygen', 'ss']) ?? (existsSync(SSHD) ? undefined : `${SSHD} is missing (apt-get install openssh-server; .ci/run does)`);
if (skipReason) console.warn(`[interop] skipped ssh-jump: ${skipReason}`);

let jump: OpenSshServer;
let inner: OpenSshServer;
let app: PortolanApp;
let dataDir: string;
let knownHosts: string;
let responder: net.Server;
let responderPort: number;

const listening = (port: number) => spawnSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).stdout.trim().length > 0;

describe.skipIf(!!skipReason)('jump hosts, ssh command lines and ssh config against OpenSSH', () => {
  beforeAll(async () => {
    [jump, inner] = await Promise.all([startOpenSsh(), startOpenSsh()]);
    // One client key logs in to both, as Portolan logs in to the jump host the same way as to the server.
    await appendFile(path.join(inner.dir, 'authorized_keys'), await readFile(`${jump.clientKey}.pub`));
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'portolan-interop-jump-'));
    knownHosts = path.join(dataDir, 'user_known_hosts');
    await writeFile(knownHosts, jump.knownHostsLine + inner.knownHostsLine);
    app = await createApp({ assetsDir: ASSETS_DIR, dataDir, transport: 'direct', heartbeatMs: 0, forwards: { userKnownHosts: [knownHosts], sshConfigFile: path.join(dataDir, 'no_config') } });
    ({ server: responder, port: responderPort } = await startHttpResponder());
  });
  afterAll(async () => {
    await app?.close();
    await Promise.all([jump?.close(), inner?.close()]);
    responder?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const spec = (listenPort: number) =>
    ForwardSpec.parse({
      kind: 'ssh-local',
      name: `jump ${listenPort}`,
      listenPort,
      targetHost: '127.0.0.1',
      targetPort: responderPort,
      ssh: { host: '127.0.0.1', port: inner.port, username: 'root', auth: 'key', keyPath: jump.clientKey, keepaliveSec: 1, jump: { host: '127.0.0.1', port: jump.port } },
    });

  it('-L through an OpenSSH jump host to an OpenSSH server: curl reaches the target', async () => {
    const created = await createForward(app, { spec: spec(0), save: false });
    const fwd = created.state === 'up' ? created : await nextState(app, created.id, (f) => f.state === 'up' || f.state === 'failed', 15000);
    expect(fwd.error).toBeUndefined();
    expect(fwd.state).toBe('up');
    expect(await curl([`http://127.0.0.1:${fwd.boundPort}/`])).toBe('hello-from-target\n');
    // The server's only client is the jump host's sshd, not this process.
    const clients = spawnSync('ss', ['-Htnp', 'state', 'established', `dport = :${inner.port}`], { encoding: 'utf8' }).stdout;
    expect(clients).toContain('sshd');
    expect(clients).not.toContain(`pid=${process.pid},`);
    await call(app, 'forwards.delete', { id: fwd.id });
  });

  it("the command Portolan writes for that forward works in OpenSSH's ssh, through a shell", async () => {
    const port = await freePort();
    const line = formatSshCommand(spec(port));
    expect(line).toBe(`ssh -N -p ${inner.port} -i ${jump.clientKey} -J 127.0.0.1:${jump.port} -o ServerAliveInterval=1 -o ExitOnForwardFailure=yes -L ${port}:127.0.0.1:${responderPort} root@127.0.0.1`);
    // -F reaches the jump host's ssh too: the known hosts, the key and no prompts for both hops.
    const config = path.join(dataDir, 'ssh_client_config');
    await writeFile(config, `Host *\n  UserKnownHostsFile ${knownHosts}\n  StrictHostKeyChecking yes\n  BatchMode yes\n  User root\n  IdentityFile ${jump.clientKey}\n  IdentitiesOnly yes\n`);
    const child = spawn('sh', ['-c', `exec ${line.replace(/^ssh /, `ssh -F ${config} `)}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    try {
      await waitFor(() => listening(port) || child.exitCode !== null, 10000);
      expect(child.exitCode, err).toBeNull();
      expect(await curl([`http://127.0.0.1:${port}/`])).toBe('hello-from-target\n');
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('reads an ssh config as ssh -G does: HostName, User, Port, IdentityFile, ProxyJump, Include, wildcards', async () => {
    const file = path.join(dataDir, 'compare_config');
    await writeFile(path.join(dataDir, 'included.conf'), 'Host lab\n  HostName 192.168.50.10\n  Port 2200\n');
    await writeFile(
      file,
      `Include ${path.join(dataDir, 'included.conf')}\n` +
        'Host work\n  HostName 10.0.0.5\n  User admin\n  Port 2222\n  IdentityFile ~/.ssh/work_%r\n  ProxyJump hop@bastion:2200\n\n' +
        'Host db db-replica\n  HostName %h.internal.example\n  ProxyJump bastion\n\n' +
        'Host web-* !web-skip\n  User www\n\n' +
        'Host *\n  User everyone\n  IdentityFile ~/.ssh/id_default\n',
    );
    const mine = readSshConfig(file);
    for (const host of ['work', 'db', 'db-replica', 'web-1', 'web-skip', 'lab', 'plain.example.org']) {
      const g = spawnSync('ssh', ['-G', '-F', file, host], { encoding: 'utf8' }).stdout;
      const field = (k: string) => [...g.matchAll(new RegExp(`^${k} (.*)$`, 'gm'))].map((m) => m[1]!);
      const r = mine.resolve(host);
      const user = field('user')[0]!;
      expect({ host, hostName: r.hostName, user: r.user, port: r.port ?? 22, proxyJump: r.proxyJump }).toEqual({
        host,
        hostName: field('hostname')[0],
        user,
        port: Number(field('port')[0]),
        proxyJump: field('proxyjump')[0],
      });
      const expand = (f: string) => f.replace(/^~\//, `${os.homedir()}/`).replace(/%r/g, user);
      expect(r.identityFiles).toEqual(field('identityfile').map(expand));
    }
  });
});
