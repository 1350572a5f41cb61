/**
 * The Sockets view's pairs mode without any UI: the live table's rows paired (the contract's
 * pairing, the same as `portolan sockets --pairs`), each listener heading the pairs it accepted,
 * then the pairs no listener here accepted; or, sorted as top talkers, every pair busiest first.
 * Filter, toggles and sort are the table's: a pair is shown when one of its rows is, in the place
 * of its first shown row.
 */
import { isListenerRow, pairRows, pairSocketIds } from '../../../../src-main/contract/socket-pairs.js';
import type { PairListener, SocketPair, SocketRow } from '../../../../src-main/contract/sockets.js';
import type { Entry, Mark, SocketTable } from './table.js';

/** A listener heading its pairs. */
export interface ListenerLine {
  readonly kind: 'listener';
  readonly key: string;
  readonly listener: PairListener;
  /** The listener's own entry (its mark: a new or closing listener is highlighted too). */
  readonly entry: Entry;
  /** Open pairs it accepted, and how many of them the filter lets through. */
  readonly pairs: number;
  readonly shownPairs: number;
}

/** The head of the pairs without a listener on this machine. */
export interface SectionLine {
  readonly kind: 'section';
  readonly key: string;
  readonly pairs: number;
}

/** One connection: both ends, highlighted as its rows are. */
export interface PairLine {
  readonly kind: 'pair';
  readonly key: string;
  readonly pair: SocketPair;
  readonly mark: Mark | null;
  readonly markedAt: number;
  readonly seq: number;
  /** Its socket rows (one or two). */
  readonly entries: readonly Entry[];
}

export type PairsLine = ListenerLine | SectionLine | PairLine;

/** The mark of a pair: new when a row is new, closed when every row is, else changed if one is. */
function pairMark(entries: readonly Entry[]): Pick<PairLine, 'mark' | 'markedAt' | 'seq'> {
  let mark: Mark | null = null;
  let markedAt = 0;
  let seq = 0;
  const closed = entries.every((e) => e.mark === 'removed');
  for (const e of entries) {
    seq = Math.max(seq, e.seq);
    if (!e.mark || (e.mark === 'removed' && !closed)) continue;
    if (mark === null || e.mark === 'added' || (mark === 'changed' && e.mark === 'removed')) {
      mark = e.mark;
      markedAt = e.markedAt;
    }
  }
  return { mark, markedAt, seq };
}

/** Lines made before, by pair: a pair whose rows and highlights did not change keeps its line. */
const lines = new WeakMap<SocketPair, PairLine>();

function lineOf(pair: SocketPair, entries: Entry[]): PairLine {
  const before = lines.get(pair);
  if (before && before.entries.length === entries.length && before.entries.every((e, i) => e === entries[i])) return before;
  const line: PairLine = { kind: 'pair', key: `p:${pair.id}`, pair, entries, ...pairMark(entries) };
  lines.set(pair, line);
  return line;
}

/** Where the pairs come from: every connection once, and the listeners (see {@link PairIndex}). */
export interface PairSource {
  all(): Iterable<SocketPair>;
  listeners(): Iterable<SocketRow>;
  /** The pair a socket row is in. */
  pairOf(socketId: string): SocketPair | undefined;
}

/** Pairs every row of the table afresh (what the graph and tests use; pairs mode keeps a {@link PairIndex}). */
export function pairsOf(table: SocketTable): PairSource {
  const rows = [...table.all()].map((e) => e.row);
  const { pairs } = pairRows(rows);
  const of = new Map<string, SocketPair>();
  for (const pair of pairs) for (const id of pairSocketIds(pair)) of.set(id, pair);
  return { all: () => pairs, listeners: () => rows.filter(isListenerRow), pairOf: (id) => of.get(id) };
}

/**
 * The lines of pairs mode. `shown` is the table's filtered, sorted rows; the pairing itself reads
 * every row (a filter that shows one half must not break the pair). One pass over the shown rows
 * puts each pair where its first shown row is, and each listener where it or its first shown pair
 * is: no sort, no map of places.
 */
export function pairLines(table: SocketTable, shown: readonly Entry[], talkers?: (pair: SocketPair) => number, source: PairSource = pairsOf(table)): PairsLine[] {
  const heads = new Map<string, PairLine[]>();
  const unheaded: PairLine[] = [];
  const done = new Set<string>();
  for (const e of shown) {
    const row = e.row;
    if (isListenerRow(row)) {
      if (!heads.has(row.id)) heads.set(row.id, []);
      continue;
    }
    const pair = source.pairOf(row.id);
    if (!pair || done.has(pair.id)) continue;
    done.add(pair.id);
    const line = lineOf(pair, pairSocketIds(pair).map((id) => table.get(id)!));
    if (!pair.listenerId) {
      unheaded.push(line);
      continue;
    }
    let under = heads.get(pair.listenerId);
    if (!under) heads.set(pair.listenerId, (under = []));
    under.push(line);
  }

  if (talkers) return topTalkers([...heads.values()].flat().concat(unheaded), talkers);

  // Open pairs per listener, shown or not ("nginx :443 — 37 pairs" counts them all).
  const open = new Map<string, number>();
  for (const pair of source.all()) {
    if (!pair.listenerId || !heads.has(pair.listenerId)) continue;
    if (pairSocketIds(pair).every((id) => table.get(id)?.mark === 'removed')) continue;
    open.set(pair.listenerId, (open.get(pair.listenerId) ?? 0) + 1);
  }
  const out: PairsLine[] = [];
  for (const [id, under] of heads) {
    const entry = table.get(id)!;
    const count = open.get(id) ?? 0;
    out.push({ kind: 'listener', key: `l:${id}`, listener: { ...listenerOf(entry.row), pairs: count }, entry, pairs: count, shownPairs: under.length });
    for (const line of under) out.push(line);
  }
  if (unheaded.length) {
    out.push({ kind: 'section', key: 'section:unheaded', pairs: unheaded.length });
    for (const line of unheaded) out.push(line);
  }
  return out;
}

/** Top talkers: every shown pair, busiest first (rate both ways now), then by place. */
function topTalkers(lines: PairLine[], rate: (pair: SocketPair) => number): PairsLine[] {
  const rated = lines.map((line, at) => ({ line, rate: rate(line.pair), at }));
  rated.sort((a, b) => b.rate - a.rate || a.at - b.at);
  return rated.map((r) => r.line);
}

/** A listener row as the head of its pairs (the count is filled in by the caller). */
function listenerOf(row: SocketRow): PairListener {
  return { id: row.id, proto: row.proto, address: row.localAddress, port: row.localPort, pid: row.pid ?? null, process: row.process ?? null, user: row.user ?? null, pairs: 0 };
}

/** The socket row a line stands for when selected (null: a section head, not a socket). */
export function lineSocketId(line: PairsLine, selectedId: string | null): string | null {
  if (line.kind === 'listener') return line.listener.id;
  if (line.kind === 'section') return null;
  const ids = pairSocketIds(line.pair);
  return selectedId !== null && ids.includes(selectedId) ? selectedId : line.pair.id;
}

/** True when the line shows the socket row `id` (a pair shows both its halves). */
export function lineHolds(line: PairsLine, id: string): boolean {
  if (line.kind === 'listener') return line.listener.id === id;
  if (line.kind === 'section') return false;
  return line.pair.client.socketId === id || line.pair.server.socketId === id;
}
