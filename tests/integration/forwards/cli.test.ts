/**
 * The forward commands of the CLI, run in-process until an interrupt the test controls:
 * `portolan forward`, `portolan tunnel ssh -L` (with --accept-host-key, and through a jump host with
 * -J) and `portolan forwards` (list, show --as-command, start, stop).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTunnelSpec } from '../../../src-main/cli/commands/tunnel.js';
import { parseHostPort } from '../../../src-main/cli/commands/forward.js';
import { EXIT } from '../../../src-main/cli/context.js';
import { createApp } from '../../../src-main/app/create-app.js';
import { ASSETS_DIR } from '../../helpers/app.js';
import { SSH_PASSWORD, SSH_USER, startTestSshServer, type TestSshServer } from '../../unit/engine/forwards/ssh-test-server.js';
import { call, closeServer, connect, exchange, server, startCli, until, createForward } from './helpers.js';

let dataDir: string;
let target: Awaited<ReturnType<typeof server>>;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'portolan-cli-fwd-'));
  target = await server((s) => {
    let req = '';
    s.on('data', (d) => (req += d));
    s.on('end', () => s.end(`answer to ${req}`));
  });
});
afterAll(async () => {
  await closeServer(target);
  await rm(dataDir, { recursive: true, force: true });
});

/** Starts a CLI command on this file's data folder (see startCli). */
const start = (...argv: string[]) => startCli(dataDir, argv);

