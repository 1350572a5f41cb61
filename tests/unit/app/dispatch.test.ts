import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { dispatch, withoutUndefined } from '../../../src-main/app/dispatch.js';
import { PortolanError } from '../../../src-main/contract/errors.js';
import type { Handlers } from '../../../src-main/contract/index.js';
import { testApp } from '../../helpers/app.js';

let ctx: Awaited<ReturnType<typeof testApp>>;
beforeAll(async () => {
  ctx = await testApp('direct');
});
afterAll(async () => {
  await ctx.dispose();
});

describe('dispatch', () => {
  it('treats a key set to undefined as not given (found by the contract fuzz)', async (t) => {
    const before = await ctx.app.invoke('sockets.configure', { intervalMs: 2000 });
    if (!before.ok && before.error.code === 'NOT_FOUND') return t.skip(`no socket table on this platform: ${before.error.message}`);
    const after = await ctx.app.invoke('sockets.configure', { intervalMs: undefined, paused: undefined });
    expect(after).toEqual({ ok: true, value: { intervalMs: 2000, paused: false } });

    await ctx.app.invoke('settings.update', { theme: 'dark' });
    const settings = await ctx.app.invoke('settings.update', { theme: undefined, lastView: 'scanner' });
    expect(settings).toMatchObject({ ok: true, value: { settings: { theme: 'dark', lastView: 'scanner' } } });
  });

  it('drops undefined keys at any depth, keeps own __proto__ keys as data, leaves arrays and class instances alone', () => {
    const input = JSON.parse('{"__proto__":{"x":1},"a":{"b":2}}') as Record<string, unknown>;
    (input.a as Record<string, unknown>).c = undefined;
    const out = withoutUndefined({ ...input, d: undefined, list: [1, undefined] }) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['__proto__', 'a', 'list']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(out.a).toEqual({ b: 2 });
    expect(out.list).toEqual([1, undefined]);
    const date = new Date(0);
    expect(withoutUndefined(date)).toBe(date);
  });

  it('answers INVALID_INPUT with the zod path of the first issue, so a form marks the field (the sentence still names it for the CLI)', async () => {
    const port = await ctx.app.invoke('forwards.create', { spec: { kind: 'tcp', name: 'p', listenPort: 70000, targetHost: 'h', targetPort: 1 } });
    expect(port).toEqual({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/^spec\.listenPort: Ports go from 1 to 65535/), path: ['spec', 'listenPort'] } });
    const nested = await ctx.app.invoke('forwards.create', { spec: { kind: 'ssh-dynamic', name: 'p', listenPort: 0, ssh: { host: 'h', username: 'me', auth: 'password', port: 0 } } });
    expect(nested).toMatchObject({ ok: false, error: { path: ['spec', 'ssh', 'port'] } });
    const indexed = await ctx.app.invoke('forwards.create', { spec: { kind: 'tcp', name: 'p', listenPort: 0, targetHost: 'h', targetPort: 1, allow: ['::1', 'no/99'] } });
    expect(indexed).toMatchObject({ ok: false, error: { path: ['spec', 'allow', 1] } });
    // A fault of the whole input (not an object) has no field: no path.
    const whole = await ctx.app.invoke('forwards.create', 'nope' as never);
    expect(whole.ok).toBe(false);
    expect(!whole.ok && 'path' in whole.error).toBe(false);
  });

  it('passes the path of an engine or app error through, and none when it concerns no field', async () => {
    const handlers = {
      'forwards.stop': async () => {
        throw new PortolanError('EADDRINUSE', 'Port 80 is in use.', ['spec', 'listenPort']);
      },
      'forwards.delete': async () => {
        throw new PortolanError('NOT_FOUND', 'There is no forward with id x.');
      },
    } as unknown as Handlers;
    expect(await dispatch(handlers, 'forwards.stop', { id: 'x' })).toEqual({ ok: false, error: { code: 'EADDRINUSE', message: 'Port 80 is in use.', path: ['spec', 'listenPort'] } });
    expect(await dispatch(handlers, 'forwards.delete', { id: 'x' })).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'There is no forward with id x.' } });
  });

  it('forwards.create starts in the same call: a taken name is refused with its path, a busy port is an answer naming listenPort', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const busy = (holder.address() as net.AddressInfo).port;
    try {
      const first = await ctx.app.invoke('forwards.create', { spec: { kind: 'tcp', name: 'one call', listenPort: 0, targetHost: '127.0.0.1', targetPort: 9 }, save: false });
      expect(first).toMatchObject({ ok: true, value: { info: { state: 'listening', saved: false } } });
      expect(first.ok && 'startError' in (first.value as object)).toBe(false);
      const taken = await ctx.app.invoke('forwards.create', { spec: { kind: 'tcp', name: 'one call', listenPort: 0, targetHost: '127.0.0.1', targetPort: 9 }, save: false });
      expect(taken).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', path: ['spec', 'name'] } });
      const failed = await ctx.app.invoke('forwards.create', { spec: { kind: 'tcp', name: 'busy one', listenPort: busy, targetHost: '127.0.0.1', targetPort: 9 }, save: false });
      expect(failed).toMatchObject({ ok: true, value: { info: { state: 'failed' }, startError: { code: 'EADDRINUSE', path: ['spec', 'listenPort'] } } });
      // With onlyIfStarted nothing is kept: no info, and the name is free again.
      const kept = await ctx.app.invoke('forwards.create', { spec: { kind: 'tcp', name: 'busy two', listenPort: busy, targetHost: '127.0.0.1', targetPort: 9 }, save: false, onlyIfStarted: true });
      expect(kept).toMatchObject({ ok: true, value: { startError: { code: 'EADDRINUSE' } } });
      expect(kept.ok && 'info' in (kept.value as object)).toBe(false);
      const names = (await ctx.app.invoke('forwards.list', {})) as { ok: true; value: { forwards: { id: string; spec: { name: string } }[] } };
      expect(names.value.forwards.map((f) => f.spec.name)).toEqual(expect.arrayContaining(['one call', 'busy one']));
      expect(names.value.forwards.map((f) => f.spec.name)).not.toContain('busy two');
      for (const f of names.value.forwards) await ctx.app.invoke('forwards.delete', { id: f.id });
    } finally {
      holder.close();
    }
  });
});
