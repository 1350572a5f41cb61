/** Chooses the socket-table provider for this OS. */
import { LsofSocketProvider, NetstatSocketProvider } from './command-provider.js';
import { ThreadedSocketProvider } from './threaded-provider.js';
import type { SocketProvider } from './provider.js';

/** How the table is read where there is a choice. */
export interface SocketProviderChoice {
  /**
   * Linux: read /proc (and sample traffic) on a worker thread (default), so that IPC and forwards
   * never wait on it. One CLI command passes false: the same reads then run on the calling thread,
   * which has nothing else to do meanwhile, without the thread's start and the copy of every row
   * from thread to thread (10,000 sockets: most of `portolan sockets`).
   */
  thread?: boolean;
}

/** The provider for `platform`, or undefined where Portolan cannot read the socket table yet. */
export function selectSocketProvider(platform: NodeJS.Platform = process.platform, choice: SocketProviderChoice = {}): SocketProvider | undefined {
  if (platform === 'linux') return new ThreadedSocketProvider('/proc', choice.thread !== false);
  if (platform === 'darwin') return new LsofSocketProvider();
  if (platform === 'win32') return new NetstatSocketProvider();
  return undefined;
}
