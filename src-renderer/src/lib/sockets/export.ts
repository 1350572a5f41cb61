/** The socket table as text: CSV and JSON exports, and one row as a line to copy. */
import type { SocketRow } from '../../../../src-main/contract/sockets.js';

/** What an export adds to each row: names from the dictionary and reverse DNS, when known. */
export interface ExportNames {
  serviceName(port: number): string | undefined;
  hostName(address: string): string | undefined;
}

const CSV_COLUMNS = [
  'proto',
  'localAddress',
  'localPort',
  'localService',
  'remoteAddress',
  'remoteHost',
  'remotePort',
  'remoteService',
  'state',
  'pid',
  'process',
  'user',
  'rxQueue',
  'txQueue',
  'pairId',
  'ownedBy',
] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break (quotes doubled).
 * Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading
 * apostrophe, since any local user can name a process "=HYPERLINK(…)".
 */
export function csvField(value: string | number | undefined | null): string {
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function record(row: SocketRow, names: ExportNames) {
  return {
    proto: row.proto,
    localAddress: row.localAddress,
    localPort: row.localPort,
    localService: names.serviceName(row.localPort),
    remoteAddress: row.remoteAddress,
    remoteHost: names.hostName(row.remoteAddress),
    remotePort: row.remotePort,
    remoteService: row.remotePort ? names.serviceName(row.remotePort) : undefined,
    state: row.state,
    pid: row.pid,
    process: row.process,
    user: row.user,
    rxQueue: row.rxQueue,
    txQueue: row.txQueue,
    pairId: row.pairId,
    ownedBy: row.ownedBy,
  };
}

/** The rows as CSV with a header line, CRLF line ends (RFC 4180). */
export function toCsv(rows: readonly SocketRow[], names: ExportNames): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of rows) {
    const r = record(row, names);
    lines.push(CSV_COLUMNS.map((c) => csvField(r[c])).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

/** The rows as a JSON array (fields left out where unknown). */
export function toJson(rows: readonly SocketRow[], names: ExportNames): string {
  return JSON.stringify(rows.map((row) => record(row, names)), null, 2) + '\n';
}

const endpoint = (address: string, port: number) => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

/** ss's names of TCP states (ss prints ESTAB, TIME-WAIT... where /proc says ESTABLISHED, TIME_WAIT). */
const SS_STATES: Record<string, string> = {
  ESTABLISHED: 'ESTAB',
  SYN_SENT: 'SYN-SENT',
  SYN_RECV: 'SYN-RECV',
  NEW_SYN_RECV: 'SYN-RECV',
  FIN_WAIT1: 'FIN-WAIT-1',
  FIN_WAIT2: 'FIN-WAIT-2',
  TIME_WAIT: 'TIME-WAIT',
  CLOSE_WAIT: 'CLOSE-WAIT',
  LAST_ACK: 'LAST-ACK',
  CLOSE: 'UNCONN',
};

const isV6 = (row: SocketRow) => row.proto.endsWith('6');
/** The any-address of the row's family, as the peer of a socket that has none. */
const anyAddress = (row: SocketRow) => (isV6(row) ? '::' : '0.0.0.0');

/**
 * One row as `ss -tuanp` prints it: Netid, State, Recv-Q, Send-Q, local and peer address:port,
 * and the process as `users:(("name",pid=N))` (ss adds fd=, which Portolan does not read).
 */
export function ssLine(row: SocketRow): string {
  const peer = row.remotePort === 0 ? (isV6(row) ? '[::]:*' : '0.0.0.0:*') : endpoint(row.remoteAddress, row.remotePort);
  const users = row.pid !== undefined ? [`users:(("${row.process ?? '?'}",pid=${row.pid}))`] : [];
  const state = row.proto.startsWith('udp') && row.state === 'ESTABLISHED' ? 'ESTAB' : (SS_STATES[row.state] ?? row.state);
  return [row.proto.slice(0, 3), state, row.rxQueue, row.txQueue, endpoint(row.localAddress, row.localPort), peer, ...users].join(' ');
}

/**
 * One row as `netstat -tuanp` prints it: Proto, Recv-Q, Send-Q, local and foreign address (IPv6
 * without brackets), State (empty for an unconnected UDP socket), PID/Program name ("-" when unknown).
 */
export function netstatLine(row: SocketRow): string {
  const at = (address: string, port: number | '*') => `${address}:${port}`;
  const foreign = row.remotePort === 0 ? at(anyAddress(row), '*') : at(row.remoteAddress, row.remotePort);
  const state = row.proto.startsWith('udp') ? (row.state === 'ESTABLISHED' ? 'ESTABLISHED' : '') : row.state;
  const owner = row.pid !== undefined ? `${row.pid}/${row.process ?? '?'}` : '-';
  return [row.proto, row.rxQueue, row.txQueue, at(row.localAddress, row.localPort), foreign, state, owner].filter((f) => f !== '').join(' ');
}

/** A file name for an export made now: portolan-sockets-2025-01-31T12-00-00.csv. */
export function exportFileName(ext: 'csv' | 'json', now = new Date()): string {
  return `portolan-sockets-${now.toISOString().slice(0, 19).replace(/:/g, '-')}.${ext}`;
}
