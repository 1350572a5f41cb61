import { describe, expect, it, vi } from 'vitest';

// An area whose schemas fail to load (a chunk missing from a broken install).
vi.mock('../../../src-main/contract/call-areas.js', () => ({
  callSpec: async () => Promise.reject(new Error('Cannot find module cli-chunk-gone.js')),
}));

const { dispatch } = await import('../../../src-main/app/dispatch.js');

describe('dispatch when an area cannot load', () => {
  it('answers an INTERNAL error instead of rejecting the call (a transport would have nothing to send back)', async () => {
    let ran = false;
    const handlers = { 'dictionary.lookup': async () => ((ran = true), {}) } as never;
    const result = await dispatch(handlers, 'dictionary.lookup', { query: '22' });
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(!result.ok && result.error.message).toMatch(/cli-chunk-gone\.js/);
    expect(ran).toBe(false);
  });
});
