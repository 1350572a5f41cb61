/**
 * Scan targets: parses what a person typed (literals, names, CIDR blocks, ranges, lists) and expands
 * it to hosts, resolving names. Expansion is capped so that a typo such as 10.0.0.0/8 fails with a
 * sentence instead of allocating millions of hosts.
 */
import { PortolanError } from '../../contract/index.js';
import { type ScanHost } from '../../contract/scan.js';

/** Most hosts one scan may have. */
export const MAX_HOSTS = 65536;
/** Smallest IPv6 prefix accepted in a CIDR block (a /112 is 65,536 addresses). */
export const MIN_IPV6_PREFIX = 112;

/** One piece of a target list, before names are resolved. */
export type TargetPiece = { kind: 'address'; address: string } | { kind: 'name'; name: string };

/** Resolves a host name to all its addresses (dns.lookup with all: true in the app). */
export type Resolver = (name: string) => Promise<string[]>;

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

const tooMany = (what: string, count: number | bigint) =>
  new PortolanError('INVALID_INPUT', `${what} has ${count.toLocaleString('en-US')} addresses; a scan takes at most ${MAX_HOSTS.toLocaleString('en-US')} hosts. Use a smaller block (an IPv4 /16 or longer, an IPv6 /${MIN_IPV6_PREFIX} or longer).`);

/** Expands one comma/space-separated piece to addresses or a name to resolve. */
function expandPiece(piece: string, out: TargetPiece[]): void {
  const p = piece.replace(/^\[|\]$/g, '');
  const cidr = /^(.+)\/(\d{1,3})$/.exec(p);
  if (cidr) {
    const [, base, bitsText] = cidr as unknown as [string, string, string];
    const bits = Number(bitsText);
    if (isIPv4(base)) {
      if (bits > 32) throw new PortolanError('INVALID_INPUT', `${piece}: an IPv4 prefix length goes from 0 to 32.`);
      const size = 2 ** (32 - bits);
      if (size > MAX_HOSTS) throw tooMany(piece, size);
      const start = bits === 0 ? 0 : (ipv4ToInt(base) & ((0xffffffff << (32 - bits)) >>> 0)) >>> 0;
      for (let i = 0; i < size; i++) out.push({ kind: 'address', address: intToIpv4(start + i) });
      return;
    }
    const v6 = ipv6ToBigInt(base);
    if (v6 !== undefined) {
      if (bits > 128) throw new PortolanError('INVALID_INPUT', `${piece}: an IPv6 prefix length goes from 0 to 128.`);
      if (bits < MIN_IPV6_PREFIX) throw tooMany(piece, 2n ** BigInt(128 - bits));
      const size = 2 ** (128 - bits);
      const mask = ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - bits)) - 1n);
      const start = v6 & mask;
      for (let i = 0; i < size; i++) out.push({ kind: 'address', address: bigIntToIpv6(start + BigInt(i)) });
      return;
    }
    throw new PortolanError('INVALID_INPUT', `${piece} is not a CIDR block: write an address, a slash and a prefix length, e.g. 192.168.1.0/24.`);
  }
  if (isIPv4(p)) return void out.push({ kind: 'address', address: p });
  const v6 = ipv6ToBigInt(p);
  if (v6 !== undefined) return void out.push({ kind: 'address', address: bigIntToIpv6(v6) });
  const range = /^(.+?)-(.+)$/.exec(p);
  if (range) {
    const [, from, to] = range as unknown as [string, string, string];
    if (isIPv4(from)) {
      const low = ipv4ToInt(from);
      let high: number;
      if (/^\d{1,3}$/.test(to)) {
        const last = Number(to);
        if (last > 255) throw new PortolanError('INVALID_INPUT', `${piece}: the last part of an IPv4 address goes up to 255.`);
        high = ((low & 0xffffff00) >>> 0) + last;
      } else if (isIPv4(to)) high = ipv4ToInt(to);
      else throw new PortolanError('INVALID_INPUT', `${piece} is not a range: write 10.0.0.1-40 or 10.0.0.1-10.0.1.5.`);
      if (high < low) throw new PortolanError('INVALID_INPUT', `The range ${piece} is reversed: write the lower address first.`);
      if (high - low + 1 > MAX_HOSTS) throw tooMany(piece, high - low + 1);
      for (let n = low; n <= high; n++) out.push({ kind: 'address', address: intToIpv4(n) });
      return;
    }
    const a = ipv6ToBigInt(from);
    if (a !== undefined) {
      const b = /^[0-9a-f]{1,4}$/i.test(to) ? (a & ~0xffffn) | BigInt(parseInt(to, 16)) : ipv6ToBigInt(to);
      if (b === undefined) throw new PortolanError('INVALID_INPUT', `${piece} is not a range: write fd00::1-ff or fd00::1-fd00::1:0.`);
      if (b < a) throw new PortolanError('INVALID_INPUT', `The range ${piece} is reversed: write the lower address first.`);
      if (b - a + 1n > BigInt(MAX_HOSTS)) throw tooMany(piece, b - a + 1n);
      for (let n = a; n <= b; n++) out.push({ kind: 'address', address: bigIntToIpv6(n) });
      return;
    }
  }
  if (/^[a-z0-9]([a-z0-9-]{0,62})(\.[a-z0-9]([a-z0-9-]{0,62}))*\.?$/i.test(p) && p.length <= 253 && !/^[\d.]+$/.test(p)) {
    return void out.push({ kind: 'name', name: p.replace(/\.$/, '').toLowerCase() });
  }
  throw new PortolanError('INVALID_INPUT', `"${piece}" is not an address, a host name, a CIDR block (192.168.1.0/24) or a range (10.0.0.1-40).`);
}

/** Parses a target list without resolving names; throws INVALID_INPUT with a sentence. */
export function parseTargets(text: string): TargetPiece[] {
  const out: TargetPiece[] = [];
  for (const piece of text.split(/[\s,;]+/).filter(Boolean)) {
    expandPiece(piece, out);
    if (out.length > MAX_HOSTS) throw tooMany('The target list', out.length);
  }
  if (out.length === 0) throw new PortolanError('INVALID_INPUT', 'Give at least one target.');
  return out;
}

/** Parses and resolves targets into hosts (duplicates dropped, order kept). */
export async function expandTargets(text: string, resolve: Resolver): Promise<ScanHost[]> {
  const pieces = parseTargets(text);
  const hosts: ScanHost[] = [];
  const seen = new Set<string>();
  const names = await Promise.all(
    pieces.map(async (piece) => {
      if (piece.kind === 'address') return undefined;
      try {
        const addresses = await resolve(piece.name);
        if (addresses.length === 0) throw new Error('no addresses');
        return addresses;
      } catch (err) {
        throw new PortolanError('ENOTFOUND', `The host name ${piece.name} could not be resolved (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): check the spelling or the DNS settings.`);
      }
    }),
  );
  pieces.forEach((piece, i) => {
    if (piece.kind === 'address') {
      if (!seen.has(piece.address)) hosts.push({ target: piece.address, address: piece.address, addresses: [piece.address] });
      seen.add(piece.address);
      return;
    }
    const addresses = [...new Set(names[i]!.map((a) => (isIPv6(a) ? bigIntToIpv6(ipv6ToBigInt(a)!) : a)))];
    const address = addresses.find(isIPv4) ?? addresses[0]!;
    if (!seen.has(address)) hosts.push({ target: piece.name, address, addresses });
    seen.add(address);
  });
  return hosts;
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
