/**
 * Generated bad input for every call of the contract, and the rule that keeps fuzzing on this
 * machine. Inputs the contract's schema refuses reach the engine's boundary and must come back
 * as INVALID_INPUT; inputs it accepts run the handler, so those are first confined to loopback
 * (or not sent at all, for calls that reach past it whatever their input, with the reason).
 */
import fc from 'fast-check';
import type { z } from 'zod';
import { withoutUndefined } from '../../../src-main/app/dispatch.js';
import { calls } from '../../../src-main/contract/index.js';

/** Calls whose valid input is never sent: running them reaches beyond this machine. */
export const VALID_INPUT_NOT_SENT: Partial<Record<string, string>> = {
  'dns.reverse': 'asks the system resolver, which queries DNS servers for addresses not in /etc/hosts',
  'dns.resolve': 'asks the system resolver, which queries DNS servers',
  'router.discover': 'sends SSDP, NAT-PMP and PCP to the default gateway',
  'router.mappings': 'asks the router for its mappings',
  'router.add': 'asks the router to map a port',
  'router.remove': 'asks the router to remove a mapping',
  'scan.start': 'probes the hosts it names, any address',
  'knock.send': 'sends knock packets to the host it names, any address',
  'knock.guards.start': 'starts a guard, whose listener may bind any address',
  'forwards.start': 'listens on any address and connects to any host or SSH server',
  'processes.end': 'signals any pid on this machine, which could end processes the test does not own',
};

/** Valid input of these calls is rewritten to stay on loopback (and not start anything) before it is sent. */
const CONFINE: Partial<Record<string, (input: Record<string, unknown>) => Record<string, unknown>>> = {
  'dictionary.bindCheck': (input) => ({ ...input, host: '127.0.0.1' }),
  'listeners.open': (input) => ({ ...input, host: '127.0.0.1' }),
  'sessions.connect': (input) => ({ ...input, host: '127.0.0.1', timeoutMs: 2_000 }),
  'forwards.create': (input) => ({ ...input, start: false }),
  'knock.guards.create': (input) => ({ ...input, start: false }),
};

/** What a successful call left running or saved, undone so memory stays bounded over many runs. */
/** A call's output as UNDO reads it: an id, or (forwards.create) the forward under `info`. */
export type Made = { id: string; info?: { id: string } };

export const UNDO: Partial<Record<string, { call: string; input: (value: Made) => unknown }>> = {
  'listeners.open': { call: 'listeners.close', input: ({ id }) => ({ id }) },
  'sessions.connect': { call: 'sessions.close', input: ({ id }) => ({ id }) },
  'forwards.create': { call: 'forwards.delete', input: ({ info }) => ({ id: info?.id }) },
  'forwards.duplicate': { call: 'forwards.delete', input: ({ id }) => ({ id }) },
  'knock.guards.create': { call: 'knock.guards.delete', input: ({ id }) => ({ id }) },
};

/** The decision for one generated input: send it (possibly confined), or skip it with a reason. */
export type Decision = { send: true; input: unknown; valid: boolean } | { send: false; reason: string };

/** Decides what to do with `input` for `call`, by the rules above. */
export function decide(call: string, input: unknown): Decision {
  const schema = (calls as Record<string, { input: z.ZodType }>)[call]?.input;
  // Judged as dispatch judges it (keys set to undefined count as not given).
  if (!schema || !schema.safeParse(withoutUndefined(input ?? {})).success) return { send: true, input, valid: false };
  const notSent = VALID_INPUT_NOT_SENT[call];
  if (notSent) return { send: false, reason: notSent };
  const confine = CONFINE[call];
  if (!confine) return { send: true, input, valid: true };
  const confined = confine(typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {});
  // A rewrite that makes the input invalid is fine to send too: it is refused at the boundary.
  return { send: true, input: confined, valid: schema.safeParse(withoutUndefined(confined)).success };
}

/** Values that break careless code: extremes, wrong types, prototype keys, huge and odd strings. */
const nasty = fc.oneof(
  fc.constantFrom(null, undefined, true, false, 0, -0, -1, 1.5, NaN, Infinity, -Infinity, 65535, 65536, 2 ** 31, 2 ** 53, Number.MAX_VALUE, '', ' ', '0', '-1', '127.0.0.1', '::1', '0.0.0.0', 'localhost', '\u0000', '../../etc/passwd', '%00', '__proto__', 'constructor', '{}', '[]'),
  fc.string({ maxLength: 40, unit: 'binary' }),
  fc.constantFrom('x'.repeat(70_000), '\uD800', '\u202E'),
  fc.integer(),
  fc.double(),
  fc.bigInt().map((n) => Number(n)),
);

/** Generic values of any JSON-ish shape, with prototype-polluting keys among the object keys. */
const anyValue = fc.anything({ maxDepth: 3, maxKeys: 6, withBoxedValues: false, withNullPrototype: true, withObjectString: true, key: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'prototype')) });

/** The field names a schema knows, found through wrappers (default, optional, pipe, union, intersection). */
function shape(schema: unknown, depth = 0): Record<string, unknown> {
  const def = (schema as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
  if (!def || depth > 6) return {};
  if (def.shape) return def.shape as Record<string, unknown>;
  const inner = [def.innerType, def.in, def.out, def.left, def.right, ...((def.options as unknown[]) ?? [])];
  return Object.assign({}, ...inner.filter(Boolean).map((s) => shape(s, depth + 1)));
}

/** An object using the schema's own field names with values that are often of the wrong kind. */
function shaped(schema: unknown, depth: number): fc.Arbitrary<unknown> {
  const fields = shape(schema);
  const names = Object.keys(fields);
  if (names.length === 0) return anyValue;
  const value = (name: string): fc.Arbitrary<unknown> =>
    depth < 2 && Object.keys(shape(fields[name])).length > 0 ? fc.oneof(shaped(fields[name], depth + 1), nasty) : fc.oneof(nasty, anyValue);
  return fc.record(Object.fromEntries(names.map((name) => [name, value(name)])), { requiredKeys: [] });
}

/** Bad input for `call`: anything at all, or its own fields filled with the wrong things. */
export function inputFor(call: string): fc.Arbitrary<unknown> {
  const schema = (calls as Record<string, { input: unknown }>)[call]!.input;
  return fc.oneof({ arbitrary: anyValue, weight: 1 }, { arbitrary: nasty, weight: 1 }, { arbitrary: shaped(schema, 0), weight: 3 });
}

/** A call name: one of the contract's, or something that is not. */
export const callName = fc.oneof(
  { arbitrary: fc.constantFrom(...Object.keys(calls)), weight: 4 },
  { arbitrary: fc.constantFrom('', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'dictionary', 'dictionary.lookup.x'), weight: 1 },
  { arbitrary: fc.string({ maxLength: 30 }), weight: 1 },
);
