/**
 * Parses Windows' `netstat -ano` and `tasklist /fo csv /nh`.
 *
 *   Active Connections
 *
 *     Proto  Local Address          Foreign Address        State           PID
 *     TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1044
 *     TCP    [::1]:49664            [::1]:52400            ESTABLISHED     812
 *     UDP    0.0.0.0:5353           *:*                                    2168
 *
 * The title and the headers are translated on localized Windows (and so may be the state names),
 * so lines are recognised by their shape: a protocol, two endpoints, a state for TCP, and a PID.
 * netstat shows no queues and no users; TIME_WAIT sockets belong to PID 0 (no process).
 */
import type { SocketProto, SocketRow } from '../../contract/index.js';
import { linkPairs, socketId } from './identity.js';
import { anyAddress, parseEndpoint, tcpStateName, uniqueId } from './lsof-parser.js';

/** PID -> image name, from `tasklist /fo csv /nh`: "svchost.exe","1044","Services","0","14,220 K". */
export function parseTasklist(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split('\n')) {
    const fields = csvFields(line.trim());
    const pid = fields[1];
    if (fields.length < 2 || !fields[0] || !pid || !/^\d+$/.test(pid)) continue;
    names.set(Number(pid), fields[0]);
  }
  return names;
}

/** The fields of one CSV line whose fields are all quoted (tasklist quotes every field). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  const field = /"((?:[^"]|"")*)"(?:,|$)/y;
  for (let m = field.exec(line); m; m = field.exec(line)) {
    fields.push(m[1]!.replaceAll('""', '"'));
    if (field.lastIndex >= line.length) break;
  }
  return fields;
}

/**
 * Parses `netstat -ano` into socket rows with ids and socket pairs linked; `names` gives the
 * process name of each PID (from parseTasklist). Lines of any other shape are skipped.
 */
export function parseNetstat(text: string, names: ReadonlyMap<number, string> = new Map()): SocketRow[] {
  const rows: SocketRow[] = [];
  const seenIds = new Map<string, number>();
  for (const line of text.split('\n')) {
    const row = parseLine(line.trim(), names);
    if (!row) continue;
    row.id = uniqueId(seenIds, row.id);
    rows.push(row);
  }
  linkPairs(rows);
  return rows;
}

function parseLine(line: string, names: ReadonlyMap<number, string>): SocketRow | undefined {
  const tokens = line.split(/\s+/);
  const kind = /^tcp/i.test(tokens[0] ?? '') ? 'tcp' : /^udp/i.test(tokens[0] ?? '') ? 'udp' : undefined;
  if (!kind || tokens.length < (kind === 'tcp' ? 5 : 4)) return undefined;
  const pidText = tokens[tokens.length - 1]!;
  const local = parseEndpoint(tokens[1]!);
  const remote = parseEndpoint(tokens[2]!);
  if (!local || !remote || !/^\d+$/.test(pidText)) return undefined;

  const written = [local.host, remote.host].find((h) => h !== '*');
  const v6 = written !== undefined && written.includes(':');
  const any = anyAddress(v6);
  const remoteAddress = remote.host === '*' ? any : remote.host;
  let state: string;
  if (kind === 'udp') {
    state = remote.port !== 0 ? 'ESTABLISHED' : 'UNCONN';
  } else {
    const name = tokens.slice(3, -1).join(' ');
    // A translated state name we do not know: a socket with no peer can only be listening.
    state = tcpStateName(name) ?? (remote.port === 0 && (remoteAddress === any || remote.host === '*') ? 'LISTEN' : name.toUpperCase());
  }
  const pid = Number(pidText);
  const process = pid > 0 ? names.get(pid) : undefined;
  const row: SocketRow = {
    id: '',
    proto: `${kind}${v6 ? '6' : ''}` as SocketProto,
    localAddress: local.host === '*' ? any : local.host,
    localPort: local.port,
    remoteAddress,
    remotePort: remote.port,
    state,
    // PID 0 is the System Idle Process: it stands for "no process" (TIME_WAIT, closing sockets).
    ...(pid > 0 ? { pid } : {}),
    ...(process !== undefined ? { process } : {}),
    rxQueue: 0,
    txQueue: 0,
  };
  // netstat shows no socket handle: the owner and the endpoints (stable while the socket lives)
  // name it; an ownerless socket (PID 0) is named by its endpoints alone.
  row.id = socketId(row, pid > 0 ? `${pid}|${row.localAddress}|${row.localPort}|${row.remoteAddress}|${row.remotePort}` : 0);
  return row;
}
