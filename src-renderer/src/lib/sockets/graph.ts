/**
 * The who-talks-to-whom picture as data (issue 15.3): processes here and remote hosts as nodes,
 * connections as edges weighted by their rate. Pairs between the same two nodes make one edge
 * that keeps their ids (clicking it selects them). To stay readable with hundreds of pairs, idle
 * edges can be hidden, past `maxProcesses` process nodes processes of one name merge into one, and
 * past `maxHosts` host nodes remote hosts merge by network (IPv4 /24, IPv6 /64).
 */
import { bigIntToIpv6, ipv6ToBigInt, isIPv4 } from '../../../../src-main/contract/ip-address.js';
import { pairSocketIds, plainAddress } from '../../../../src-main/contract/socket-pairs.js';
import type { PairEnd, SocketPair, SocketRow } from '../../../../src-main/contract/sockets.js';

/** A node: a process here (or all processes of one name, when clustered), or a remote host. */
export interface GraphNode {
  id: string;
  kind: 'process' | 'host';
  label: string;
  /** Bytes per second over all its edges. */
  rate: number;
}

/** All pairs from one node (the clients' side) to another (the servers' side). */
export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  /** Bytes per second, both directions, summed over its pairs. */
  rate: number;
  pairIds: string[];
  /** The socket rows of its pairs here: what selecting the edge selects. */
  socketIds: string[];
}

export interface GraphOptions {
  /** Leave out edges with no bytes moving now (and the nodes left without an edge). */
  hideIdle: boolean;
  /** Past this many process nodes, processes merge by name. */
  maxProcesses: number;
  /** Past this many remote hosts, hosts merge by network (none merge when left out). */
  maxHosts?: number;
}

/** The network a remote host is grouped in: "192.0.2.0/24", "2001:db8:0:1::/64"; the address itself when neither. */
export function hostNetwork(address: string): string {
  const a = plainAddress(address);
  if (isIPv4(a)) return `${a.split('.').slice(0, 3).join('.')}.0/24`;
  const n = ipv6ToBigInt(a.split('%')[0]!);
  return n === undefined ? a : `${bigIntToIpv6((n >> 64n) << 64n)}/64`;
}

/** Bytes per second of one socket here (both directions), or 0 when unknown. */
export type RateOf = (socketId: string) => number;

const processKey = (end: PairEnd) => (end.pid !== null ? `pid:${end.pid}` : 'pid:?');
const processLabel = (end: PairEnd) => (end.pid !== null ? `${end.process ?? '?'} (${end.pid})` : 'owner not visible');

/** Builds the graph of `pairs`; nodes and edges busiest first. */
export function buildGraph(pairs: readonly SocketPair[], rateOf: RateOf, options: GraphOptions): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const pids = new Set<string>();
  for (const p of pairs) for (const end of [p.client, p.server]) if (end.here) pids.add(processKey(end));
  const cluster = pids.size > options.maxProcesses;
  const hosts = new Set<string>();
  for (const p of pairs) for (const end of [p.client, p.server]) if (!end.here) hosts.add(plainAddress(end.address));
  const groupHosts = hosts.size > (options.maxHosts ?? Infinity);
  const nodes = new Map<string, GraphNode>();
  const members = new Map<string, Set<string>>();
  const node = (end: PairEnd): GraphNode => {
    const host = !end.here;
    const address = plainAddress(end.address);
    const hostKey = groupHosts ? hostNetwork(address) : address;
    const id = host ? `host:${hostKey}` : cluster && end.process ? `name:${end.process}` : processKey(end);
    let n = nodes.get(id);
    if (!n) nodes.set(id, (n = { id, kind: host ? 'host' : 'process', label: host ? hostKey : cluster && end.process ? end.process : processLabel(end), rate: 0 }));
    if (host && groupHosts) {
      const set = members.get(id) ?? new Set<string>();
      members.set(id, set.add(address));
    }
    return n;
  };
  const edges = new Map<string, GraphEdge>();
  for (const pair of pairs) {
    const socketIds = pairSocketIds(pair);
    // Both ends here count the same bytes twice (one's sent is the other's received): the client's only.
    const rate = socketIds.length ? rateOf(socketIds[0]!) : 0;
    if (options.hideIdle && rate <= 0) continue;
    const from = node(pair.client);
    const to = node(pair.server);
    const id = `${from.id}>${to.id}`;
    let e = edges.get(id);
    if (!e) edges.set(id, (e = { id, from: from.id, to: to.id, rate: 0, pairIds: [], socketIds: [] }));
    e.rate += rate;
    e.pairIds.push(pair.id);
    e.socketIds.push(...socketIds);
    from.rate += rate;
    if (to !== from) to.rate += rate;
  }
  // A network's label says how many hosts it holds: "192.0.2.0/24 (12 hosts)".
  for (const [id, set] of members) if (set.size > 1) nodes.get(id)!.label += ` (${set.size} hosts)`;
  const byRate = <T extends { rate: number; id: string }>(a: T, b: T) => b.rate - a.rate || a.id.localeCompare(b.id);
  return { nodes: [...nodes.values()].sort(byRate), edges: [...edges.values()].sort(byRate) };
}

