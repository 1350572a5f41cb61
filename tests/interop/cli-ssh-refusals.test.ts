/**
 * The bundled `portolan tunnel ssh` against a real OpenSSH sshd on 127.0.0.1 that refuses: a host
 * key other than the one on record, and a client key it does not authorize. Each is told on stderr
 * with its documented exit status (3 and 4), where the CLI used to exit 13 with no word. Needs
 * root (sshd's privilege separation) and openssh-server; skips with the reason otherwise.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src-main/cli/context.js';
import { bundleCli, spawnCli } from '../helpers/cli-process.js';
import { missingPrerequisite } from './helpers.js';
import { otherKeyLine, SSHD, startOpenSsh, type OpenSshServer } from './ssh-helpers.js';

const skipReason = missingPrerequisite(['ssh-keygen', 'ss']) ?? (existsSync(SSHD) ? undefined : `${SSHD} is missing (apt-get install openssh-server; .ci/run does)`);
if (skipReason) console.warn(`[interop] skipped cli-ssh-refusals: ${skipReason}`);

let sshd: OpenSshServer;
let cli: Awaited<ReturnType<typeof bundleCli>>;
let home: string;

/** Runs `portolan tunnel ssh -L ... root@127.0.0.1` with `known` as Portolan's known_hosts. */
async function tunnel(key: string, known: string) {
  const dataDir = await mkdtemp(path.join(home, 'data-'));
  await writeFile(path.join(dataDir, 'known_hosts'), known);
  return spawnCli(cli.file, ['tunnel', 'ssh', '-L', '0:127.0.0.1:9', 'root@127.0.0.1', '-p', String(sshd.port), '-i', key], { HOME: home, PORTOLAN_DATA_DIR: dataDir }).done;
}

describe.skipIf(!!skipReason)('portolan tunnel ssh refused by OpenSSH', () => {
  beforeAll(async () => {
    [sshd, cli] = await Promise.all([startOpenSsh(), bundleCli()]);
    home = await mkdtemp(path.join(os.tmpdir(), 'portolan-interop-cli-'));
  });
  afterAll(async () => {
    await Promise.all([sshd?.close(), cli?.remove()]);
    await rm(home, { recursive: true, force: true });
  });

  it('a changed host key: status 3, the warning on stderr', async () => {
    const { code, err } = await tunnel(sshd.clientKey, otherKeyLine(sshd));
    expect(err).toContain(`WARNING: the SSH server 127.0.0.1:${sshd.port} presented a different host key (${sshd.fingerprint})`);
    expect(code).toBe(EXIT.hostKey);
  });

  it('a client key sshd does not authorize: status 4, the refusal on stderr', async () => {
    const stranger = path.join(home, 'stranger');
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    const { code, err } = await tunnel(stranger, sshd.knownHostsLine);
    expect(err).toContain(`Failed: The SSH server 127.0.0.1:${sshd.port} refused the login of root (is the key in its authorized_keys?)`);
    expect(code).toBe(EXIT.login);
  });
});
