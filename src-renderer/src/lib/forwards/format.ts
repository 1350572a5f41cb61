/** Forwards for people: kind labels, routes, states with their reasons, rates. */
import type { ConnectionInfo, ForwardInfo, ForwardKind, ForwardSpec } from '../../../../src-main/contract/forwards.js';
import { formatBytes } from '../consoles/bytes.js';
import { formatJump } from '../../../../src-main/contract/ssh-command.js';

/** Short labels of the kinds, as the list shows them. */
export const KIND_LABEL: Record<ForwardKind, string> = {
  tcp: 'TCP',
  udp: 'UDP',
  'ssh-local': 'SSH -L',
  'ssh-remote': 'SSH -R',
  'ssh-dynamic': 'SSH -D',
};

/** "host:port", with brackets around IPv6 addresses. */
export const hostPort = (host: string, port: number | string): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** How a state is drawn: the words, and a tone for the colour. */
export interface StateLabel {
  text: string;
  tone: 'ok' | 'busy' | 'warn' | 'bad' | 'off';
}

/** True while the forward holds sockets (a start/stop toggle shows it as on). */
export const isRunning = (info: ForwardInfo): boolean => info.state !== 'stopped' && info.state !== 'failed';

/** Resolver codes: the target's name does not resolve (a DNS failure, not a refusal). */
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);

/**
 * Why a connection could not reach its target, worded by its code (the engine's message says
 * "refused or could not be reached" for every failure): a name that does not resolve, a refusal,
 * a timeout, an unreachable network; the engine's sentence for anything else.
 */
