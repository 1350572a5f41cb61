/** What the renderer needs from a transport: calls, events and the state of the link. */
import type { CallResult } from '../../../../src-main/contract/channels.js';

/** The link to the engine, as the status bar shows it. */
export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export interface Transport {
  /** Runs one call; never throws: failures come back as `{ ok: false, error }`. */
  call(name: string, input: unknown): Promise<CallResult>;
  /** Subscribes to every engine event; returns the unsubscribe function. */
  onEvent(listener: (event: string, payload: unknown) => void): () => void;
  /** Subscribes to link changes (called at once with the current status); returns the unsubscribe function. */
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  /** Closes the link for good. */
  close(): void;
}

/** Code of the errors made by the renderer's transports themselves (not by the engine). */
export const DISCONNECTED = 'DISCONNECTED';

/** A small listener set shared by the transports. */
export class Listeners<A extends unknown[]> {
  private readonly set = new Set<(...args: A) => void>();
  add(listener: (...args: A) => void): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }
  emit(...args: A): void {
    for (const listener of this.set) {
      try {
        listener(...args);
      } catch (err) {
        console.error('portolan: a listener failed', err);
      }
    }
  }
}
