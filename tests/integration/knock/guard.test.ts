/**
 * Portolan's knock client against Portolan's knock guard on loopback: the gated listener accepts
 * 127.0.0.1 only after the right knock, only for openForMs, never another source (127.0.0.2), and
 * a wrong order opens nothing. Then the same through the CLI (`portolan guard` + `portolan knock`).
 */
import dgram from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GuardInfo, KnockAttempt, KnockStepEvent } from '../../../src-main/contract/index.js';
import { runCli } from '../../../src-main/cli/run.js';
import { ASSETS_DIR, testApp } from '../../helpers/app.js';
import { freeKnockPorts, relays as echoes } from '../../helpers/knock.js';
import { call, callError, until } from '../listeners/helpers.js';

/** An open connection that keeps echoing, for "existing connections stay". */
async function keptConnection(port: number): Promise<{ echo(): Promise<boolean>; close(): void }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise((r) => socket.once('connect', r));
  return {
    echo: () =>
      new Promise((resolve) => {
        const t = setTimeout(() => resolve(false), 2000);
        socket.once('data', () => (clearTimeout(t), resolve(true)));
        socket.write('again');
      }),
    close: () => socket.destroy(),
  };
}

let ctx: Awaited<ReturnType<typeof testApp>>;
const attempts: KnockAttempt[] = [];
const steps: KnockStepEvent[] = [];
let lastGuards: GuardInfo[] = [];
beforeAll(async () => {
  ctx = await testApp();
  ctx.app.bus.on('knock.attempt', (b) => attempts.push(...b.attempts));
  ctx.app.bus.on('knock.step', (e) => steps.push(e));
  ctx.app.bus.on('knock.guards.changed', (c) => (lastGuards = c.guards));
});
afterAll(() => ctx.dispose());

