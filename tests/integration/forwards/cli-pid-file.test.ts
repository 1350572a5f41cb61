/**
 * `portolan forwards list/stop` and the run/forward-<id>.pid file after pid reuse: a pid file left by
 * a crashed `forwards start` whose pid now belongs to an unrelated process (a `sleep` here) is
 * reported stale and that process is never signalled; the one that did write it is stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src-main/app/create-app.js';
import { forwardPidFile, forwardPidStatus, processIdentity, startTimeFromStat } from '../../../src-main/cli/forward-pid-file.js';
import { ASSETS_DIR } from '../../helpers/app.js';
import { startCli, createForward } from './helpers.js';

let dataDir: string;
let forwardId: string;
const sleepers: ChildProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'portolan-cli-pid-'));
  const app = await createApp({ assetsDir: ASSETS_DIR, dataDir, transport: 'direct', heartbeatMs: 0 });
  forwardId = (await createForward(app, { spec: { kind: 'tcp', name: 'web', listenPort: 0, targetHost: '127.0.0.1', targetPort: 9 }, start: false })).id;
  await app.close();
});
afterEach(async () => {
  for (const s of sleepers.splice(0)) s.kill('SIGKILL');
  await rm(forwardPidFile(dataDir, forwardId), { force: true });
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

/** A live process that has nothing to do with Portolan; resolves once it runs `sleep`. */
async function unrelatedProcess(): Promise<ChildProcess & { pid: number }> {
  const child = spawn('sleep', ['600'], { stdio: 'ignore' });
  sleepers.push(child);
  await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject));
  return child as ChildProcess & { pid: number };
}

const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

async function writePidFile(content: string): Promise<void> {
  const file = forwardPidFile(dataDir, forwardId);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

describe('forwards stop and a reused pid', () => {
  it('reads the start time after a command name holding spaces and parentheses', () => {
    const stat = '4242 (a) b (c) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100';
    expect(startTimeFromStat(stat)).toBe('987654');
  });

  it('a pid file written by a crashed forwards start, its pid now another process: reported stale, not signalled', async () => {
    const sleeper = await unrelatedProcess();
    // What `forwards start` recorded about itself before it died; the pid went to `sleep` since.
    await writePidFile(`${JSON.stringify({ pid: sleeper.pid, start: '1', command: `${process.execPath} bin/portolan.js forwards start web` })}\n`);

    const list = await startCli(dataDir, ['forwards', 'list']).stop();
    expect(list.out).toMatch(/web\s+no \(stale pid\)/);
    expect(list.out).not.toContain(`cli pid ${sleeper.pid}`);

    const stop = await startCli(dataDir, ['forwards', 'stop', 'web']).stop();
    expect(stop.code).toBe(1);
    expect(stop.err).toContain(`The pid file of "web" is stale: pid ${sleeper.pid} is now another process (sleep 600). It is not signalled`);
    expect(alive(sleeper)).toBe(true);
    expect((await forwardPidStatus(dataDir, forwardId)).state).toBe('none');
  });

  it('a bare pid (the old file format) cannot be checked, so it is not signalled either', async () => {
    const sleeper = await unrelatedProcess();
    await writePidFile(`${sleeper.pid}\n`);
    const stop = await startCli(dataDir, ['forwards', 'stop', 'web']).stop();
    expect(stop.code).toBe(1);
    expect(stop.err).toMatch(/is stale: the pid file has no start time/);
    expect(alive(sleeper)).toBe(true);
  });

  it('the process the file does describe is shown running and stopped', async () => {
    const sleeper = await unrelatedProcess();
    const identity = await processIdentity(sleeper.pid);
    expect(identity?.command).toBe('sleep 600');
    await writePidFile(JSON.stringify({ pid: sleeper.pid, ...identity }));
    expect((await startCli(dataDir, ['forwards', 'list']).stop()).out).toMatch(new RegExp(`web\\s+cli pid ${sleeper.pid}`));
    const exited = new Promise((resolve) => sleeper.once('exit', (_code, signal) => resolve(signal)));
    const stop = await startCli(dataDir, ['forwards', 'stop', 'web']).stop();
    expect(stop.out).toContain(`Stopped "web" (pid ${sleeper.pid})`);
    expect(await exited).toBe('SIGTERM');
    expect((await forwardPidStatus(dataDir, forwardId)).state).toBe('none');
  });

  it('forwards start records its own start time and command line', async () => {
    const run = startCli(dataDir, ['forwards', 'start', 'web']);
    const file = forwardPidFile(dataDir, forwardId);
    for (let i = 0; i < 250 && !(await readFile(file, 'utf8').catch(() => '')); i++) await new Promise((r) => setTimeout(r, 20));
    const record = JSON.parse(await readFile(file, 'utf8'));
    expect(record).toEqual({ pid: process.pid, ...(await processIdentity(process.pid)) });
    expect(record.start).toMatch(/^\d+$/);
    expect((await run.stop()).code).toBe(0);
  });
});
