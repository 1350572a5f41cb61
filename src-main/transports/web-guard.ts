/**
 * The web transport's gatekeeping, kept apart so that it can be read and tested on its own:
 * which Host and Origin headers are ours (DNS-rebinding defence), and whether a request carries
 * the run's token or the session cookie it was exchanged for.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import os from 'node:os';

/** Name of the HttpOnly cookie that the one-run token is exchanged for. */
export const SESSION_COOKIE = 'portolan_session';

/** True for a bind address that listens on every interface (0.0.0.0, or :: for both families). */
export function isWildcardAddress(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/** The machine's own addresses a wildcard bind answers on: IPv4 only for 0.0.0.0, both for :: (Node binds it dual-stack). */
export function wildcardAddresses(host: string, interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): string[] {
  return Object.values(interfaces)
    .flat()
    .filter((a): a is os.NetworkInterfaceInfo => !!a && (host === '::' || a.family === 'IPv4'))
    .map((a) => a.address);
}

/**
 * The host:port strings a browser may legitimately send for a server bound to `host`. A wildcard
 * bind answers on each of the machine's own addresses (and localhost), so those are the names a
 * browser uses; `0.0.0.0` itself is not an address anyone reaches the server by, so it is not one.
 */
export function allowedHosts(host: string, port: number, interfaces?: NodeJS.Dict<os.NetworkInterfaceInfo[]>): Set<string> {
  const hosts = new Set<string>();
  const add = (h: string) => hosts.add(`${h.includes(':') ? `[${h}]` : h}:${port}`.toLowerCase());
  if (isWildcardAddress(host)) {
    add('localhost');
    for (const address of wildcardAddresses(host, interfaces)) add(address);
    return hosts;
  }
  add(host);
  if (host === '127.0.0.1' || host === '::1') add('localhost');
  return hosts;
}

/** Constant-time comparison of two secrets. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Reads one cookie from a Cookie header. */
export function readCookie(headers: IncomingHttpHeaders, name: string): string | undefined {
  for (const part of (headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/** Why a request is refused, or undefined when it may go on. */
export type Refusal = { status: number; reason: string } | undefined;

/** Checks Host and (when present) Origin against the addresses this server answers on. */
export function checkHostAndOrigin(headers: IncomingHttpHeaders, hosts: Set<string>): Refusal {
  const host = headers.host;
  if (!host || !hosts.has(host.toLowerCase())) {
    return { status: 421, reason: `This Portolan server answers only to ${[...hosts].join(' or ')}; the request named ${host ?? 'no host'}.` };
  }
  const origin = headers.origin;
  if (origin !== undefined && ![...hosts].some((h) => origin.toLowerCase() === `http://${h}`)) {
    return { status: 403, reason: `Requests from ${origin} are refused: only Portolan's own page may talk to this server.` };
  }
  return undefined;
}
