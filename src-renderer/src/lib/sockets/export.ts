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

/** One row as `ss` would print it: proto, state, queues, both endpoints, process. */
export function rowLine(row: SocketRow): string {
  const owner = row.pid !== undefined ? `${row.process ?? '?'}(pid=${row.pid})${row.user ? ` user=${row.user}` : ''}` : 'owner not visible';
  const remote = row.remotePort === 0 ? '*:*' : endpoint(row.remoteAddress, row.remotePort);
  return [row.proto, row.state, row.rxQueue, row.txQueue, endpoint(row.localAddress, row.localPort), remote, owner].join('\t');
}

/** A file name for an export made now: portolan-sockets-2025-01-31T12-00-00.csv. */
export function exportFileName(ext: 'csv' | 'json', now = new Date()): string {
  return `portolan-sockets-${now.toISOString().slice(0, 19).replace(/:/g, '-')}.${ext}`;
}
