import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_NAMES, EVENT_NAMES, calls, events, type CallName } from '../../../src-main/contract/index.js';
import { testApp } from '../../helpers/app.js';

let ctx: Awaited<ReturnType<typeof testApp>>;
beforeAll(async () => {
  ctx = await testApp();
});
afterAll(() => ctx.dispose());

/** A valid input for every call, so that each handler's output is checked against its schema. */
const SAMPLES: Record<CallName, unknown> = {
  'dictionary.lookup': { query: 'ssh' },
  'dictionary.card': { port: 22 },
  'dictionary.bindCheck': { port: 0 },
  'learn.cards': {},
  'system.info': {},
  'settings.get': {},
  'settings.update': { theme: 'dark' },
  'sockets.snapshot': {},
  'sockets.watch': { leaseMs: 1000 },
  'sockets.configure': { intervalMs: 1000 },
  'dns.reverse': { addresses: ['127.0.0.1'] },
};

describe('contract', () => {
  it('lists the same call and event names in channels.ts (the preload) as in api.ts', () => {
    expect([...CALL_NAMES].sort()).toEqual(Object.keys(calls).sort());
    expect([...EVENT_NAMES].sort()).toEqual(Object.keys(events).sort());
  });

  it('has a handler for every call', () => {
    expect(Object.keys(ctx.app.handlers).sort()).toEqual(Object.keys(calls).sort());
  });

  it('gives every call a doc sentence', () => {
    for (const [name, spec] of Object.entries(calls)) expect(spec.doc.length, name).toBeGreaterThan(10);
  });

  it.each(Object.keys(SAMPLES) as CallName[])('%s answers with output that matches its schema', async (name) => {
    const result = await ctx.app.invoke(name, SAMPLES[name]);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (result.ok) expect(() => calls[name].output.parse(result.value)).not.toThrow();
  });

  it('refuses invalid input with INVALID_INPUT and a readable sentence', async () => {
    const result = await ctx.app.invoke('dictionary.card', { port: 70000 });
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const bad = await ctx.app.invoke('dictionary.lookup', { query: '99999' });
    expect(bad).toEqual({ ok: false, error: { code: 'INVALID_INPUT', message: '99999 is not a port number: ports go from 0 to 65535.' } });
    expect(await ctx.app.invoke('dictionary.lookup', 'not an object')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('refuses unknown calls with UNKNOWN_CALL', async () => {
    expect(await ctx.app.invoke('shell.exec', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CALL' } });
    expect(await ctx.app.invoke('__proto__', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CALL' } });
  });

  it('emits settings.changed when settings are updated', async () => {
    const seen: unknown[] = [];
    const off = ctx.app.bus.on('settings.changed', (s) => seen.push(s));
    await ctx.app.invoke('settings.update', { theme: 'light' });
    off();
    expect(seen).toEqual([expect.objectContaining({ theme: 'light' })]);
  });
});
