/**
 * Parses lsof's field output (-F, "OUTPUT FOR OTHER PROGRAMS" in lsof(8)) of network files, as
 * macOS prints it for `lsof -nP -iTCP -iUDP -Tqs -FpcLftdPnT`:
 *
 *   p1204            process set: p = PID, c = command, L = login name
 *   cnode
 *   Lalice
 *   f24              file set: f = descriptor, t = type (IPv4/IPv6), d = kernel address of the
 *   tIPv4                      socket, P = protocol, n = name, T = TCP/TPI info (ST=, QR=, QS=)
 *   d0x6a1f3c2e9b8d2406
 *   PTCP
 *   n127.0.0.1:8080->127.0.0.1:50000
 *   TST=ESTABLISHED
 *   TQR=0
 *   TQS=0
 *
 * Every line is one field: its first character names it, the rest is its value. A 'p' line starts
 * a process, an 'f' line starts one of its files. On macOS the type is the socket's family, but a
 * dual-stack IPv6 socket talking IPv4 is printed with IPv4 addresses (lsof's darwin dsock.c); an
 * unspecified address or port is printed "*"; IPv6 addresses are bracketed. UDP sockets have
 * queues but no state.
 */
import type { SocketProto, SocketRow } from '../../contract/index.js';
import { linkPairs, socketId } from './identity.js';

/**
 * TCP state names of BSD (netinet/tcp_fsm.h, as lsof prints them) and of Windows' netstat, written
 * the way Linux (and so the UI) names them.
 */
const STATE_NAMES: Record<string, string> = {
  LISTEN: 'LISTEN',
  LISTENING: 'LISTEN',
  ESTABLISHED: 'ESTABLISHED',
  SYN_SENT: 'SYN_SENT',
  SYN_RCVD: 'SYN_RECV',
  SYN_RECEIVED: 'SYN_RECV',
  SYN_RECV: 'SYN_RECV',
  FIN_WAIT_1: 'FIN_WAIT1',
  FIN_WAIT1: 'FIN_WAIT1',
  FIN_WAIT_2: 'FIN_WAIT2',
  FIN_WAIT2: 'FIN_WAIT2',
  CLOSE_WAIT: 'CLOSE_WAIT',
  CLOSING: 'CLOSING',
  LAST_ACK: 'LAST_ACK',
  TIME_WAIT: 'TIME_WAIT',
  CLOSED: 'CLOSE',
  CLOSE: 'CLOSE',
};

/** A BSD or Windows TCP state name in Linux's spelling, or undefined when the name is not known. */
export function tcpStateName(name: string): string | undefined {
  return STATE_NAMES[name.toUpperCase()];
}

/** One side of a connection as lsof or netstat print it: "*" for an unspecified host or port. */
export interface Endpoint {
  /** The address without brackets, or "*". */
  host: string;
  port: number;
}

/** Splits "127.0.0.1:80", "[::1]:631", "[fe80::1%12]:1900", "*:22" or "*:*"; undefined if malformed. */
export function parseEndpoint(text: string): Endpoint | undefined {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  let host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  const port = portText === '*' ? 0 : /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port <= 65535)) return undefined;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  else if (host.includes(':') || host.includes('[')) return undefined;
  return host ? { host, port } : undefined;
}

/** The unspecified address of a family, standing in for "*". */
export function anyAddress(v6: boolean): string {
  return v6 ? '::' : '0.0.0.0';
}

interface LsofProcess {
  pid: number;
  command?: string;
  login?: string;
}

interface LsofFile {
  fd: string;
  type?: string;
  device?: string;
  protocol?: string;
  name?: string;
  state?: string;
  rxQueue?: number;
  txQueue?: number;
}

/**
 * Parses lsof -F output into socket rows with ids and socket pairs linked. A socket shared by
 * several processes (a listener inherited by forked workers) is listed by lsof once per process
 * with the same kernel address ('d'); it becomes one row owned by the first process listed, as
 * /proc/net gives one row per socket. Lines that are not fields of a TCP or UDP socket are skipped.
 */
