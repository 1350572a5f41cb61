/**
 * The web transport's gatekeeping, kept apart so that it can be read and tested on its own:
 * which Host and Origin headers are ours (DNS-rebinding defence), and whether a request carries
 * the run's token or the session cookie it was exchanged for.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Name of the HttpOnly cookie that the one-run token is exchanged for. */
export const SESSION_COOKIE = 'portolan_session';

/** The host:port strings a browser may legitimately send for a server bound to `host`. */
export function allowedHosts(host: string, port: number): Set<string> {
  const hosts = new Set<string>();
  const add = (h: string) => hosts.add(`${h}:${port}`);
  if (host.includes(':')) add(`[${host}]`);
  else add(host);
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
