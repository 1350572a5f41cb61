/**
 * The forwards and their connection logs as plain immutable data: reducers for the engine's
 * events (forwards.changed, forwards.traffic, forwards.connection) that return new values only
 * when something changed, so the state can hold them in $state.raw.
 */
import type { ConnectionInfo, ForwardConnectionEvent, ForwardInfo, ForwardsChanged, ForwardsTraffic } from '../../../../src-main/contract/forwards.js';

/** Upserts changed forwards (new ones at the end, the order the user made them) and drops removed ones. */
export function applyChanged(list: readonly ForwardInfo[], change: ForwardsChanged): ForwardInfo[] {
  const byId = new Map(change.forwards.map((f) => [f.id, f]));
  const removed = new Set(change.removed);
  const next: ForwardInfo[] = [];
  for (const f of list) {
    if (removed.has(f.id)) continue;
    const updated = byId.get(f.id);
    next.push(updated ?? f);
    byId.delete(f.id);
  }
  for (const f of byId.values()) if (!removed.has(f.id)) next.push(f);
  return next;
}

/** Applies live counters; returns the same list when no forward moved. */
export function applyTraffic(list: readonly ForwardInfo[], traffic: ForwardsTraffic): readonly ForwardInfo[] {
  const byId = new Map(traffic.items.map((t) => [t.id, t]));
  let changed = false;
  const next = list.map((f) => {
    const t = byId.get(f.id);
    if (!t || (t.bytesIn === f.bytesIn && t.bytesOut === f.bytesOut && t.active === f.activeConnections)) return f;
    changed = true;
    return { ...f, bytesIn: t.bytesIn, bytesOut: t.bytesOut, activeConnections: t.active };
  });
  return changed ? next : list;
}

/** A forward's connections: open ones (oldest first) and a bounded log of closed ones (newest last). */
export interface ConnectionLog {
  open: readonly ConnectionInfo[];
  closed: readonly ConnectionInfo[];
}

export const EMPTY_LOG: ConnectionLog = { open: [], closed: [] };

/** Closed connections kept per forward (the engine keeps 200 too). */
export const LOG_SIZE = 200;

/** Applies one forwards.connection event. */
export function applyConnection(log: ConnectionLog, event: ForwardConnectionEvent, max = LOG_SIZE): ConnectionLog {
  const c = event.connection;
  const open = log.open.filter((o) => o.id !== c.id);
  if (event.event === 'opened') return { open: [...open, c], closed: log.closed };
  const closed = [...log.closed.filter((o) => o.id !== c.id), c];
  return { open, closed: closed.length > max ? closed.slice(closed.length - max) : closed };
}

/** A log from forwards.connections (the engine's truth, with live bytes of open connections). */
export function logFromList(connections: readonly ConnectionInfo[], max = LOG_SIZE): ConnectionLog {
  const open = connections.filter((c) => c.closedAt === undefined);
  const closed = connections.filter((c) => c.closedAt !== undefined).sort((a, b) => (a.closedAt ?? 0) - (b.closedAt ?? 0));
  return { open, closed: closed.length > max ? closed.slice(closed.length - max) : closed };
}

/** Rows the log table shows at most. */
export const LOG_ROWS = 50;

/**
 * The count beside "Connection log", matching the rows the table lists: "3 open, 6 closed", and
 * "latest 50 of 230" when the table shows fewer than there are.
 */
export function logSummary(log: ConnectionLog, limit = LOG_ROWS): string {
  const total = log.open.length + log.closed.length;
  if (!total) return '';
  const parts = [log.open.length ? `${log.open.length} open` : '', log.closed.length ? `${log.closed.length} closed` : ''].filter(Boolean).join(', ');
  return total > limit ? `latest ${limit} of ${total}: ${parts}` : parts;
}

/** The log's rows newest first (open ones on top), for the table. */
export function logRows(log: ConnectionLog, limit = LOG_ROWS): ConnectionInfo[] {
  return [...log.open].reverse().concat([...log.closed].reverse()).slice(0, limit);
}

/**
 * Closes what a stopped forward left open: the engine closes those sockets when it stops a
 * forward but sends no event for each, so the log moves them to the closed ones itself.
 */
export function closeAll(log: ConnectionLog, at: number, max = LOG_SIZE): ConnectionLog {
  if (!log.open.length) return log;
  const closed = [...log.closed, ...log.open.map((c) => ({ ...c, closedAt: c.closedAt ?? at }))];
  return { open: [], closed: closed.length > max ? closed.slice(closed.length - max) : closed };
}
