/** Socket identity and socket-pair linking, shared by every provider. */
import type { SocketRow } from '../../contract/index.js';

/** Writes an IPv4-mapped IPv6 address (::ffff:127.0.0.1) as plain IPv4, so both halves compare equal. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** A row's identity across ticks: protocol, both endpoints and the kernel's inode (0 when closed). */
export function socketId(row: Pick<SocketRow, 'proto' | 'localAddress' | 'localPort' | 'remoteAddress' | 'remotePort'>, inode: number): string {
  return `${row.proto}|${row.localAddress}|${row.localPort}|${row.remoteAddress}|${row.remotePort}|${inode}`;
}

/**
 * Links the two halves of TCP connections whose both ends are on this machine: a row from A to B
 * and a row from B to A. Listening and TIME_WAIT rows have no live other half and are not linked.
 */
export function linkPairs(rows: SocketRow[]): void {
  const byEndpoints = new Map<string, SocketRow>();
  const key = (la: string, lp: number, ra: string, rp: number) => `${plainAddress(la)}|${lp}|${plainAddress(ra)}|${rp}`;
  const linkable = (row: SocketRow) => row.proto.startsWith('tcp') && row.state !== 'LISTEN' && row.state !== 'TIME_WAIT' && row.remotePort !== 0;
  for (const row of rows) if (linkable(row)) byEndpoints.set(key(row.localAddress, row.localPort, row.remoteAddress, row.remotePort), row);
  for (const row of rows) {
    if (!linkable(row)) continue;
    const other = byEndpoints.get(key(row.remoteAddress, row.remotePort, row.localAddress, row.localPort));
    if (other && other !== row) row.pairId = other.id;
  }
}