/**
 * Where a socket is in a built graph: the edge holding it (its pair), or for a socket on no edge
 * (a listener, or a connection the graph leaves out) the node of its process when it has one,
 * by pid or, when processes are merged, by name.
 */
export function graphPlaceOf(
  graph: { nodes: readonly GraphNode[]; edges: readonly GraphEdge[] },
  socketId: string,
  row?: Pick<SocketRow, 'pid' | 'process'>,
): { edge?: GraphEdge; node?: string } {
  const edge = graph.edges.find((e) => e.socketIds.includes(socketId));
  if (edge) return { edge };
  if (row?.pid === undefined) return {};
  const ids = [`pid:${row.pid}`, ...(row.process ? [`name:${row.process}`] : [])];
  return { node: graph.nodes.find((n) => ids.includes(n.id))?.id };
}

/** Where a node is drawn. */
export interface Placed extends GraphNode {
  x: number;
  y: number;
}

/**
 * Places processes in a column on the left and remote hosts in one on the right, busiest at the
 * top, so that edges between them read left to right; at most `limit` nodes per column.
 */
export function placeNodes(nodes: readonly GraphNode[], width: number, rowHeight: number, limit: number): Placed[] {
  const placed: Placed[] = [];
  for (const [kind, x] of [['process', width * 0.28], ['host', width * 0.72]] as const) {
    nodes
      .filter((n) => n.kind === kind)
      .slice(0, limit)
      .forEach((n, i) => placed.push({ ...n, x, y: rowHeight * (i + 0.5) }));
  }
  return placed;
}

/**
 * An SVG path for an edge: a curve from left to right; between two processes (same column) bowed
 * to the right, away from their labels; a process talking to itself, a loop on its right.
 */
export function edgePath(a: { x: number; y: number }, b: { x: number; y: number }): string {
  if (a.x === b.x && a.y === b.y) return `M ${a.x} ${a.y} C ${a.x + 60} ${a.y - 26}, ${a.x + 60} ${a.y + 26}, ${a.x} ${a.y}`;
  if (a.x === b.x) {
    const bow = 40 + Math.abs(b.y - a.y) / 4;
    return `M ${a.x} ${a.y} C ${a.x + bow} ${a.y}, ${b.x + bow} ${b.y}, ${b.x} ${b.y}`;
  }
  const mid = (a.x + b.x) / 2;
  return `M ${a.x} ${a.y} C ${mid} ${a.y}, ${mid} ${b.y}, ${b.x} ${b.y}`;
}

/** Stroke width of an edge: 1 px idle, growing with the log of its rate, at most 8 px. */
export function edgeWidth(rate: number): number {
  return rate <= 0 ? 1 : Math.min(8, 1.5 + Math.log10(1 + rate) * 0.9);
}
