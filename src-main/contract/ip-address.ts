/**
 * IP address arithmetic and the scan's host limits, without Node modules or zod, so that the
 * engine's target parser and the Scanner form (validation as you type) share one implementation
 * and one set of sentences.
 */

/** Most hosts one scan may have. */
export const MAX_HOSTS = 65536;
/** Smallest IPv6 prefix accepted in a CIDR block (a /112 is 65,536 addresses). */
export const MIN_IPV6_PREFIX = 112;

/** The sentence for a target (or the whole list) with more than MAX_HOSTS addresses. */
export function tooManyHostsMessage(what: string, count: number | bigint): string {
  return `${what} has ${count.toLocaleString('en-US')} addresses; a scan takes at most ${MAX_HOSTS.toLocaleString('en-US')} hosts. Use a smaller block (an IPv4 /16 or longer, an IPv6 /${MIN_IPV6_PREFIX} or longer).`;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** True for a dotted-quad IPv4 address. */
export function isIPv4(text: string): boolean {
  return IPV4.test(text);
}

/** IPv4 text to a 32-bit unsigned number. */
export function ipv4ToInt(text: string): number {
  const [a, b, c, d] = text.split('.').map(Number) as [number, number, number, number];
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
}

/** A 32-bit unsigned number to IPv4 text. */
export function intToIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** IPv6 text (any valid spelling, including an embedded IPv4 tail) to a 128-bit BigInt, or undefined. */
export function ipv6ToBigInt(text: string): bigint | undefined {
  let s = text.toLowerCase();
  if (s.includes('%')) return undefined;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (tail) {
    if (!isIPv4(tail[1]!)) return undefined;
    const n = ipv4ToInt(tail[1]!);
    s = `${s.slice(0, -tail[1]!.length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return undefined;
  const groups = halves.length === 2 ? [...head, ...Array<string>(missing).fill('0'), ...rest] : head;
  let value = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  return value;
}

/** A 128-bit BigInt to canonical (RFC 5952) IPv6 text. */
export function bigIntToIpv6(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** True for an IPv6 literal. */
export function isIPv6(text: string): boolean {
  return text.includes(':') && ipv6ToBigInt(text) !== undefined;
}

const inV4 = (n: number, base: string, bits: number) => bits === 0 || (n ^ ipv4ToInt(base)) >>> (32 - bits) === 0;

/**
 * True when scanning this address stays on this machine or a private network: loopback, RFC 1918,
 * link-local, carrier-grade NAT (100.64/10), unspecified; IPv6 loopback, unique-local (fc00::/7),
 * link-local (fe80::/10) and IPv4-mapped private addresses. Anything else needs the user's confirmation.
 */
export function isPrivateAddress(address: string): boolean {
  if (isIPv4(address)) {
    const n = ipv4ToInt(address);
    return [
      ['127.0.0.0', 8],
      ['10.0.0.0', 8],
      ['172.16.0.0', 12],
      ['192.168.0.0', 16],
      ['169.254.0.0', 16],
      ['100.64.0.0', 10],
      ['0.0.0.0', 32],
    ].some(([base, bits]) => inV4(n, base as string, bits as number));
  }
  const v = ipv6ToBigInt(address);
  if (v === undefined) return false;
  if (v === 1n || v === 0n) return true;
  if (v >> 32n === 0xffffn) return isPrivateAddress(intToIpv4(Number(v & 0xffffffffn)));
  const top = Number(v >> 112n);
  return (top & 0xfe00) === 0xfc00 || (top & 0xffc0) === 0xfe80;
}
