/**
 * Forward DNS for forms ("does this target resolve from here?"): the OS resolver (getaddrinfo:
 * /etc/hosts, then DNS, as every connection the engine makes), bounded in time so that a form
 * asking while the user types never waits on a silent DNS server.
 */
import dns from 'node:dns/promises';
import net from 'node:net';
import { PortolanError } from '../../contract/errors.js';

/** How long one name may take before the answer is "did not resolve in time". */
export const RESOLVE_TIMEOUT_MS = 3000;

/** One address as the OS resolver gives it. */
export interface LookupAddress {
  address: string;
  family: number;
}

/** The OS look-up, injectable for tests. */
export type LookupAll = (host: string) => Promise<LookupAddress[]>;

const osLookup: LookupAll = (host) => dns.lookup(host, { all: true, verbatim: true });

/** Resolver error codes and what they mean, for the sentence. */
const WHY: Record<string, string> = {
  ENOTFOUND: 'ENOTFOUND',
  EAI_NONAME: 'ENOTFOUND',
  EAI_NODATA: 'ENODATA: the name exists but has no address',
  ENODATA: 'ENODATA: the name exists but has no address',
  EAI_AGAIN: 'EAI_AGAIN: the DNS server did not answer',
  ESERVFAIL: 'ESERVFAIL: the DNS server failed',
  ECONNREFUSED: 'ECONNREFUSED: the DNS server refused the query',
};

/**
 * The addresses a host name resolves to on this machine, IPv4 first, duplicates dropped; an IP
 * literal is its own answer and a name under .invalid has none (no look-up for either). Throws
 * PortolanError ENOTFOUND with the resolver's code ("db.internal does not resolve here
 * (ENOTFOUND): check the name, or this machine's DNS."), or ETIMEDOUT after `timeoutMs`.
 */
export async function resolveHost(input: string, options: { lookup?: LookupAll; timeoutMs?: number } = {}): Promise<string[]> {
  const host = input.trim().replace(/^\[(.*)\]$/, '$1');
  if (net.isIP(host)) return [host];
  // RFC 6761: names under .invalid never resolve, and resolvers should say so at once, without a query.
  if (/(^|\.)invalid\.?$/i.test(host)) throw notFound(host, 'ENOTFOUND');
  const timeoutMs = options.timeoutMs ?? RESOLVE_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new PortolanError(
            'ETIMEDOUT',
            `${host} did not resolve within ${formatSeconds(timeoutMs)} (timeout): the DNS server is slow or unreachable; check this machine's DNS.`,
          ),
        ),
      timeoutMs,
    );
    timer.unref();
  });
  try {
    const found = await Promise.race([(options.lookup ?? osLookup)(host), timeout]);
    const addresses = [...new Set(found.map((a) => a.address))].sort((a, b) => net.isIP(a) - net.isIP(b));
    if (!addresses.length) throw Object.assign(new Error('no addresses'), { code: 'ENODATA' });
    return addresses;
  } catch (err) {
    if (err instanceof PortolanError) throw err;
    throw notFound(host, (err as NodeJS.ErrnoException).code ?? '');
  } finally {
    clearTimeout(timer);
  }
}

function notFound(host: string, code: string): PortolanError {
  const why = WHY[code] ?? (code || 'no answer');
  return new PortolanError('ENOTFOUND', `${host} does not resolve here (${why}): check the name, or this machine's DNS.`);
}

const formatSeconds = (ms: number) => `${(ms / 1000).toFixed(ms % 1000 ? 1 : 0)} s`;
