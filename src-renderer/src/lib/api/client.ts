/** The typed client of the contract: one `call` per entry of the calls table, typed events. */
import type { CallInput, CallName, CallOutput, EventName, EventPayload } from '../../../../src-main/contract/api.js';
import type { CallError } from '../../../../src-main/contract/channels.js';
import type { ConnectionStatus, Transport } from './transport.js';

/** Where in a call's input a failure lies (zod's issue path, e.g. `['spec', 'listenPort']`). */
export type ErrorPath = NonNullable<CallError['path']>;

/** A failed call: a stable code to branch on, a sentence to show, and the input field it concerns. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Where in the call's input the fault lies, when in one field: a form marks that field. */
    readonly path?: ErrorPath,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A sentence for anything a call threw. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A failed call as the views keep it: the stable code to branch on, the sentence to show, and the field it concerns. */
export interface Problem {
  code: string;
  message: string;
  /** Where in the call's input the fault lies, as the engine said (never read from the sentence). */
  path?: ErrorPath;
}

/** Anything a call threw (or a start error answered) as a {@link Problem} (code INTERNAL when it carries none). */
export function problemOf(err: unknown): Problem {
  const { code, path } = (err ?? {}) as { code?: string; path?: ErrorPath };
  const message = err instanceof Error ? err.message : typeof (err as { message?: unknown })?.message === 'string' ? (err as { message: string }).message : String(err);
  return { code: code ?? 'INTERNAL', message, ...(path?.length ? { path } : {}) };
}

export class Api {
  constructor(readonly transport: Transport) {}

  /** Runs a call; resolves with its typed output or throws an {@link ApiError}. */
  async call<K extends CallName>(name: K, input?: CallInput<K>): Promise<CallOutput<K>> {
    const result = await this.transport.call(name, input ?? {});
    if (!result.ok) throw new ApiError(result.error.code, result.error.message, result.error.path);
    return result.value as CallOutput<K>;
  }

  /** Subscribes to one engine event; returns the unsubscribe function. */
  on<K extends EventName>(event: K, listener: (payload: EventPayload<K>) => void): () => void {
    return this.transport.onEvent((name, payload) => {
      if (name === event) listener(payload as EventPayload<K>);
    });
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    return this.transport.onStatus(listener);
  }
}
