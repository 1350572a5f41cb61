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

/** The shape of an error on the wire: a stable code and a sentence a person can act on. */
export const WireError = z.object({ code: ErrorCode, message: z.string() });
export type WireError = z.infer<typeof WireError>;

/** An error thrown by the engine or the app; transports turn it into a {@link WireError}. */
export class PortolanError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PortolanError';
  }

  toWire(): WireError {
    return { code: this.code, message: this.message };
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
