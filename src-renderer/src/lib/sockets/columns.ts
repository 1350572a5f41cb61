/**
 * What the socket table's columns say, truthfully: which end of a connection is the server (its
 * port's service name means something; a client's ephemeral port's "service" is a coincidence),
 * whether a client's port is in this machine's ephemeral range, and which columns fit the width
 * (Process stays; Range, the queues and User go first).
 */
import type { SocketRow } from '../../../../src-main/contract/sockets.js';
import { isListenerRow } from '../../../../src-main/contract/socket-pairs.js';
import type { Column } from './options.js';

/** The role of a row's local end: waiting for peers, the accepting end, or the connecting end. */
export type LocalRole = 'listener' | 'server' | 'client';

const family = (row: SocketRow) => (row.proto.startsWith('tcp') ? 'tcp' : 'udp');

/**
 * The local end's role. A connection whose local port is listened on here was accepted (server);
 * any other connection was opened from here (client), so its remote port is the service.
 * `listening` holds "tcp|port" keys (see listeningPorts).
 */
export function localRole(row: SocketRow, listening: ReadonlySet<string>): LocalRole {
  if (isListenerRow(row)) return 'listener';
  return listening.has(`${family(row)}|${row.localPort}`) ? 'server' : 'client';
}

/** The port whose service name the row may show: its own for listeners and servers, else the remote one. */
export function servicePortOf(row: SocketRow, role: LocalRole): { local: boolean; remote: boolean } {
  return role === 'client' ? { local: false, remote: row.remotePort !== 0 } : { local: true, remote: false };
}

/** This machine's ephemeral range (system.info). */
export interface EphemeralRange {
  low: number;
  high: number;
  source: string;
}

/** True when a client end's port is one the OS picked from this machine's ephemeral range. */
export function isEphemeralClient(row: SocketRow, role: LocalRole, range: EphemeralRange | null | undefined): boolean {
  return role === 'client' && !!range && row.localPort >= range.low && row.localPort <= range.high;
}

/** A column of the socket table. */
export interface ColumnSpec {
  column: Column;
  title: string;
  hint: string;
  right?: boolean;
  /** Its grid track, and the width it needs at least (px). */
  track: string;
  min: number;
  /** Columns with a higher number are left out first when the table is narrow; 0 never. */
  drop: number;
}

/** The socket table's columns, in order. */
export const SOCKET_COLUMNS: readonly ColumnSpec[] = [
  { column: 'proto', title: 'Proto', hint: 'Protocol and IP family', track: '54px', min: 54, drop: 3 },
  { column: 'local', title: 'Local address', hint: 'Address of this end', track: 'minmax(110px,1.3fr)', min: 110, drop: 2 },
  { column: 'lport', title: 'Port', hint: 'Local port', right: true, track: '58px', min: 58, drop: 0 },
  { column: 'lservice', title: 'Service', hint: "The local port's name in the dictionary, for listeners and the connections they accepted", track: 'minmax(64px,0.8fr)', min: 64, drop: 5 },
  { column: 'remote', title: 'Remote address', hint: 'Address of the other end (its name when reverse DNS is on)', track: 'minmax(110px,1.3fr)', min: 110, drop: 0 },
  { column: 'rport', title: 'Port', hint: 'Remote port', right: true, track: '58px', min: 58, drop: 0 },
  { column: 'rservice', title: 'Service', hint: "The remote port's name in the dictionary, for connections this machine opened", track: 'minmax(64px,0.8fr)', min: 64, drop: 5 },
  { column: 'state', title: 'State', hint: 'TCP state; UDP: UNCONN or ESTABLISHED (connected)', track: '100px', min: 100, drop: 1 },
  { column: 'pid', title: 'PID', hint: 'Owning process id', right: true, track: '62px', min: 62, drop: 4 },
  { column: 'process', title: 'Process', hint: 'Owning process', track: 'minmax(90px,1fr)', min: 90, drop: 0 },
  { column: 'user', title: 'User', hint: 'Owner of the process', track: '70px', min: 70, drop: 6 },
  { column: 'rx', title: 'Rx-Q', hint: 'Bytes received, not yet read by the program', right: true, track: '48px', min: 48, drop: 7 },
  { column: 'tx', title: 'Tx-Q', hint: 'Bytes sent, not yet acknowledged by the peer', right: true, track: '48px', min: 48, drop: 7 },
  { column: 'range', title: 'Range', hint: "The local port's range: ephemeral (client) when the OS picked it from this machine's range for an outgoing connection, else IANA's category", track: '128px', min: 128, drop: 8 },
];

/** The columns that fit `width` px (all of them when the width is not known yet). */
export function fitColumns(width: number, columns: readonly ColumnSpec[] = SOCKET_COLUMNS): ColumnSpec[] {
  let kept = [...columns];
  if (width <= 0) return kept;
  const need = (list: ColumnSpec[]) => list.reduce((sum, c) => sum + c.min, 0);
  const levels = [...new Set(columns.map((c) => c.drop).filter((d) => d > 0))].sort((a, b) => b - a);
  for (const level of levels) {
    if (need(kept) <= width) break;
    kept = kept.filter((c) => c.drop !== level);
  }
  return kept;
}