export function targetErrorText(error: { code: string; message: string }, target?: { host: string; port: number }): string {
  const where = target ? hostPort(target.host, target.port) : 'the target';
  const host = target?.host ?? 'the target';
  if (DNS_CODES.has(error.code)) return `${host} does not resolve here (${error.code}): no DNS answer for this name`;
  switch (error.code) {
    case 'ECONNREFUSED':
      return `${where} refused the connection (ECONNREFUSED): nothing listens there`;
    case 'ETIMEDOUT':
      return `${where} did not answer in time (ETIMEDOUT)`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where} cannot be reached from this machine (${error.code})`;
    case 'ECONNRESET':
      return `${where} reset the connection (ECONNRESET)`;
    default:
      return error.message;
  }
}

/** Refusals by the forward itself (allowlist, knock guard): not failures to reach the target. */
const OWN_REFUSALS = new Set(['ALLOWLIST', 'GATE']);

/** The newest failure of a connection to reach its target (never connected to it), from a log oldest first. */
export function lastTargetError(closed: readonly ConnectionInfo[]): ConnectionInfo['error'] {
  for (let i = closed.length - 1; i >= 0; i--) {
    const c = closed[i]!;
    if (c.error && !c.localTargetSide && !OWN_REFUSALS.has(c.error.code)) return c.error;
  }
  return undefined;
}

/** A log row's outcome: a failure to reach the target worded by its code, the engine's sentence otherwise. */
export function outcomeText(c: ConnectionInfo): string | undefined {
  if (!c.error) return undefined;
  if (c.localTargetSide || OWN_REFUSALS.has(c.error.code)) return c.error.message;
  return targetErrorText(c.error, { host: c.target.host, port: c.target.port });
}

/**
 * The state in words: "listening on 127.0.0.1:8080", "connecting", "up", "retrying in 4s",
 * "failed: <the engine's sentence>", "stopped". `elapsedMs` is the time since the info arrived
 * (retryInMs counts from then). A running forward whose connections could not reach the target
 * is shown as a warning with the reason, from the first failure on.
 */
export function stateLabel(info: ForwardInfo, elapsedMs = 0, lastTargetError?: { code: string; message: string }): StateLabel {
  const listen = hostPort(info.spec.listenHost, info.boundPort ?? info.spec.listenPort);
  const target = 'targetHost' in info.spec && info.spec.kind !== 'ssh-local' ? { host: info.spec.targetHost, port: info.spec.targetPort } : undefined;
  const trouble = (running: string): StateLabel => {
    const n = info.targetErrors;
    const why = lastTargetError ? `: ${targetErrorText(lastTargetError, target)}` : '';
    return { text: `${running}, but ${n} ${n === 1 ? 'connection' : 'connections'} could not reach the target${why}`, tone: 'warn' };
  };
  switch (info.state) {
    case 'listening':
      if (info.targetErrors > 0) return trouble(`listening on ${listen}`);
      return { text: `listening on ${listen}`, tone: 'ok' };
    case 'connecting':
      return { text: `connecting to ${'ssh' in info.spec ? hostPort(info.spec.ssh.host, info.spec.ssh.port) : 'the server'}`, tone: 'busy' };
    case 'up': {
      const up = info.spec.kind === 'ssh-remote' ? `up: the server listens on ${listen}` : `up on ${listen}`;
      return info.targetErrors > 0 ? trouble(up) : { text: up, tone: 'ok' };
    }
    case 'retrying': {
      const left = Math.max(0, Math.ceil(((info.retryInMs ?? 0) - elapsedMs) / 1000));
      const why = info.error ? ` (${info.error.message})` : '';
      return { text: `retrying in ${left}s${why}`, tone: 'warn' };
    }
    case 'failed':
      return { text: `failed: ${info.error?.message ?? 'no reason given'}`, tone: 'bad' };
    default:
      return { text: info.error ? `stopped (last error: ${info.error.message})` : 'stopped', tone: 'off' };
  }
}

/** The parts of a route, from the client's side to the target, for a one-line picture. */
export interface RouteParts {
  /** Where clients connect. */
  listen: { host: string; port: number; where: 'here' | 'server' };
  /** The SSH server in between, "user@host:port", and the jump host before it ("[user@]host[:port]"), if any. */
  via?: { user: string; host: string; port: number; jump?: string };
  /** Where connections go; absent for SOCKS (each client names its own). */
  target?: { host: string; port: number; where: 'here' | 'server' };
}

/** The route of a spec: listen side, SSH server, target (and from where the target is reached). */
export function routeOf(spec: ForwardSpec, boundPort?: number): RouteParts {
  const listen = { host: spec.listenHost, port: boundPort ?? spec.listenPort, where: spec.kind === 'ssh-remote' ? ('server' as const) : ('here' as const) };
  const via = 'ssh' in spec ? { user: spec.ssh.username, host: spec.ssh.host, port: spec.ssh.port, ...(spec.ssh.jump ? { jump: formatJump(spec.ssh.jump) } : {}) } : undefined;
  const target =
    'targetHost' in spec
      ? { host: spec.targetHost, port: spec.targetPort, where: spec.kind === 'ssh-local' ? ('server' as const) : ('here' as const) }
      : undefined;
  return { listen, ...(via ? { via } : {}), ...(target ? { target } : {}) };
}

/** A byte rate for people ("1.2 MiB/s"). */
export const formatRate = (bytesPerSecond: number): string => `${formatBytes(Math.round(bytesPerSecond))}/s`;

/** A clock time for the connection log ("14:03:07"). */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** A file name for an export made now ("portolan-forwards-2024-05-01.json"). */
export function exportFileName(now = new Date()): string {
  const day = [now.getFullYear(), now.getMonth() + 1, now.getDate()].map((n, i) => String(n).padStart(i ? 2 : 4, '0')).join('-');
  return `portolan-forwards-${day}.json`;
}

/** The router mapping a forward's card offers: where it would point, or why it cannot. */
export interface RouterExposure {
  /** The internal port and protocol for the Router view's form; null when the button is disabled. */
  target: { internalPort: number; proto: 'tcp' | 'udp' } | null;
  /** The button's title: what a mapping does, or why it is not possible yet. */
  title: string;
}

const LOOPBACK_HOST = /^(127\.|::1$|localhost$|::ffff:127\.)/i;

/**
 * The one rule for "Expose through router", for a forward and for a console's listener alike: a
 * router can reach a socket listening on this machine only when it is not on loopback, not on an
 * IPv6 address alone (router mappings carry IPv4), and on a known port. `fix` says what to
 * change; `risk` what a mapping would open.
 */
export function socketRouterExposure(listenHost: string, port: number, proto: 'tcp' | 'udp', fix: string, risk: string): RouterExposure {
  const host = listenHost.replace(/^\[(.*)\]$/, '$1');
  if (LOOPBACK_HOST.test(host)) return { target: null, title: `Listens on ${host} only: a router mapping cannot reach it; ${fix}.` };
  if (host.includes(':') && host !== '::' && !/^::ffff:\d/i.test(host))
    return { target: null, title: `Listens on the IPv6 address ${host} only: router mappings carry IPv4; ${fix}.` };
  if (!port) return { target: null, title: 'Listens on any free port: start the forward first, so that its port is known.' };
  return { target: { internalPort: port, proto }, title: `Map ${proto.toUpperCase()} port ${port} on the home router (opens it to the internet): ${risk}.` };
}

/**
 * Whether "Expose through router" applies to a forward: only to those listening on this machine
 * (local TCP and UDP, SSH -L and -D; an SSH -R listens on the server, so none), by
 * {@link socketRouterExposure}'s rule.
 */
export function routerExposure(info: ForwardInfo): RouterExposure | null {
  const { spec } = info;
  if (spec.kind === 'ssh-remote') return null;
  const risk =
    spec.kind === 'ssh-dynamic'
      ? "anyone who reaches it could use this SOCKS proxy, and through it the SSH server's network: add an allowlist first"
      : 'anyone on the internet could then reach the target through this forward';
  const fix = "edit the forward to listen on this machine's LAN address or 0.0.0.0 first";
  return socketRouterExposure(spec.listenHost, info.boundPort ?? spec.listenPort, spec.kind === 'udp' ? 'udp' : 'tcp', fix, risk);
}