describe('knock guard on loopback', () => {
  it('opens the gated TCP listener for 127.0.0.1 only after the right knock, and only for openForMs', async () => {
    const app = ctx.app;
    const listener = await call(app, 'listeners.open', { port: 0, responder: 'echo' });
    const [a, b, c] = await freeKnockPorts(3);
    const sequence = [
      { port: a!, protocol: 'tcp' as const },
      { port: b!, protocol: 'udp' as const },
      { port: c!, protocol: 'tcp' as const },
    ];
    const guard = await call(app, 'knock.guards.create', {
      name: 'loopback',
      sequence,
      windowMs: 3000,
      openForMs: 1500,
      target: { kind: 'listener', listenerId: listener.id },
    });
    expect(guard).toMatchObject({ state: 'armed', openSources: [], refused: 0 });
    expect(guard.boundPorts).toEqual(sequence.map((s) => ({ ...s, host: '127.0.0.1' })));

    // Before any knock: refused (accepted by the kernel, closed at once, counted).
    expect(await echoes(listener.port)).toBe(false);
    await until(() => lastGuards[0]?.refused === 1, 2000, 'the refusal counted');

    // Wrong order: nothing opens; the log says why.
    const wrong = await call(app, 'knock.send', { host: '127.0.0.1', steps: [...sequence].reverse(), delayMs: 30 });
    expect(wrong.steps.map((s) => s.outcome)).toEqual(['sent', 'sent', 'sent']);
    await until(() => attempts.some((x) => x.outcome === 'reset-wrong-port'), 2000, 'a reset in the log');
    expect(await echoes(listener.port)).toBe(false);

    // Right order, with a run id to follow the steps.
    const result = await call(app, 'knock.send', { host: '127.0.0.1', steps: sequence, delayMs: 30, runId: 'right' });
    expect(result.runId).toBe('right');
    expect(steps.filter((s) => s.runId === 'right').map((s) => [s.index, s.step.port, s.outcome])).toEqual([
      [0, a, 'sent'],
      [1, b, 'sent'],
      [2, c, 'sent'],
    ]);
    await until(() => attempts.some((x) => x.outcome === 'opened' && x.source === '127.0.0.1'), 2000, 'opened in the log');
    expect(await echoes(listener.port)).toBe(true);
    // Another loopback source did not knock: still refused.
    expect(await echoes(listener.port, '127.0.0.2')).toBe(false);
    const listed = (await call(app, 'knock.guards.list', {}))[0]!;
    expect(listed.openSources.map((s) => s.address)).toEqual(['127.0.0.1']);
    expect(listed.opened).toBe(1);

    // A connection made while open stays after the gate closes; new ones are refused again.
    const kept = await keptConnection(listener.port);
    await new Promise((r) => setTimeout(r, 1700));
    expect(await echoes(listener.port)).toBe(false);
    expect(await kept.echo()).toBe(true);
    kept.close();

    const log = await call(app, 'knock.log', { guardId: guard.id });
    expect(log.filter((x) => x.outcome === 'opened')).toHaveLength(1);
    expect(log.map((x) => x.outcome)).toContain('progress');

    // Deleting the guard takes the gate off: everyone is accepted again.
    await call(app, 'knock.guards.delete', { id: guard.id });
    expect(await echoes(listener.port, '127.0.0.2')).toBe(true);
    await call(app, 'listeners.close', { id: listener.id });
  });

  it('"knock, then check" reports reachable after the right knock, and retries once after a wrong one', async () => {
    const app = ctx.app;
    const listener = await call(app, 'listeners.open', { port: 0, responder: 'echo' });
    const [a, b] = await freeKnockPorts(2);
    const sequence = [
      { port: a!, protocol: 'udp' as const },
      { port: b!, protocol: 'tcp' as const },
    ];
    const guard = await call(app, 'knock.guards.create', { name: 'check', sequence, windowMs: 3000, openForMs: 5000, target: { kind: 'listener', listenerId: listener.id } });
    // (Not the reversed sequence: knocked twice, its end and its beginning make the right one, as with knockd.)
    const bad = await call(app, 'knock.send', { host: '127.0.0.1', steps: [sequence[1]!, sequence[1]!], delayMs: 20, thenCheck: { port: listener.port }, checkTimeoutMs: 1000 });
    expect(bad.check).toMatchObject({ reachable: false, retried: true });
    expect(bad.check!.message).toMatch(/closes them at once/);
    expect(bad.steps.map((s) => s.attempt)).toEqual([1, 1, 2, 2]);
    const good = await call(app, 'knock.send', { host: 'localhost', steps: sequence, delayMs: 20, thenCheck: { port: listener.port } });
    expect(good.check).toMatchObject({ reachable: true, retried: false });
    await call(app, 'knock.guards.delete', { id: guard.id });
    await call(app, 'listeners.close', { id: listener.id });
  });

  it('gates a UDP listener on a new peer\'s first datagram', async () => {
    const app = ctx.app;
    const listener = await call(app, 'listeners.open', { port: 0, protocol: 'udp', responder: 'echo' });
    const [a] = await freeKnockPorts(1);
    // With the optional command on: it runs with the source as an argument (no shell).
    const marker = path.join(ctx.dataDir, 'opened-by');
    const guard = await call(app, 'knock.guards.create', {
      name: 'udp',
      sequence: [{ port: a!, protocol: 'udp' }],
      target: { kind: 'listener', listenerId: listener.id },
      command: { path: process.execPath, args: ['-e', 'require("fs").writeFileSync(process.argv[1], process.argv[2])', marker, 'from {source}'], enabled: true },
    });
    const client = dgram.createSocket('udp4');
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
    let replies = 0;
    client.on('message', () => replies++);
    client.send('x', listener.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 200));
    expect(replies).toBe(0);
    await call(app, 'knock.send', { host: '127.0.0.1', steps: [{ port: a!, protocol: 'udp' }], delayMs: 0 });
    await until(() => attempts.some((x) => x.guardId === guard.id && x.outcome === 'opened'), 2000, 'opened');
    client.send('y', listener.port, '127.0.0.1');
    await until(() => replies === 1, 2000, 'an echo after the knock');
    await until(() => existsSync(marker) && readFileSync(marker, 'utf8') === 'from 127.0.0.1', 5000, 'the command to run');
    client.close();
    await call(app, 'knock.guards.delete', { id: guard.id });
    await call(app, 'listeners.close', { id: listener.id });
  });

  it('works over IPv6 (::1): knock ports bound on the listener\'s address', async () => {
    const app = ctx.app;
    const listener = await call(app, 'listeners.open', { host: '::1', port: 0, responder: 'echo' });
    const [a, b] = await freeKnockPorts(2, '::1');
    const sequence = [
      { port: a!, protocol: 'tcp' as const },
      { port: b!, protocol: 'udp' as const },
    ];
    const guard = await call(app, 'knock.guards.create', { name: 'v6', sequence, target: { kind: 'listener', listenerId: listener.id } });
    expect(guard.boundPorts.map((p) => p.host)).toEqual(['::1', '::1']);
    const result = await call(app, 'knock.send', { host: '::1', steps: sequence, delayMs: 20, thenCheck: { port: listener.port } });
    expect(result.address).toBe('::1');
    expect(result.check).toMatchObject({ reachable: true, retried: false });
    expect((await call(app, 'knock.guards.list', {})).find((g) => g.id === guard.id)!.openSources.map((s) => s.address)).toEqual(['::1']);
    const v4only = await callError(app, 'knock.send', { host: '::1', steps: sequence, family: 'ipv4' });
    expect(v4only.code).toBe('INVALID_INPUT');
    await call(app, 'knock.guards.delete', { id: guard.id });
    await call(app, 'listeners.close', { id: listener.id });
  });

  it('refuses a knock port that is taken, naming it, and keeps no half-made guard', async () => {
    const app = ctx.app;
    const listener = await call(app, 'listeners.open', { port: 0, responder: 'echo' });
    const err = await callError(app, 'knock.guards.create', { name: 'clash', sequence: [{ port: listener.port }], target: { kind: 'listener', listenerId: listener.id } });
    expect(err.code).toBe('EADDRINUSE');
    expect(err.message).toContain(String(listener.port));
    expect((await call(app, 'knock.guards.list', {})).map((g) => g.spec.name)).not.toContain('clash');
    // The gate came off with it.
    expect(await echoes(listener.port)).toBe(true);
    const missing = await callError(app, 'knock.guards.create', { name: 'nobody', sequence: [{ port: 1 }], target: { kind: 'listener', listenerId: 'L999' } });
    expect(missing.code).toBe('NOT_FOUND');
    await call(app, 'listeners.close', { id: listener.id });
  });

  it('keeps profiles and guard specs across app restarts (guards come back stopped)', async () => {
    const profile = await call(ctx.app, 'knock.profiles.save', { name: 'lab', host: '::1', steps: [{ port: 7000 }, { port: 8000, protocol: 'udp' }] });
    const exported = await call(ctx.app, 'knock.exportKnockd', { ids: [profile.id] });
    expect(exported.text).toContain('[lab]\n  sequence      = 7000:tcp,8000:udp\n');
    const { createApp } = await import('../../../src-main/app/create-app.js');
    const again = await createApp({ assetsDir: ASSETS_DIR, dataDir: ctx.dataDir, transport: 'direct', heartbeatMs: 0 });
    try {
      expect(await call(again, 'knock.profiles.list', {})).toEqual(expect.arrayContaining([profile]));
      const next = await call(again, 'knock.profiles.save', { name: 'lab 2', host: '::1', steps: [{ port: 1 }] });
      expect(next.id).not.toBe(profile.id);
    } finally {
      await again.close();
    }
  });
});

