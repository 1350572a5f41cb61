/**
 * Grouping of the shown rows by process or by port. Grouping by port puts each listening port
 * with the connections it serves and, when both ends are on this machine, their client halves:
 * one port multiplexing many socket pairs.
 */
import type { SocketRow } from '../../../../src-main/contract/sockets.js';
import { isListening } from './filter.js';
import type { Grouping } from './options.js';
import type { Entry } from './table.js';

/** A group's header row. */
export interface GroupHeader {
  readonly kind: 'group';
  readonly key: string;
  readonly label: string;
  /** The port of a port group. */
  readonly port?: number;
  readonly pid?: number;
  readonly count: number;
  readonly listening: number;
  /** Connections accepted on the group's port (port groups) or open connections (process groups). */
  readonly connections: number;
  /** Connections whose other half is on this machine too. */
  readonly pairs: number;
  readonly collapsed: boolean;
}

/** A line of the table: a socket row or a group header. */
export type Line = Entry | GroupHeader;

/** True for group headers. */
export const isHeader = (line: Line): line is GroupHeader => 'kind' in line;

const family = (row: SocketRow) => (row.proto.startsWith('tcp') ? 'tcp' : 'udp');

/** A listening row's key in the set of ports listened on: "tcp|8080" (either IP family). */
export const listeningKey = (row: SocketRow): string => `${family(row)}|${row.localPort}`;

/** Ports listened on, as "tcp|8080" (either IP family), from every row of the table. */
export function listeningPorts(rows: Iterable<SocketRow>): Set<string> {
  const out = new Set<string>();
  for (const row of rows) if (isListening(row)) out.add(listeningKey(row));
  return out;
}

/**
 * The port a row belongs to: its local port when something listens there; the remote port for
 * the client half of a local pair whose server listens here; otherwise its own local port.
 */
export function servicePort(row: SocketRow, listening: ReadonlySet<string>): number {
  if (listening.has(`${family(row)}|${row.localPort}`)) return row.localPort;
  if (row.pairId && listening.has(`${family(row)}|${row.remotePort}`)) return row.remotePort;
  return row.localPort;
}

function processKey(row: SocketRow): string {
  return row.pid === undefined ? '~' : `${(row.process ?? '').toLowerCase()}\u0000${String(row.pid).padStart(10, '0')}`;
}

/** The key of the group a row is in ("port:8080", "process:1234"): what collapsing a group keeps. */
export function groupKey(row: SocketRow, by: Exclude<Grouping, 'none'>, listening: ReadonlySet<string>): string {
  return by === 'port' ? `port:${servicePort(row, listening)}` : `process:${row.pid ?? 'unknown'}`;
}

/**
 * Splits sorted rows into groups (each keeps the rows' order) with a header before each; rows of
 * collapsed groups are left out. Groups are ordered by port number, or by process name then pid
 * (sockets whose owner is not visible come last).
 */
export function groupLines(
  rows: readonly Entry[],
  by: Exclude<Grouping, 'none'>,
  listening: ReadonlySet<string>,
  collapsed: ReadonlySet<string>,
  serviceName: (port: number) => string | undefined = () => undefined,
): Line[] {
  const groups = new Map<string, Entry[]>();
  const sortKey = new Map<string, string | number>();
  for (const e of rows) {
    const key = groupKey(e.row, by, listening);
    sortKey.set(key, by === 'port' ? servicePort(e.row, listening) : processKey(e.row));
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(e);
  }
  const keys = [...groups.keys()].sort((a, b) => {
    const ka = sortKey.get(a)!;
    const kb = sortKey.get(b)!;
    return typeof ka === 'number' && typeof kb === 'number' ? ka - kb : String(ka) < String(kb) ? -1 : String(ka) > String(kb) ? 1 : 0;
  });
  const out: Line[] = [];
  for (const key of keys) {
    const list = groups.get(key)!;
    const live = list.filter((e) => e.mark !== 'removed');
    const first = list[0]!.row;
    const listeners = live.filter((e) => isListening(e.row)).length;
    let connections: number;
    let pairs: number;
    let label: string;
    let port: number | undefined;
    if (by === 'port') {
      port = sortKey.get(key) as number;
      const served = live.filter((e) => !isListening(e.row) && e.row.localPort === port);
      connections = served.length;
      pairs = served.filter((e) => e.row.pairId).length;
      const name = serviceName(port);
      label = name ? `${port} · ${name}` : String(port);
    } else {
      const open = live.filter((e) => !isListening(e.row));
      connections = open.length;
      pairs = open.filter((e) => e.row.pairId).length;
      label = first.pid === undefined ? 'Owner not visible' : `${first.process ?? 'unknown process'} (pid ${first.pid})`;
    }
    const isCollapsed = collapsed.has(key);
    out.push({
      kind: 'group',
      key,
      label,
      port,
      pid: by === 'process' ? first.pid : undefined,
      count: live.length,
      listening: listeners,
      connections,
      pairs,
      collapsed: isCollapsed,
    });
    if (!isCollapsed) out.push(...list);
  }
  return out;
}
