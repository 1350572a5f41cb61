import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutUndefined } from '../../../src-main/app/dispatch.js';
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
});
