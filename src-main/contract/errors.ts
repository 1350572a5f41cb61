/**
 * Errors that cross the contract boundary. Every failure a user can see is one of these codes with
 * a sentence that says what happened and what to do about it.
 *
 * No zod here: every module that throws a PortolanError imports this file, and a command that
 * never parses a schema (the CLI's `portolan port 22` path is timed against `node -e 0`) should not
 * load a validation library for it. The wire error's schema is in `wire-error.ts`.
 */

/** Stable error codes, as a list. Callers branch on the code; people read the message. */
export const ERROR_CODES = [
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
] as const;
/** Stable error codes. Callers branch on the code; people read the message. */
export type ErrorCode = (typeof ERROR_CODES)[number];

const errorCodes: ReadonlySet<string> = new Set(ERROR_CODES);
/** True when `code` is one of {@link ERROR_CODES}. */
export const isErrorCode = (code: unknown): code is ErrorCode => typeof code === 'string' && errorCodes.has(code);

/**
 * Where in a call's input an error lies, as zod names it: `['spec', 'listenPort']`. INVALID_INPUT
 * carries the path of the first issue; an engine error that concerns one field of the input (a busy
 * listen port) carries that field's. A form maps the path to its field instead of reading the sentence.
 */
export type ErrorPath = (string | number)[];
/** The longest {@link ErrorPath} on the wire (no call's input nests deeper). */
export const MAX_ERROR_PATH = 32;

/** True when `path` is an {@link ErrorPath}: at most 32 keys, each a string or a number. */
export const isErrorPath = (path: unknown): path is ErrorPath =>
  Array.isArray(path) && path.length <= MAX_ERROR_PATH && path.every((key) => typeof key === 'string' || typeof key === 'number');

/** The shape of an error on the wire: a stable code, a sentence a person can act on, and where in the input it lies. */
export interface WireError {
  code: ErrorCode;
  message: string;
  path?: ErrorPath;
}

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
  // An error already in wire shape (a call's result passed on) crosses as it is, without extra keys.
  if (typeof err === 'object' && err !== null) {
    const { code, message, path } = err as Record<string, unknown>;
    if (isErrorCode(code) && typeof message === 'string' && (path === undefined || isErrorPath(path))) {
      return { code, message, ...(path !== undefined ? { path } : {}) };
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message: `Unexpected error: ${message}. Please report it with the steps that led here.` };
}