describe('portolan guard and portolan knock', () => {
  it('a CLI guard opens for a CLI knock, and prints the attempts', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'portolan-cli-'));
    let err = '';
    let interrupt = () => undefined as void;
    const interrupted = new Promise<void>((r) => (interrupt = r));
    const env = (sink: (t: string) => void) => ({ stdout: sink, stderr: sink, assetsDir: ASSETS_DIR, staticDir: '', dataDir, interrupted });
    const [a, b, c] = await freeKnockPorts(3);
    const guard = runCli(['guard', '--sequence', `${a},${b}:udp,${c}`, '--listen', '0', '--window', '5', '--open-for', '5'], env((t) => (err += t)));
    const port = Number((await until(() => /Guarding tcp 127\.0\.0\.1:(\d+) \(echo\)/.exec(err), 5000, 'guarding'))[1]);
    expect(err).toMatch(/scanner sees them as open/);
    let out = '';
    const code = await runCli(['knock', '127.0.0.1', String(a), `${b}:udp`, String(c), '-d', '30', '--then-check', String(port)], env((t) => (out += t)));
    expect(out).toMatch(/tcp \d+ sent\nudp \d+ sent\ntcp \d+ sent\n/);
    expect(out).toMatch(/is reachable after the knock/);
    expect(code).toBe(0);
    await until(() => /127\.0\.0\.1\s+\d+:tcp\s+OPENED \(all 3 steps\)/.test(err), 2000, 'OPENED line');
    interrupt();
    expect(await guard).toBe(0);
  });

  it('knock -u makes every step UDP, and explains bad ports', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'portolan-cli-'));
    let out = '';
    const env = { stdout: (t: string) => (out += t), stderr: (t: string) => (out += t), assetsDir: ASSETS_DIR, staticDir: '', dataDir, interrupted: new Promise<void>(() => undefined) };
    const [a] = await freeKnockPorts(1);
    expect(await runCli(['knock', '-u', '127.0.0.1', `${a}:tcp`, '--json'], env)).toBe(0);
    expect(JSON.parse(out).steps).toEqual([expect.objectContaining({ port: a, protocol: 'udp', outcome: 'sent' })]);
    out = '';
    expect(await runCli(['knock', '127.0.0.1', '70000'], env)).toBe(2);
    expect(out).toMatch(/"70000" is not a knock step/);
  });
});
