/**
 * Errors that cross the contract boundary. Every failure a user can see is one of these codes with
 * a sentence that says what happened and what to do about it.
 */
import * as z from 'zod';

/** Stable error codes. Callers branch on the code; people read the message. */
export const ErrorCode = z.enum([
  'INVALID_INPUT',
  'NOT_FOUND',
  'EADDRINUSE',
  'EACCES',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
  'TLS_FAILED',
  'NO_ROUTER',
  'ROUTER_REFUSED',
  'UNKNOWN_CALL',
  'UNAUTHORIZED',
  'DISCONNECTED',
  'CONFIRM_REQUIRED',
  'HOSTKEY_UNKNOWN',
  'HOSTKEY_MISMATCH',
  'AUTH_FAILED',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/**
 * Where in a call's input an error lies, as zod names it: `['spec', 'listenPort']`. INVALID_INPUT
 * carries the path of the first issue; an engine error that concerns one field of the input (a busy
 * listen port) carries that field's. A form maps the path to its field instead of reading the sentence.
 */
export const ErrorPath = z.array(z.union([z.string(), z.number()])).max(32);
export type ErrorPath = z.infer<typeof ErrorPath>;

/** The shape of an error on the wire: a stable code, a sentence a person can act on, and where in the input it lies. */
export const WireError = z.object({ code: ErrorCode, message: z.string(), path: ErrorPath.optional() });
export type WireError = z.infer<typeof WireError>;

/** An error thrown by the engine or the app; transports turn it into a {@link WireError}. */
export class PortolanError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The input field it concerns ({@link ErrorPath}), when it concerns one. */
    readonly path?: ErrorPath,
  ) {
    super(message);
    this.name = 'PortolanError';
  }

  toWire(): WireError {
    return { code: this.code, message: this.message, ...(this.path?.length ? { path: this.path } : {}) };
  }
}

/** Converts anything thrown into a wire error without leaking stack traces. */
export function toWireError(err: unknown): WireError {
  if (err instanceof PortolanError) return err.toWire();
  const parsed = WireError.safeParse(err);
  if (parsed.success) return parsed.data;
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message: `Unexpected error: ${message}. Please report it with the steps that led here.` };
}
