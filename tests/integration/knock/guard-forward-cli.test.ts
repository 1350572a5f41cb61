/**
 * `portolan guard --forward NAME`, run in-process until an interrupt the test controls: a saved local
 * TCP forward (made in a temporary data folder) is started behind the guard; `portolan knock` in the
 * wrong order leaves it closed, in the right order opens it; Ctrl+C stops the forward (guard started
 * it) and removes the guard. Then the sentences for what cannot be guarded (an SSH -R forward).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src-main/app/create-app.js';
import { ASSETS_DIR } from '../../helpers/app.js';
import { freeKnockPorts, relays } from '../../helpers/knock.js';
import { closeServer, server, startCli, createForward } from '../forwards/helpers.js';
import { until } from '../listeners/helpers.js';

let dataDir: string;
let target: Awaited<ReturnType<typeof server>>;
let targetConnections = 0;
let webId = '';
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'portolan-cli-guard-fwd-'));
  target = await server((s) => {
    targetConnections++;
    s.on('error', () => undefined);
    s.pipe(s);
  });
  // Saved profiles, as the Forwards view would leave them.
  const app = await createApp({ assetsDir: ASSETS_DIR, dataDir, transport: 'direct', heartbeatMs: 0 });
  try {
    const web = await createForward(app, { spec: { kind: 'tcp', name: 'web', listenPort: 0, targetHost: '127.0.0.1', targetPort: target.port }, start: false });
    webId = web.id;
    await createForward(app, { spec: { kind: 'udp', name: 'dns', listenPort: 0, targetHost: '127.0.0.1', targetPort: 53 }, start: false });
    await createForward(app, {
      spec: { kind: 'ssh-remote', name: 'jump', listenPort: 0, targetHost: '127.0.0.1', targetPort: 5432, ssh: { host: '127.0.0.1', username: 'me' } },
      start: false,
    });
  } finally {
    await app.close();
  }
});
afterAll(async () => {
  await closeServer(target);
  await rm(dataDir, { recursive: true, force: true });
});

/** Starts a CLI command on this file's data folder (see startCli). */
const start = (...argv: string[]) => startCli(dataDir, argv);

describe('portolan guard --forward', () => {
  it('starts a saved TCP forward behind the guard: closed before the knock and after a wrong one, relaying after the right one', async () => {
    const [a, b, c] = await freeKnockPorts(3);
    const guard = start('guard', '--sequence', `${a},${b}:udp,${c}`, '--forward', 'web', '--window', '5', '--open-for', '30');
    const port = Number((await until(() => /Guarding forward "web" \(TCP 127\.0\.0\.1:(\d+) -> 127\.0\.0\.1:\d+\)/.exec(guard.io.err), 5000, `guarding: ${guard.io.err}`))[1]);
    expect(guard.io.err).toMatch(/scanner sees them as open/);

    // It runs in this command: forwards list says so, like for `forwards start`.
    expect((await start('forwards', 'list').stop()).out).toMatch(new RegExp(`web\\s+cli pid ${process.pid}`));

    expect(await relays(port)).toBe(false);
    await until(() => /refused 1 connection\(s\)/.test(guard.io.err), 2000, 'the refusal printed');

    const wrong = await start('knock', '127.0.0.1', `${b}:udp`, String(a), String(c), '-d', '30').stop();
    expect(wrong.code).toBe(0);
    await until(() => (guard.io.err.match(/wrong knock, reset/g) ?? []).length >= 2, 3000, `the wrong knocks: ${guard.io.err}`);
    expect(guard.io.err).not.toMatch(/OPENED/);
    expect(await relays(port)).toBe(false);
    expect(targetConnections).toBe(0);

    const right = await start('knock', '127.0.0.1', String(a), `${b}:udp`, String(c), '-d', '30', '--then-check', String(port)).stop();
    expect(right.out).toMatch(/is reachable after the knock/);
    expect(right.code).toBe(0);
    await until(() => /127\.0\.0\.1\s+\d+:tcp\s+OPENED \(all 3 steps\)/.test(guard.io.err), 2000, 'the OPENED line');
    expect(await relays(port)).toBe(true);
    expect(targetConnections).toBeGreaterThan(0);

    const { code } = await guard.stop();
    expect(code).toBe(0);
    // Guard started the forward, so Ctrl+C stopped it, and the guard is gone from the saved file.
    expect(await relays(port)).toBe(false);
    expect(existsSync(path.join(dataDir, 'run', `forward-${webId}.pid`))).toBe(false);
    expect(JSON.parse(readFileSync(path.join(dataDir, 'knock.json'), 'utf8')).guards).toEqual([]);
  });

  it('finds the forward by id too, and prints JSON', async () => {
    const [a] = await freeKnockPorts(1);
    const guard = start('guard', '--sequence', String(a), '--forward', webId, '--json');
    const line = await until(() => guard.io.out.split('\n').find((l) => l.includes('"event":"guarding"')), 5000, `guarding: ${guard.io.err}`);
    const event = JSON.parse(line);
    expect(event).toMatchObject({ forward: { id: webId, state: 'listening' }, guard: { state: 'armed', spec: { target: { kind: 'forward', forwardId: webId } } } });
    expect((await guard.stop()).code).toBe(0);
  });

  it('says what to do when the forward cannot be guarded, or the options do not fit', async () => {
    const [a] = await freeKnockPorts(1);
    const seq = ['guard', '--sequence', String(a)];
    const unknown = await start(...seq, '--forward', 'nope').stop();
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('There is no saved forward named "nope". The saved forwards are: "web", "dns", "jump" (see portolan forwards list).');
    const ssh = await start(...seq, '--forward', 'jump').stop();
    expect(ssh.code).toBe(1);
    expect(ssh.err).toMatch(/"jump" is an SSH -R forward: its clients connect to the SSH server, out of reach of knock ports here/);
    const both = await start(...seq, '--forward', 'web', '--listen', '0').stop();
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/--listen PORT for a new listener, or --forward NAME for a saved forward, not both/);
    const neither = await start(...seq).stop();
    expect(neither.code).toBe(2);
    expect(neither.err).toMatch(/Say what to guard: --listen PORT .* or --forward NAME/);
    const host = await start(...seq, '--forward', 'web', '--host', '0.0.0.0').stop();
    expect(host.code).toBe(2);
    expect(host.err).toMatch(/--host and --responder go with --listen/);
    // None of these left a guard behind.
    const saved = path.join(dataDir, 'knock.json');
    if (existsSync(saved)) expect(JSON.parse(readFileSync(saved, 'utf8')).guards).toEqual([]);
  });

  it('help describes both targets', async () => {
    const help = await start('guard', '--help').stop();
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--forward NAME\s+a saved TCP, UDP, SSH -L or -D forward, by name or id/);
    expect(help.out).toMatch(/An SSH -R forward cannot be guarded/);
  });
});
