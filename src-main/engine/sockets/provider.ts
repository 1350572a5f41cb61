/** The socket-table provider interface, one implementation per OS. */
import type { SocketDiff, SocketRow, SocketTrafficSample } from '../../contract/index.js';

/** What one read of the machine's sockets gives. */
export interface SocketReading {
  rows: SocketRow[];
  /** Sockets whose owning process could not be seen by this user. */
  hiddenOwners: number;
}

/** Reads the machine's sockets with their owning processes. */
export interface SocketProvider {
  /** Where the rows come from, shown to the user ("/proc/net", "lsof", "netstat"). */
  readonly source: string;
  read(): Promise<SocketReading>;
  /**
   * Optional: reads and diffs against this provider's previous reading, so that only the change
   * crosses to the caller (a provider on another thread posts k rows, not 10,000). `full` says
   * the change is against nothing (the first read, or a restarted thread): the caller then takes
   * `added` as the whole table.
   */
  readChange?(): Promise<SocketChange>;
  /** Optional: per-connection traffic since the previous call (Linux: the kernel's TCP info). */
  readTraffic?(): Promise<SocketTrafficSample>;
  /** Ends what the provider runs (a thread); reads after this fail. */
  close?(): void;
}

/** A reading as the change since the provider's previous one. */
export interface SocketChange extends Omit<SocketDiff, 'tick' | 'at'> {
  hiddenOwners: number;
  full: boolean;
}
