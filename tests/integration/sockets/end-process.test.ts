/**
 * `processes.end` through the app, on a child process the test starts (it holds a listener on
 * 127.0.0.1): the child ends by the signal sent, and pid 1 and the app's own pid are refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../../helpers/app.js';

let ctx: Awaited<ReturnType<typeof testApp>>;
beforeAll(async () => {
  ctx = await testApp('direct');
});
afterAll(async () => {
  await ctx?.dispose();
});

/** A node child listening on 127.0.0.1; resolves once it listens. */
async function listeningChild(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', "require('net').createServer().listen(0, '127.0.0.1', () => console.log('up'))"], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  return child;
}

describe('processes.end', () => {
  it('ends a process the test owns with the signal asked for', async () => {
    const child = await listeningChild();
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal)));
    expect(await ctx.app.invoke('processes.end', { pid: child.pid })).toEqual({ ok: true, value: { pid: child.pid, signal: 'SIGTERM' } });
    expect(await exited).toBe('SIGTERM');
    expect(await ctx.app.invoke('processes.end', { pid: child.pid, signal: 'SIGKILL' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('refuses pid 1 and its own pid', async () => {
    expect(await ctx.app.invoke('processes.end', { pid: 1, signal: 'SIGKILL' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringContaining('init') } });
    expect(await ctx.app.invoke('processes.end', { pid: process.pid })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringContaining('Portolan itself') } });
  });
});
