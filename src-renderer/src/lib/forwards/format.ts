/** Forwards for people: kind labels, routes, states with their reasons, rates. */
import type { ForwardInfo, ForwardKind, ForwardSpec } from '../../../../src-main/contract/forwards.js';
import { formatBytes } from '../consoles/bytes.js';

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

/**
 * The state in words: "listening on 127.0.0.1:8080", "connecting", "up", "retrying in 4s",
 * "failed: <the engine's sentence>", "stopped". `elapsedMs` is the time since the info arrived
 * (retryInMs counts from then).
 */
export function stateLabel(info: ForwardInfo, elapsedMs = 0): StateLabel {
  const listen = hostPort(info.spec.listenHost, info.boundPort ?? info.spec.listenPort);
  switch (info.state) {
    case 'listening':
      return { text: `listening on ${listen}`, tone: 'ok' };
    case 'connecting':
      return { text: `connecting to ${'ssh' in info.spec ? hostPort(info.spec.ssh.host, info.spec.ssh.port) : 'the server'}`, tone: 'busy' };
    case 'up':
      return { text: info.spec.kind === 'ssh-remote' ? `up: the server listens on ${listen}` : `up on ${listen}`, tone: 'ok' };
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
  /** The SSH server in between, "user@host:port". */
  via?: { user: string; host: string; port: number };
  /** Where connections go; absent for SOCKS (each client names its own). */
  target?: { host: string; port: number; where: 'here' | 'server' };
}

/** The route of a spec: listen side, SSH server, target (and from where the target is reached). */
export function routeOf(spec: ForwardSpec, boundPort?: number): RouteParts {
  const listen = { host: spec.listenHost, port: boundPort ?? spec.listenPort, where: spec.kind === 'ssh-remote' ? ('server' as const) : ('here' as const) };
  const via = 'ssh' in spec ? { user: spec.ssh.username, host: spec.ssh.host, port: spec.ssh.port } : undefined;
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
 * Whether "Expose through router" applies to a forward: only to those listening on this machine
 * (local TCP and UDP, SSH -L and -D; an SSH -R listens on the server, so none), and only when a
 * router can reach the listening socket: not on loopback, not on an IPv6 address alone (router
 * mappings carry IPv4), and on a known port (a forward on "any free port" must run first).
 */
export function routerExposure(info: ForwardInfo): RouterExposure | null {
  const { spec } = info;
  if (spec.kind === 'ssh-remote') return null;
  const host = spec.listenHost.replace(/^\[(.*)\]$/, '$1');
  const fix = "edit the forward to listen on this machine's LAN address or 0.0.0.0 first";
  if (LOOPBACK_HOST.test(host)) return { target: null, title: `Listens on ${host} only: a router mapping cannot reach it; ${fix}.` };
  if (host.includes(':') && host !== '::' && !/^::ffff:\d/i.test(host))
    return { target: null, title: `Listens on the IPv6 address ${host} only: router mappings carry IPv4; ${fix}.` };
  const port = info.boundPort ?? spec.listenPort;
  if (!port) return { target: null, title: 'Listens on any free port: start the forward first, so that its port is known.' };
  const proto = spec.kind === 'udp' ? 'udp' : 'tcp';
  const what =
    spec.kind === 'ssh-dynamic'
      ? "anyone who reaches it could use this SOCKS proxy, and through it the SSH server's network: add an allowlist first"
      : 'anyone on the internet could then reach the target through this forward';
  return { target: { internalPort: port, proto }, title: `Map ${proto.toUpperCase()} port ${port} on the home router (opens it to the internet): ${what}.` };
}
