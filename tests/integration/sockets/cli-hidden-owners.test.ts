/**
 * `portolan sockets` run by a user who cannot see every socket's owner says how to see them all
 * (issue 14.7): the test, as root, holds a listener on 127.0.0.1, and the bundled CLI runs as
 * `nobody` through `runuser`, which cannot read root's /proc/<pid>/fd.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const canSwitch = process.getuid?.() === 0 && spawnSync('runuser', ['--help']).status === 0;

describe.skipIf(!canSwitch)('portolan sockets as a user who cannot see every owner', () => {
  it('counts the hidden owners and names "sudo portolan sockets" as the way to see them', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const data = mkdtempSync(path.join(tmpdir(), 'portolan-nobody-'));
    spawnSync('chown', ['nobody', data]);
    try {
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn('runuser', ['-u', 'nobody', '--', process.execPath, 'bin/portolan.js', 'sockets'], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: data, PORTOLAN_DATA_DIR: data } });
        let text = '';
        child.stdout.on('data', (c: Buffer) => (text += c.toString()));
        child.stderr.on('data', (c: Buffer) => (text += c.toString()));
        child.once('error', reject);
        child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`exit ${code}: ${text}`))));
      });
      const port = (server.address() as net.AddressInfo).port;
      // The test's own listener is there, its owner not visible to nobody.
      const line = out.split('\n').find((l) => l.includes(`127.0.0.1:${port} `))!;
      expect(line).toMatch(/LISTEN/);
      expect(line).not.toContain(String(process.pid));
      expect(out.trim().split('\n').at(-1)).toMatch(/, [1-9]\d* with an owner this user cannot see \("sudo portolan sockets" shows every owner\)$/);
    } finally {
      server.close();
      rmSync(data, { recursive: true, force: true });
    }
  });
});