describe('portolan forward / tunnel / forwards', () => {
  it('parses listen and target endpoints, and ssh -L/-R/-D specs', () => {
    expect(parseHostPort('8080', '127.0.0.1')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseHostPort('[::1]:8080', '127.0.0.1')).toEqual({ host: '::1', port: 8080 });
    expect(parseHostPort('db.internal:5432')).toEqual({ host: 'db.internal', port: 5432 });
    expect(() => parseHostPort('5432')).toThrow(/host:port/);
    expect(parseTunnelSpec('L', '8080:db:5432')).toEqual({ listenHost: '127.0.0.1', listenPort: 8080, targetHost: 'db', targetPort: 5432 });
    expect(parseTunnelSpec('R', '[::1]:80:localhost:8080')).toEqual({ listenHost: '::1', listenPort: 80, targetHost: 'localhost', targetPort: 8080 });
    expect(parseTunnelSpec('D', '1080')).toEqual({ listenHost: '127.0.0.1', listenPort: 1080 });
    expect(() => parseTunnelSpec('L', '8080:db')).toThrow(/\[bind:\]port:host:hostport/);
  });

  it('forward runs until interrupted, printing each connection', async () => {
    const run = start('forward', '127.0.0.1:0', `127.0.0.1:${target.port}`);
    await until(() => run.io.out.includes('Forwarding'), 5000, 'the forward to start');
    const port = Number(/127\.0\.0\.1:(\d+) ->/.exec(run.io.out)![1]);
    expect(await exchange(await connect(port), 'cli')).toBe('answer to cli');
    await until(() => run.io.out.includes('- c'), 2000, 'the close line');
    const { code, out } = await run.stop();
    expect(code).toBe(0);
    expect(out).toMatch(/\+ c\d+ 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+/);
    expect(out).toMatch(/in 3 B out 13 B/);
    expect(out).toMatch(/Stopped\. 1 connections/);
  });

  it('forward exits 1 with the holder named when the port is busy', async () => {
    const holder = await server(() => undefined);
    const { code, err } = await start('forward', String(holder.port), '127.0.0.1:9').stop();
    expect(code).toBe(1);
    expect(err).toContain(`(pid ${process.pid})`);
    await closeServer(holder);
  });

  describe('tunnel ssh', () => {
    let ssh: TestSshServer;
    beforeAll(async () => {
      ssh = await startTestSshServer();
      process.env.PORTOLAN_SSH_PASSWORD = SSH_PASSWORD;
    });
    afterAll(async () => {
      delete process.env.PORTOLAN_SSH_PASSWORD;
      await ssh.close();
    });

    it('refuses an unknown host key without --accept-host-key and says how to accept it', async () => {
      const run = start('tunnel', 'ssh', '-L', `0:127.0.0.1:${target.port}`, `${SSH_USER}@127.0.0.1`, '-p', String(ssh.port));
      const code = await run.done;
      expect(code).toBe(EXIT.hostKey);
      expect(run.io.err).toContain(`--accept-host-key ${ssh.fingerprint}`);
    });

    it('-L with --accept-host-key and PORTOLAN_SSH_PASSWORD comes up and carries connections', async () => {
      const run = start('tunnel', 'ssh', '-L', `0:127.0.0.1:${target.port}`, `${SSH_USER}@127.0.0.1`, '-p', String(ssh.port), '--accept-host-key', ssh.fingerprint);
      await until(() => run.io.out.includes('Tunnel up'), 10000, 'the tunnel');
      const port = Number(/SSH -L 127\.0\.0\.1:(\d+)/.exec(run.io.out)![1]);
      expect(await exchange(await connect(port), 'tunnelled')).toBe('answer to tunnelled');
      const { code, out } = await run.stop();
      expect(code).toBe(0);
      expect(out).toContain('(password login)');
    });

    it('-J goes through a jump host (its key already trusted), with ssh\'s own -o and options after the host', async () => {
      const jump = await startTestSshServer();
      try {
        await writeFile(path.join(dataDir, 'known_hosts'), jump.knownHostsLine());
        const run = start('tunnel', 'ssh', '-NJ', `${SSH_USER}@127.0.0.1:${jump.port}`, '-o', 'ServerAliveInterval=5', `${SSH_USER}@127.0.0.1`, '-L', `0:127.0.0.1:${target.port}`, '-p', String(ssh.port), '--accept-host-key', ssh.fingerprint);
        await until(() => run.io.out.includes('Tunnel up'), 10000, 'the tunnel through the jump host');
        expect(run.io.out).toContain(`via the jump host 127.0.0.1:${jump.port}`);
        const port = Number(/SSH -L 127\.0\.0\.1:(\d+)/.exec(run.io.out)![1]);
        expect(await exchange(await connect(port), 'jumped')).toBe('answer to jumped');
        // Twice: the server's key is unknown at first, accepted (--accept-host-key), then the tunnel connects again.
        expect(jump.tcpipRequests).toEqual([{ destIP: '127.0.0.1', destPort: ssh.port }, { destIP: '127.0.0.1', destPort: ssh.port }]);
        expect((await run.stop()).code).toBe(0);
      } finally {
        await rm(path.join(dataDir, 'known_hosts'), { force: true });
        await jump.close();
      }
    });

    it('refuses a line with two forwards, or a jump chain, with a usage error', async () => {
      const two = await start('tunnel', 'ssh', '-L', '1:x:2', '-D', '1080', 'h').stop();
      expect(two.code).toBe(EXIT.usage);
      expect(two.err).toMatch(/exactly one of -L, -R or -D \(this line has 2\)/);
      const chain = await start('tunnel', 'ssh', '-J', 'a,b', '-D', '1080', 'h').stop();
      expect(chain.code).toBe(EXIT.usage);
      expect(chain.err).toMatch(/chain of jump hosts is not supported/);
    });
  });

  it('forwards list shows saved forwards; stop says when one is not running here', async () => {
    const app = await createApp({ assetsDir: ASSETS_DIR, dataDir, transport: 'direct', heartbeatMs: 0 });
    await createForward(app, { spec: { kind: 'tcp', name: 'web', listenPort: 0, targetHost: '127.0.0.1', targetPort: target.port }, start: false });
    await app.close();
    const list = await start('forwards', 'list').stop();
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/web\s+no\s+no\s+TCP 127\.0\.0\.1:0 -> 127\.0\.0\.1:\d+/);
    const json = JSON.parse((await start('forwards', 'list', '--json').stop()).out);
    expect(json.forwards[0].spec.name).toBe('web');
    const stop = await start('forwards', 'stop', 'web').stop();
    expect(stop.code).toBe(1);
    expect(stop.err).toMatch(/not running in a portolan command/);
    // start runs it in the foreground, and `forwards stop` from elsewhere would signal this pid.
    const run = start('forwards', 'start', 'web');
    await until(() => run.io.out.includes('Forwarding'), 5000, 'the saved forward to start');
    const listed = await start('forwards', 'list').stop();
    expect(listed.out).toContain(`cli pid ${process.pid}`);
    expect((await run.stop()).code).toBe(0);
  });

  it('forwards show prints a forward as the ssh or socat command that does the same', async () => {
    const app = await createApp({ assetsDir: ASSETS_DIR, dataDir, transport: 'direct', heartbeatMs: 0 });
    const ssh = { host: 'bastion.example', port: 2222, username: 'me', auth: 'key' as const, keyPath: '~/.ssh/work', jump: { host: 'hop.example', username: 'j' } };
    await call(app, 'forwards.create', { spec: { kind: 'ssh-local', name: 'db', listenPort: 15432, targetHost: 'db.internal', targetPort: 5432, ssh }, start: false });
    await call(app, 'forwards.create', { spec: { kind: 'tcp', name: 'plain', listenPort: 8080, targetHost: 'example.com', targetPort: 80 }, start: false });
    await app.close();
    const db = await start('forwards', 'show', 'db', '--as-command').stop();
    expect(db.code).toBe(0);
    expect(db.out).toBe('ssh -N -p 2222 -i ~/.ssh/work -J j@hop.example -o ExitOnForwardFailure=yes -L 15432:db.internal:5432 me@bastion.example\n');
    const plain = await start('forwards', 'show', 'plain').stop();
    expect(plain.out).toContain('socat: socat TCP-LISTEN:8080,bind=127.0.0.1,reuseaddr,fork TCP:example.com:80');
    expect(JSON.parse((await start('forwards', 'show', 'db', '--json').stop()).out)).toMatchObject({ forward: { spec: { name: 'db' } }, command: expect.stringMatching(/^ssh -N /) });
    expect((await start('forwards', 'show', 'nope').stop()).code).not.toBe(0);
  });
});
