/**
 * The socket table seen as pairs: each connection once, with its client end and its server end,
 * and each listener with the pairs it accepted. Pure and free of zod and Node, so that the CLI
 * (through the app) and the renderer (on its live rows, every tick) pair sockets the same way.
 */
import type { PairEnd, PairListener, SocketPair, SocketRow } from './sockets.js';

import { plainAddress } from './net-notes.js';

export { plainAddress };

/** TCP listeners and unconnected UDP sockets: the sockets that wait for peers. */
export function isListenerRow(row: Pick<SocketRow, 'state' | 'remotePort'>): boolean {
  return row.state === 'LISTEN' || (row.state === 'UNCONN' && row.remotePort === 0);
}

const family = (row: Pick<SocketRow, 'proto'>) => (row.proto.startsWith('tcp') ? 'tcp' : 'udp');

/** Finds the listener that accepts connections to a local address and port. */
class ListenerIndex {
  private readonly byPort = new Map<string, SocketRow[]>();

  constructor(rows: Iterable<SocketRow>) {
    for (const row of rows) {
      if (!isListenerRow(row)) continue;
      const key = `${family(row)}|${row.localPort}`;
      const list = this.byPort.get(key);
      if (list) list.push(row);
      else this.byPort.set(key, [row]);
    }
  }

  /**
   * The listener behind a connection's local end: one bound to that very address first, then one
   * on the wildcard address (0.0.0.0 takes IPv4 only; :: takes both unless IPV6_V6ONLY, which
   * /proc does not show), preferring the process that holds the connection.
   */
  find(end: Pick<SocketRow, 'proto' | 'localAddress' | 'localPort' | 'pid'>): SocketRow | undefined {
    const list = this.byPort.get(`${family(end)}|${end.localPort}`);
    if (!list) return undefined;
    const address = plainAddress(end.localAddress);
    const ipv4 = !address.includes(':');
    let best: SocketRow | undefined;
    let bestScore = 0;
    for (const l of list) {
      const la = plainAddress(l.localAddress);
      let score = la === address ? 4 : la === '::' || (la === '0.0.0.0' && ipv4) || la === '*' ? 2 : 0;
      if (!score) continue;
      if (l.pid !== undefined && l.pid === end.pid) score++;
      if (score > bestScore) {
        best = l;
        bestScore = score;
      }
    }
    return best;
  }
}

/** A socket row's own end. */
function localEnd(row: SocketRow): PairEnd {
  return {
    address: row.localAddress,
    port: row.localPort,
    pid: row.pid ?? null,
    process: row.process ?? null,
    user: row.user ?? null,
    here: true,
    socketId: row.id,
  };
}

/** The far end of a row whose peer is not a socket of this machine (or is gone): a host. */
function remoteEnd(row: SocketRow): PairEnd {
  return { address: row.remoteAddress, port: row.remotePort, pid: null, process: null, user: null, here: false, socketId: null };
}

/** Listeners and pairs of a socket table. */
export interface PairedTable {
  /** Listeners, in the rows' order, each with how many pairs it accepted. */
  listeners: PairListener[];
  /** Every connection once, in the rows' order (of its first row). */
  pairs: SocketPair[];
}

/**
 * Pairs the rows of a socket table. Rows linked by `pairId` (both ends here) make one pair whose
 * server is the end a listener accepted on; a connection with one end here makes a pair with the
 * remote end as a host, the end here being the server when a listener of this machine accepted
 * it and the client otherwise. Listening sockets are not pairs; they head the pairs they accepted.
 */
export function pairRows(rows: readonly SocketRow[]): PairedTable {
  const listeners = new ListenerIndex(rows);
  const byId = new Map<string, SocketRow>();
  for (const row of rows) if (row.pairId) byId.set(row.id, row);
  const pairs: SocketPair[] = [];
  const counts = new Map<string, number>();
  const done = new Set<string>();
  for (const row of rows) {
    if (isListenerRow(row) || row.remotePort === 0 || done.has(row.id)) continue;
    const other = row.pairId ? byId.get(row.pairId) : undefined;
    let pair: SocketPair;
    if (other && other.pairId === row.id) {
      done.add(other.id);
      const rowListener = listeners.find(row);
      const otherListener = listeners.find(other);
      // The server is the end a listener accepted on; with both or neither (a listener that has
      // since closed, or two listeners on each other's ports), the lower port is the likelier one.
      const rowIsServer = rowListener && !otherListener ? true : otherListener && !rowListener ? false : row.localPort < other.localPort;
      const server = rowIsServer ? row : other;
      const client = rowIsServer ? other : row;
      pair = {
        id: client.id,
        proto: client.proto,
        state: client.state,
        bothHere: true,
        client: localEnd(client),
        server: localEnd(server),
        listenerId: (rowIsServer ? rowListener : otherListener)?.id ?? null,
      };
    } else {
      const listener = listeners.find(row);
      pair = {
        id: row.id,
        proto: row.proto,
        state: row.state,
        bothHere: false,
        client: listener ? remoteEnd(row) : localEnd(row),
        server: listener ? localEnd(row) : remoteEnd(row),
        listenerId: listener?.id ?? null,
      };
    }
    if (pair.listenerId) counts.set(pair.listenerId, (counts.get(pair.listenerId) ?? 0) + 1);
    pairs.push(pair);
  }
  const heads: PairListener[] = [];
  for (const row of rows) {
    if (!isListenerRow(row)) continue;
    heads.push({
      id: row.id,
      proto: row.proto,
      address: row.localAddress,
      port: row.localPort,
      pid: row.pid ?? null,
      process: row.process ?? null,
      user: row.user ?? null,
      pairs: counts.get(row.id) ?? 0,
    });
  }
  return { listeners: heads, pairs };
}

/** The ids of a pair's socket rows on this machine (one or two). */
export function pairSocketIds(pair: SocketPair): string[] {
  const ids: string[] = [];
  if (pair.client.socketId) ids.push(pair.client.socketId);
  if (pair.server.socketId) ids.push(pair.server.socketId);
  return ids;
}

/** "nginx:443", "pid 812:443", "not visible:443" for an end here; "93.184.216.34:443" for a host. */
export function endLabel(end: PairEnd, hostName?: string): string {
  if (!end.here) {
    const host = hostName ?? end.address;
    return host.includes(':') ? `[${host}]:${end.port}` : `${host}:${end.port}`;
  }
  return `${endOwner(end)}:${end.port}`;
}

/** Who holds an end here: its process name, else "pid N", else "not visible" (another user's). */
export function endOwner(end: Pick<PairEnd, 'process' | 'pid'>): string {
  return end.process ?? (end.pid !== null ? `pid ${end.pid}` : 'not visible');
}

/** The words of a listener's head line: "nginx :443 — 37 pairs". */
export function listenerLabel(l: Pick<PairListener, 'process' | 'pid' | 'port' | 'pairs'>): string {
  const who = l.process ?? (l.pid !== null ? `pid ${l.pid}` : 'owner not visible');
  return `${who} :${l.port} — ${l.pairs} ${l.pairs === 1 ? 'pair' : 'pairs'}`;
}
