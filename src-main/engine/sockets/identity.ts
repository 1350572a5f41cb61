/** Socket identity and socket-pair linking, shared by every provider. */
import type { SocketRow } from '../../contract/index.js';
import { plainAddress } from '../net/address.js';

export { plainAddress };

/**
 * A row's identity across ticks. A live socket's inode is unique on the machine, so protocol and
 * inode suffice (short keys hash fast with 10,000 rows); sockets without one (TIME_WAIT, orphans)
 * are named by protocol and both endpoints.
 */
export function socketId(row: Pick<SocketRow, 'proto' | 'localAddress' | 'localPort' | 'remoteAddress' | 'remotePort'>, inode: number | string): string {
  return inode !== 0 && inode !== '0' && inode !== ''
    ? `${row.proto}#${inode}`
    : `${row.proto}|${row.localAddress}|${row.localPort}|${row.remoteAddress}|${row.remotePort}`;
}

/**
 * Links the two halves of TCP connections whose both ends are on this machine: a row from A to B
 * and a row from B to A. Listening and TIME_WAIT rows have no live other half and are not linked.
 */
export function linkPairs(rows: SocketRow[]): void {
  // Only a connection whose remote address is one of this machine's own can have a local other half.
  const localAddresses = new Set<string>();
  for (const row of rows) localAddresses.add(plainAddress(row.localAddress));
  const candidates = rows.filter(
    (row) => row.proto.startsWith('tcp') && row.remotePort !== 0 && row.state !== 'LISTEN' && row.state !== 'TIME_WAIT' && localAddresses.has(plainAddress(row.remoteAddress)),
  );
  const key = (la: string, lp: number, ra: string, rp: number) => `${lp}|${rp}|${plainAddress(la)}|${plainAddress(ra)}`;
  const byEndpoints = new Map<string, SocketRow>();
  for (const row of candidates) byEndpoints.set(key(row.localAddress, row.localPort, row.remoteAddress, row.remotePort), row);
  for (const row of candidates) {
    const other = byEndpoints.get(key(row.remoteAddress, row.remotePort, row.localAddress, row.localPort));
    if (other && other !== row) row.pairId = other.id;
  }
}
