/** Names the process that holds a port, so that "port in use" can say by whom. */
import { readFile } from 'node:fs/promises';
import { parseProcNet } from './proc-net.js';
import { findSocketOwners, type SocketOwner } from './process-owner.js';

/**
 * Finds who listens on (TCP) or is bound to (UDP) a local port. Linux only for now (reads /proc);
 * elsewhere, and when the owner belongs to another user, it answers undefined.
 */
export async function findPortHolder(port: number, protocol: 'tcp' | 'udp'): Promise<SocketOwner | undefined> {
  if (process.platform !== 'linux') return undefined;
  const inodes: number[] = [];
  for (const family of ['', '6']) {
    let text: string;
    try {
      text = await readFile(`/proc/net/${protocol}${family}`, 'utf8');
    } catch {
      continue;
    }
    for (const row of parseProcNet(text, protocol)) {
      const bound = protocol === 'tcp' ? row.state === 'LISTEN' : true;
      if (bound && row.localPort === port && row.inode > 0) inodes.push(row.inode);
    }
  }
  const owners = await findSocketOwners(inodes);
  return owners.values().next().value;
}
