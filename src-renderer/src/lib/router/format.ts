/**
 * How the Router view words what the engine reports: the router's name, lease time left, each
 * mapping's state and who keeps it alive, private external addresses (a second NAT), and the
 * engine's "no router answered" sentence split into what was tried.
 */
import type { Mapping, NatProtocol, RouterInfo } from '../../../../src-main/contract/router.js';

/** The protocols' names as people know them. */
export const PROTOCOL_NAMES: Record<NatProtocol, string> = { upnp: 'UPnP IGD', natpmp: 'NAT-PMP', pcp: 'PCP' };

/** The router's name: its UPnP friendly name or model, else its address. */
export function routerName(info: RouterInfo): string {
  const u = info.upnp;
  return u?.friendlyName || u?.modelName || `Router at ${info.gateway}`;
}

/** A duration in seconds, short: "45 s", "12 min 5 s", "3 h 20 min", "2 d 4 h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  if (s < 86400) return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
  return `${Math.floor(s / 86400)} d${Math.floor((s % 86400) / 3600) ? ` ${Math.floor((s % 86400) / 3600)} h` : ''}`;
}

/** The lease left on a mapping at `now` (ms), in words. */
export function leaseLeft(m: Pick<Mapping, 'leaseSeconds' | 'expiresAt' | 'state'>, now: number): string {
  if (m.state === 'removed') return '—';
  if (m.leaseSeconds === 0) return 'permanent';
  if (m.expiresAt === undefined) return `${formatDuration(m.leaseSeconds)} lease`;
  const left = (m.expiresAt - now) / 1000;
  return left <= 0 ? 'expired' : formatDuration(left);
}

/** A mapping's state for the table: a short label, a tone for its colour, and why (when the router said). */
export interface StateText {
  label: string;
  tone: 'ok' | 'busy' | 'bad' | 'warn' | 'gone';
  detail?: string;
}

/** The state of a mapping in words. */
export function stateText(m: Pick<Mapping, 'state' | 'error' | 'note'>): StateText {
  switch (m.state) {
    case 'active':
      return { label: 'active', tone: 'ok', ...(m.note ? { detail: m.note } : {}) };
    case 'renewing':
      // A renewal that failed for silence stays "renewing" and says why it is retrying.
      return { label: 'renewing…', tone: 'busy', ...(m.error ? { detail: m.error.message } : {}) };
    case 'refused':
      return { label: 'refused', tone: 'bad', detail: m.error?.message ?? 'The router refused the mapping.' };
    case 'unverified':
      return { label: 'not listed', tone: 'warn', detail: m.error?.message ?? 'The router accepted the mapping but does not list it.' };
    case 'removed':
      return { label: 'removed', tone: 'gone' };
  }
}

/** Who keeps a mapping alive, in words. */
export function keeper(m: Pick<Mapping, 'ownedByPortolan' | 'leaseSeconds' | 'state' | 'removeOnQuit'>): string {
  if (!m.ownedByPortolan) return 'another program (not renewed by Portolan)';
  if (m.state === 'removed') return 'Portolan';
  const quit = m.removeOnQuit ? '; removed when Portolan quits' : '';
  if (m.state === 'refused') return `Portolan (stopped: the router refused it)${quit}`;
  return m.leaseSeconds === 0 ? `Portolan (permanent: no renewal needed)${quit}` : `Portolan: renewed at half the lease${quit}`;
}

/**
 * Why an external address is not really public, or null when it is: a router whose own WAN
 * address is private sits behind another NAT, so its mappings may not reach the internet.
 */
export function privateAddressNote(address: string | undefined): string | null {
  if (!address) return null;
  const octets = address.split('.').map(Number);
  if (octets.length !== 4 || octets.some((n) => !Number.isInteger(n))) return null;
  const [a, b] = octets as [number, number, number, number];
  const behind = (what: string) =>
    `${address} is ${what}: this router is itself behind another NAT, so a mapping here reaches only that network, not the internet, unless the outer router forwards the port too.`;
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return behind('a private address (RFC 1918)');
  if (a === 100 && b >= 64 && b <= 127) return behind("a carrier-grade NAT address (RFC 6598, your provider's NAT)");
  if (a === 169 && b === 254) return behind('a link-local address (the router has no real WAN address)');
  if (a === 0) return `${address} means the router has no external address yet: its WAN link may be down.`;
  return null;
}

/** The engine's NO_ROUTER sentence, split: the gateway, each protocol tried with its outcome, and advice. */
export interface NoRouter {
  gateway?: string;
  attempts: { protocol: string; outcome: string }[];
  advice?: string;
}

/**
 * Splits "No router answered at G: UPnP IGD: ...; NAT-PMP: ...; PCP: .... Turn ..." into parts;
 * other sentences (no default route, gateway unreachable) come back whole as advice.
 */
export function parseNoRouter(message: string): NoRouter {
  const m = /^No router answered at ([^:]+): UPnP IGD: (.*); NAT-PMP: (.*); PCP: (.*?)\.\s+(\S.*)$/s.exec(message);
  if (!m) return { attempts: [], advice: message };
  return {
    gateway: m[1],
    attempts: [
      { protocol: 'UPnP IGD', outcome: m[2]! },
      { protocol: 'NAT-PMP', outcome: m[3]! },
      { protocol: 'PCP', outcome: m[4]! },
    ],
    advice: m[5],
  };
}
