/**
 * The listeners and sessions the engine reports, as the view keeps them: whole state from
 * `listeners.list`, then `sessions.changed` applied as a reducer (no mutation: new maps each time).
 */
import type { ListenerInfo, SessionInfo, SessionsChanged, SessionsState } from '../../../../src-main/contract/sessions.js';

export interface SessionsModel {
  readonly listeners: ReadonlyMap<string, ListenerInfo>;
  readonly sessions: ReadonlyMap<string, SessionInfo>;
}

export const EMPTY_MODEL: SessionsModel = { listeners: new Map(), sessions: new Map() };

/** The model of a whole state (after `listeners.list`). */
export function fromState(state: SessionsState): SessionsModel {
  return { listeners: new Map(state.listeners.map((l) => [l.id, l])), sessions: new Map(state.sessions.map((s) => [s.id, s])) };
}

/** Applies one `sessions.changed`: upserts what is given whole, then removes what is gone. */
export function applyChanged(model: SessionsModel, change: SessionsChanged): SessionsModel {
  const listeners = new Map(model.listeners);
  const sessions = new Map(model.sessions);
  for (const l of change.listeners) listeners.set(l.id, l);
  for (const s of change.sessions) sessions.set(s.id, s);
  for (const id of change.removedListeners) listeners.delete(id);
  for (const id of change.removedSessions) sessions.delete(id);
  return { listeners, sessions };
}

/** True for sessions whose bytes go to a console (interactive and banner peers, client sessions). */
export function hasConsole(s: SessionInfo): boolean {
  return s.kind === 'client' || s.responder === 'interactive' || s.responder === 'banner';
}

/** A listener and its peers, for the list. */
export interface ListenerGroup {
  listener: ListenerInfo;
  peers: SessionInfo[];
}

/** The list: listeners (oldest first) with their peers (open ones first), connections, and peers of closed listeners. */
export function groupModel(model: SessionsModel): { groups: ListenerGroup[]; clients: SessionInfo[]; orphans: SessionInfo[] } {
  const byListener = new Map<string, SessionInfo[]>();
  const clients: SessionInfo[] = [];
  const orphans: SessionInfo[] = [];
  const order = (a: SessionInfo, b: SessionInfo) => Number(a.state === 'closed') - Number(b.state === 'closed') || a.openedAt - b.openedAt;
  for (const s of model.sessions.values()) {
    if (s.kind === 'client') clients.push(s);
    else if (s.listenerId && model.listeners.has(s.listenerId)) {
      const list = byListener.get(s.listenerId) ?? [];
      list.push(s);
      byListener.set(s.listenerId, list);
    } else orphans.push(s);
  }
  const groups = [...model.listeners.values()]
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((listener) => ({ listener, peers: (byListener.get(listener.id) ?? []).sort(order) }));
  return { groups, clients: clients.sort(order), orphans: orphans.sort(order) };
}
