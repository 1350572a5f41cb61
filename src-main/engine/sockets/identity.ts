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
  // Keyed by the two ports as one number (hashed far faster than a string of both endpoints, with
  // 10,000 rows); the addresses are compared within the few rows that share the ports.
  const byPorts = new Map<number, SocketRow[]>();
  for (const row of candidates) {
    const ports = row.localPort * 65536 + row.remotePort;
    const list = byPorts.get(ports);
    if (list) list.push(row);
    else byPorts.set(ports, [row]);
  }
  for (const row of candidates) {
    const list = byPorts.get(row.remotePort * 65536 + row.localPort);
    if (!list) continue;
    const local = plainAddress(row.localAddress);
    const remote = plainAddress(row.remoteAddress);
    const other = list.find((o) => o !== row && plainAddress(o.localAddress) === remote && plainAddress(o.remoteAddress) === local);
    if (other) row.pairId = other.id;
  }
}
