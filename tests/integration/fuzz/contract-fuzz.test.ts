/**
 * Every call of the contract fed generated bad input through `app.invoke` (what every transport
 * uses): the engine must answer each with a well-formed result (INVALID_INPUT for what the
 * schema refuses, an output that matches the schema for what it accepts), never throw, stay up,
 * answer a good call after, and keep its heap bounded. Seeded and bounded: see fuzz-config.ts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodeSchema, calls } from '../../../src-main/contract/index.js';
import type { CallResult } from '../../../src-main/app/dispatch.js';
import { testApp } from '../../helpers/app.js';
import { UNDO, VALID_INPUT_NOT_SENT, callName, decide, inputFor, type Made } from './contract-inputs.js';
import { fuzzParameters, fuzzTimeout, heapAfterGc, replayLine } from './fuzz-config.js';

const RUNS_PER_CALL = 100;
const CALL_NAMES = Object.keys(calls);

let ctx: Awaited<ReturnType<typeof testApp>>;
const tally = { sent: 0, refused: 0, ran: 0, skipped: 0, internal: [] as string[] };

beforeAll(async () => {
  // userKnownHosts: [] so that no fuzzed call reads the user's own ~/.ssh/known_hosts.
  ctx = await testApp('web', { forwards: { userKnownHosts: [] } });
});
afterAll(async () => {
  await ctx?.dispose();
  console.log(
    `${replayLine('contract fuzz')}\n  ${tally.sent + tally.skipped} inputs over ${CALL_NAMES.length} calls: ${tally.refused} refused as invalid, ` +
      `${tally.ran} valid ones ran, ${tally.skipped} valid ones not sent (they would reach past loopback); ` +
      `${tally.internal.length} INTERNAL errors; 0 crashes (a crash fails the test)`,
  );
});

/** Checks one result's shape; returns it for further checks. */
function wellFormed(result: CallResult): CallResult {
  expect(typeof result.ok).toBe('boolean');
  if (!result.ok) {
    expect(ErrorCodeSchema.safeParse(result.error.code).success, JSON.stringify(result.error)).toBe(true);
    expect(result.error.message.length).toBeGreaterThan(0);
  }
  return result;
}

/** Sends one generated input to `call` by the rules of contract-inputs.ts. */
async function fuzzOne(call: string, generated: unknown): Promise<void> {
  const decision = decide(call, generated);
  if (!decision.send) {
    tally.skipped++;
    return;
  }
  tally.sent++;
  const result = wellFormed(await ctx.app.invoke(call, decision.input));
  if (!decision.valid) {
    tally.refused++;
    expect(result.ok ? 'ok' : result.error.code).toMatch(/^(INVALID_INPUT|UNKNOWN_CALL)$/);
    return;
  }
  tally.ran++;
  if (!result.ok) {
    if (result.error.code === 'INTERNAL') tally.internal.push(`${call} ${JSON.stringify(decision.input)?.slice(0, 200)}: ${result.error.message}`);
    return;
  }
  const output = (calls as Record<string, { output: { safeParse(v: unknown): { success: boolean } } }>)[call]!.output;
  expect(output.safeParse(result.value).success, `${call} output does not match its schema`).toBe(true);
  const undo = UNDO[call];
  if (undo) wellFormed(await ctx.app.invoke(undo.call, undo.input(result.value as Made)));
}

describe('contract fuzz', () => {
  it('has a rule for every call that reaches past loopback, with a reason', () => {
    for (const [call, reason] of Object.entries(VALID_INPUT_NOT_SENT)) {
      expect(CALL_NAMES).toContain(call);
      expect(reason!.length).toBeGreaterThan(20);
    }
  });

  it(
    'every call answers generated bad input with a well-formed result, and the engine stays up with a bounded heap',
    async () => {
      const heapBefore = heapAfterGc();
      for (const call of CALL_NAMES) {
        await fc.assert(
          fc.asyncProperty(inputFor(call), (input) => fuzzOne(call, input)),
          fuzzParameters(RUNS_PER_CALL),
        );
      }
      await fc.assert(
        fc.asyncProperty(callName, inputFor('dictionary.lookup'), (call, input) => fuzzOne(call, input)),
        fuzzParameters(RUNS_PER_CALL * 5),
      );
      expect(await ctx.app.invoke('system.info', {})).toMatchObject({ ok: true, value: { transport: 'web' } });
      expect(await ctx.app.invoke('dictionary.lookup', { query: '443' })).toMatchObject({ ok: true });
      // Whatever the number of runs, what the fuzzing leaves behind is small.
      expect(heapAfterGc() - heapBefore).toBeLessThan(64 << 20);
      expect(tally.internal, tally.internal.join('\n')).toEqual([]);
    },
    // The unknown-names property runs five times as many cases.
    fuzzTimeout(CALL_NAMES.length + 5, RUNS_PER_CALL, 20),
  );
});
