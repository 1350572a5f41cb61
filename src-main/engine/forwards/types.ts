/** What every kind of forward reports to the engine that runs it. */
import type { ConnectionInfo, ForwardState, HostKeyPrompt } from '../../contract/forwards.js';
import type { AccessGate } from '../access-gate.js';

/** A forward's live counters (mutated in place by the relays; cheap on the hot path). */
export interface ForwardCounters {
  activeConnections: number;
  totalConnections: number;
  bytesIn: number;
  bytesOut: number;
  refused: number;
  targetErrors: number;
}

/** An error as forwards report it. */
export interface ForwardError {
  code: string;
  message: string;
}

/** The engine's side of a running forward: counters to update and where to report. */
export interface ForwardOwner {
  readonly id: string;
  readonly counters: ForwardCounters;
  /** The gate on new clients (a knock guard's), read at each accept; none lets every allowed client in. */
  readonly gate?: AccessGate;
  /** A state change (retrying: retryInMs; failed/retrying: error). */
  setState(state: ForwardState, extra?: { retryInMs?: number; error?: ForwardError }): void;
  /** A connection (or UDP flow) opened; the record is then updated in place. */
  opened(connection: ConnectionInfo): void;
  /** A connection (or UDP flow) closed (closedAt and error set). */
  closed(connection: ConnectionInfo): void;
  /** A client was refused (counted already): by the allowlist, or by the gate when `reason` says so. */
  refusedClient(address: string, port: number, reason?: ForwardError): void;
  /** An SSH server presented a key that is not known. */
  hostKey(prompt: HostKeyPrompt, key: Buffer): void;
}

/** A forward that runs: start resolves once it listens (or fails with a PortolanError). */
export interface ForwardRunner {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The port actually bound, once started. */
  readonly boundPort: number | undefined;
  /**
   * Brings the forward's counters up to date, for runners that count elsewhere (a UDP forward
   * counts in its relay's thread); the engine calls it before it reads the counters.
   */
  syncCounters?(): void;
  /** The engine put a gate on the forward or took it off (runners that cache the gate's presence). */
  gateChanged?(): void;
}

let nextConnection = 1;
/** A new connection id. */
export function connectionId(): string {
  return `c${nextConnection++}`;
}

/** Turns a Node socket error into a short error for the connection log. */
export function socketError(err: unknown, what: string): ForwardError {
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? 'ERROR';
  return { code, message: `${what}: ${e?.message ?? String(err)}` };
}
