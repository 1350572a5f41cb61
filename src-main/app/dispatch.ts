/** Parses a call's input from `unknown`, runs its handler and turns failures into wire errors. */
import type { CallName, Handlers } from '../contract/api.js';
import { callSpec } from '../contract/call-areas.js';
import type { CallSpec } from '../contract/call-spec.js';
import { CALL_NAMES, type CallResult } from '../contract/channels.js';
import { toWireError } from '../contract/errors.js';

/** The result of one dispatched call: the contract's one envelope, as every transport sends it back. */
export type { CallResult };

const callNames: ReadonlySet<string> = new Set(CALL_NAMES);

/** True when `name` is a call of the contract (without building any schema). */
export function isCallName(name: string): name is CallName {
  return callNames.has(name);
}

/**
 * Runs a call by name with untrusted input. Input is parsed with the contract's schema first (its
 * area's schemas are built on the first call of the area: call-areas.ts), so handlers only ever
 * see valid values; errors come back as `{ code, message, path }` (`path`: where
 * in the input, for INVALID_INPUT and for engine errors that concern one field).
 */
export async function dispatch(handlers: Handlers, name: string, input: unknown): Promise<CallResult> {
  if (!isCallName(name)) {
    return { ok: false, error: { code: 'UNKNOWN_CALL', message: `There is no call named "${name}".` } };
  }
  let spec: CallSpec;
  try {
    spec = await callSpec(name);
  } catch (err) {
    // The area's schemas failed to load (a broken install): an answer, never a rejected call.
    return { ok: false, error: toWireError(err) };
  }
  const parsed = spec.input.safeParse(withoutUndefined(input ?? {}));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = (issue?.path ?? []).map((key) => (typeof key === 'number' ? key : String(key)));
    const where = path.length ? `${path.join('.')}: ` : '';
    return { ok: false, error: { code: 'INVALID_INPUT', message: `${where}${issue?.message ?? 'invalid input'}`, ...(path.length ? { path } : {}) } };
  }
  try {
    const handler = handlers[name] as (input: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (err) {
    return { ok: false, error: toWireError(err) };
  }
}

/**
 * The input with every `key: undefined` of its plain objects removed, at any depth. A key set to
 * undefined (IPC's structured clone keeps them; JSON drops them) means "not given": left in,
 * it would pass an optional field and then overwrite a setting when the patch is spread
 * (`sockets.configure {intervalMs: undefined}` made the socket monitor tick without pause).
 */
export function withoutUndefined(value: unknown, depth = 0): unknown {
  // No call's input nests this deep; deeper values go to the schema as they are (and are refused).
  if (typeof value !== 'object' || value === null || depth > 32) return value;
  if (Array.isArray(value)) return value.map((item) => withoutUndefined(item, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) Object.defineProperty(out, key, { value: withoutUndefined(item, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
