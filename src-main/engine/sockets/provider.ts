/** The socket-table provider interface, one implementation per OS. */
import type { SocketRow } from '../../contract/index.js';

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
}
