/** Chooses the socket-table provider for this OS. */
import { LsofSocketProvider, NetstatSocketProvider } from './command-provider.js';
import { ThreadedSocketProvider } from './threaded-provider.js';
import type { SocketProvider } from './provider.js';

/** The provider for `platform`, or undefined where Portolan cannot read the socket table yet. */
export function selectSocketProvider(platform: NodeJS.Platform = process.platform): SocketProvider | undefined {
  // Linux reads /proc on a worker thread, so IPC and forwards never wait on it.
  if (platform === 'linux') return new ThreadedSocketProvider();
  if (platform === 'darwin') return new LsofSocketProvider();
  if (platform === 'win32') return new NetstatSocketProvider();
  return undefined;
}
