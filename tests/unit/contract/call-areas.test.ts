import { describe, expect, it } from 'vitest';
import { callSpec } from '../../../src-main/contract/call-areas.js';
import { CALL_NAMES, calls, ErrorCodeSchema, ERROR_CODES, isErrorCode, PortolanError, toWireError } from '../../../src-main/contract/index.js';

describe('call areas (the schemas dispatch builds on first use)', () => {
  it("resolves every call to the very entry of api.ts's table", async () => {
    for (const name of CALL_NAMES) expect(await callSpec(name), name).toBe(calls[name]);
  });

  it('refuses a name that has no area, rather than parse with the wrong schema', async () => {
    await expect(callSpec('nothing.here' as never)).rejects.toThrow(/no area/);
  });
});

describe('wire errors without zod', () => {
  it('knows the same codes as the schema', () => {
    for (const code of ERROR_CODES) expect(ErrorCodeSchema.safeParse(code).success && isErrorCode(code)).toBe(true);
    expect(isErrorCode('EBOGUS')).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });

  it('passes an error already in wire shape on as it is, without extra keys', () => {
    expect(toWireError({ code: 'NOT_FOUND', message: 'gone', path: ['id'], stack: 'secret' })).toEqual({ code: 'NOT_FOUND', message: 'gone', path: ['id'] });
    expect(toWireError({ code: 'NOT_FOUND', message: 'gone' })).toEqual({ code: 'NOT_FOUND', message: 'gone' });
    expect(toWireError(new PortolanError('EACCES', 'no', ['port']))).toEqual({ code: 'EACCES', message: 'no', path: ['port'] });
  });

  it('turns anything else into INTERNAL, never leaking what it was given', () => {
    for (const err of [new Error('boom'), { code: 'EBOGUS', message: 'x' }, { code: 'NOT_FOUND', message: 3 }, { code: 'NOT_FOUND', message: 'x', path: [{}] }, 'text', null]) {
      const wire = toWireError(err);
      expect(wire.code, JSON.stringify(err)).toBe('INTERNAL');
      expect(Object.keys(wire)).toEqual(['code', 'message']);
    }
  });
});
