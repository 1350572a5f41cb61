/**
 * The command palette's saved things: forwards, guards, listeners, scan and knock profiles,
 * found by their name (and, for listeners, which have none, by address and port).
 */
import type { ForwardInfo } from '../../../../src-main/contract/forwards.js';
import type { GuardInfo, KnockProfile } from '../../../../src-main/contract/knock.js';
import type { ScanProfile } from '../../../../src-main/contract/scan.js';
import type { ListenerInfo } from '../../../../src-main/contract/sessions.js';
import { routeOf } from '../forwards/format.js';

/** What the palette searches: the lists the app's states hold. */
export interface SavedSources {
  forwards: readonly ForwardInfo[];
  guards: readonly GuardInfo[];
  listeners: readonly ListenerInfo[];
  scanProfiles: readonly ScanProfile[];
  knockProfiles: readonly KnockProfile[];
}

/** One saved thing the palette can go to; `testId` marks its card or row in its view. */
export interface SavedHit {
  kind: 'forward' | 'guard' | 'listener' | 'scan-profile' | 'knock-profile';
  label: string;
  detail: string;
  /** The forward, guard or listener id, or the profile's name (scan) or id (knock). */
  key: string;
  /** The element to scroll to in the target view (forwards, guards, listeners). */
  testId?: string;
}

interface Candidate extends SavedHit {
  /** The text the query is matched against; the name comes first. */
  name: string;
  extra: string;
}

const hostPort = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;

function candidates(s: SavedSources): Candidate[] {
  const out: Candidate[] = [];
  for (const f of s.forwards) {
    const r = routeOf(f.spec, f.boundPort);
    const route = `${hostPort(r.listen.host, r.listen.port)} → ${r.target ? hostPort(r.target.host, r.target.port) : 'SOCKS'}`;
    out.push({ kind: 'forward', label: `Forward: ${f.spec.name}`, detail: `${route} · ${f.state}`, key: f.id, testId: `forward-${f.id}`, name: f.spec.name, extra: route });
  }
  for (const g of s.guards) {
    out.push({ kind: 'guard', label: `Guard: ${g.spec.name}`, detail: `Knock guard, ${g.state}`, key: g.id, testId: `guard-${g.id}`, name: g.spec.name, extra: '' });
  }
  for (const l of s.listeners) {
    const where = `${l.protocol.toUpperCase()} ${hostPort(l.host, l.port)}`;
    const peers = `${l.activePeers} ${l.activePeers === 1 ? 'peer' : 'peers'} connected`;
    out.push({ kind: 'listener', label: `Listener ${where}`, detail: peers, key: l.id, testId: `listener-${l.id}`, name: `listener ${where}`, extra: String(l.port) });
  }
  for (const p of s.scanProfiles) {
    out.push({ kind: 'scan-profile', label: `Scan profile: ${p.name}`, detail: `Fill the scan form: ${p.targets || 'no target'}, ports ${p.ports}`, key: p.name, name: p.name, extra: p.targets });
  }
  for (const p of s.knockProfiles) {
    out.push({ kind: 'knock-profile', label: `Knock profile: ${p.name}`, detail: `Fill the knock form for ${p.host}`, key: p.id, name: p.name, extra: p.host });
  }
  return out;
}

/**
 * The saved things matching the query, best first: names equal to it, then names starting with
 * it, then names containing it, then those where every word appears in the name or route.
 */
export function findSaved(sources: SavedSources, query: string, limit = 8): SavedHit[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const words = q.split(/\s+/);
  const scored: { hit: Candidate; score: number }[] = [];
  for (const c of candidates(sources)) {
    const name = c.name.toLowerCase();
    const all = `${name} ${c.extra.toLowerCase()}`;
    const score = name === q ? 4 : name.startsWith(q) ? 3 : name.includes(q) ? 2 : words.every((w) => all.includes(w)) ? 1 : 0;
    if (score > 0) scored.push({ hit: c, score });
  }
  scored.sort((a, b) => b.score - a.score || a.hit.name.localeCompare(b.hit.name));
  return scored.slice(0, limit).map(({ hit: { name: _name, extra: _extra, ...hit } }) => hit);
}
