/** The typed client of the contract: one `call` per entry of the calls table, typed events. */
import type { CallInput, CallName, CallOutput, EventName, EventPayload } from '../../../../src-main/contract/api.js';
import type { ConnectionStatus, Transport } from './transport.js';

/** A failed call: a stable code to branch on and a sentence to show. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A sentence for anything a call threw. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A failed call as the views keep it: the stable code to branch on and the sentence to show. */
export interface Problem {
  code: string;
  message: string;
}

/** Anything a call threw as a {@link Problem} (code INTERNAL when it carries none). */
export function problemOf(err: unknown): Problem {
  return { code: (err as { code?: string } | undefined)?.code ?? 'INTERNAL', message: errorMessage(err) };
}

export class Api {
  constructor(readonly transport: Transport) {}

  /** Runs a call; resolves with its typed output or throws an {@link ApiError}. */
  async call<K extends CallName>(name: K, input?: CallInput<K>): Promise<CallOutput<K>> {
    const result = await this.transport.call(name, input ?? {});
    if (!result.ok) throw new ApiError(result.error.code, result.error.message);
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