export function parseLsof(text: string): SocketRow[] {
  const rows: SocketRow[] = [];
  const seenDevices = new Set<string>();
  const seenIds = new Map<string, number>();
  let owner: LsofProcess | undefined;
  let file: LsofFile | undefined;

  const flush = () => {
    if (owner && file) {
      const shared = file.device ? `${file.protocol}|${file.device}` : undefined;
      if (!shared || !seenDevices.has(shared)) {
        const row = toRow(owner, file);
        if (row) {
          if (shared) seenDevices.add(shared);
          row.id = uniqueId(seenIds, row.id);
          rows.push(row);
        }
      }
    }
    file = undefined;
  };

  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length < 1) continue;
    const value = line.slice(1);
    switch (line[0]) {
      case 'p': {
        flush();
        owner = /^\d+$/.test(value) ? { pid: Number(value) } : undefined;
        break;
      }
      case 'c':
        if (owner && !file) owner.command = value;
        break;
      case 'L':
        if (owner && !file) owner.login = value;
        break;
      case 'f':
        flush();
        file = { fd: value };
        break;
      case 't':
        if (file) file.type = value;
        break;
      case 'd':
        if (file) file.device = value;
        break;
      case 'P':
        if (file) file.protocol = value.toUpperCase();
        break;
      case 'n':
        if (file) file.name = value;
        break;
      case 'T':
        if (file) readTcpInfo(file, value);
        break;
      default:
        break; // other fields (u, a, l, o, ...) are not needed
    }
  }
  flush();
  linkPairs(rows);
  return rows;
}

function readTcpInfo(file: LsofFile, value: string): void {
  const eq = value.indexOf('=');
  if (eq < 0) return;
  const key = value.slice(0, eq);
  const text = value.slice(eq + 1);
  if (key === 'ST') file.state = text;
  else if (key === 'QR' && /^\d+$/.test(text)) file.rxQueue = Number(text);
  else if (key === 'QS' && /^\d+$/.test(text)) file.txQueue = Number(text);
  // Other keys (window sizes, socket options, TCP flags) are not shown.
}

function toRow(owner: LsofProcess, file: LsofFile): SocketRow | undefined {
  const kind = file.protocol === 'TCP' ? 'tcp' : file.protocol === 'UDP' ? 'udp' : undefined;
  if (!kind || !file.name) return undefined;
  // The name is "local", or "local->remote"; drop anything after a space (e.g. " (LISTEN)").
  const name = file.name.split(' ')[0]!;
  const arrow = name.indexOf('->');
  const local = parseEndpoint(arrow < 0 ? name : name.slice(0, arrow));
  const remote = arrow < 0 ? undefined : parseEndpoint(name.slice(arrow + 2));
  if (!local || (arrow >= 0 && !remote)) return undefined;

  // The family of "*": that of a written address of the same socket, else the socket's type.
  const written = [local.host, remote?.host].find((h) => h !== undefined && h !== '*');
  const v6Addresses = written !== undefined ? written.includes(':') : file.type === 'IPv6';
  const v6Socket = file.type === 'IPv6' ? true : file.type === 'IPv4' ? false : v6Addresses;
  const any = anyAddress(v6Addresses);
  const proto = `${kind}${v6Socket ? '6' : ''}` as SocketProto;
  const remoteAddress = remote && remote.host !== '*' ? remote.host : any;
  const remotePort = remote?.port ?? 0;
  const state =
    kind === 'udp'
      ? remotePort !== 0
        ? 'ESTABLISHED'
        : 'UNCONN'
      : file.state
        ? (tcpStateName(file.state) ?? file.state)
        : 'UNKNOWN';

  const row: SocketRow = {
    id: '',
    proto,
    localAddress: local.host === '*' ? any : local.host,
    localPort: local.port,
    remoteAddress,
    remotePort,
    state,
    pid: owner.pid,
    ...(owner.command !== undefined ? { process: owner.command } : {}),
    ...(owner.login !== undefined ? { user: owner.login } : {}),
    rxQueue: file.rxQueue ?? 0,
    txQueue: file.txQueue ?? 0,
  };
  // macOS has no socket inode; the socket's kernel address plays its part ("tcp#0x6a1f..."), or
  // else the owner's PID and descriptor, which stay the same while the socket lives.
  row.id = socketId(row, file.device || `${owner.pid}:${file.fd}`);
  return row;
}

/**
 * Makes an id unique within one reading: a second row with the same id (two sockets of one
 * process on the same endpoints, which some tools cannot tell apart) gets "#2", then "#3"...
 */
export function uniqueId(seen: Map<string, number>, id: string): string {
  const count = (seen.get(id) ?? 0) + 1;
  seen.set(id, count);
  return count === 1 ? id : `${id}#${count}`;
}
