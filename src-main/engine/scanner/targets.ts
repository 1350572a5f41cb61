/**
 * Scan targets: parses what a person typed (literals, names, CIDR blocks, ranges, lists) and expands
 * it to hosts, resolving names. Expansion is capped so that a typo such as 10.0.0.0/8 fails with a
 * sentence instead of allocating millions of hosts.
 */
import { PortolanError } from '../../contract/errors.js';
import {
  bigIntToIpv6,
  intToIpv4,
  ipv4ToInt,
  ipv6ToBigInt,
  isIPv4,
  isIPv6,
  MAX_HOSTS,
  MIN_IPV6_PREFIX,
  tooManyHostsMessage,
} from '../../contract/ip-address.js';
import { type ScanHost } from '../../contract/scan.js';

/** One piece of a target list, before names are resolved. */
export type TargetPiece = { kind: 'address'; address: string } | { kind: 'name'; name: string };

/** Resolves a host name to all its addresses (dns.lookup with all: true in the app). */
export type Resolver = (name: string) => Promise<string[]>;

const tooMany = (what: string, count: number | bigint) => new PortolanError('INVALID_INPUT', tooManyHostsMessage(what, count));

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
