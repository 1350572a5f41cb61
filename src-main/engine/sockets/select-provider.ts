/** Chooses the socket-table provider for this OS. */
import { LinuxSocketProvider } from './linux-provider.js';
import type { SocketProvider } from './provider.js';

/** The provider for `platform`, or undefined where Portolan cannot read the socket table yet. */
export function selectSocketProvider(platform: NodeJS.Platform = process.platform): SocketProvider | undefined {
  if (platform === 'linux') return new LinuxSocketProvider();
  return undefined;
}
