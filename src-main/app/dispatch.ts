/** Parses a call's input from `unknown`, runs its handler and turns failures into wire errors. */
import { calls, toWireError, type CallName, type Handlers, type WireError } from '../contract/index.js';

/** The result of one dispatched call, as every transport sends it back. */
export type CallResult = { ok: true; value: unknown } | { ok: false; error: WireError };

/** True when `name` is a call of the contract. */
export function isCallName(name: string): name is CallName {
  return Object.prototype.hasOwnProperty.call(calls, name);
}

/**
 * Runs a call by name with untrusted input. Input is parsed with the contract's schema first, so
 * handlers only ever see valid values; errors come back as `{ code, message }`.
 */
export async function dispatch(handlers: Handlers, name: string, input: unknown): Promise<CallResult> {
  if (!isCallName(name)) {
    return { ok: false, error: { code: 'UNKNOWN_CALL', message: `There is no call named "${name}".` } };
  }
  const parsed = calls[name].input.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    return { ok: false, error: { code: 'INVALID_INPUT', message: `${where}${issue?.message ?? 'invalid input'}` } };
  }
  try {
    const handler = handlers[name] as (input: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (err) {
    return { ok: false, error: toWireError(err) };
  }
}
