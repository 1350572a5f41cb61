/**
 * Checks a target list as the user types, without resolving names: the engine's syntax and its
 * sentences, the number of hosts, the names that will be resolved, and the literal addresses
 * outside private ranges (the engine will ask to confirm those). Blocks are counted, never expanded.
 */
import {
  bigIntToIpv6,
  intToIpv4,
  ipv4ToInt,
  ipv6ToBigInt,
  isIPv4,
  isPrivateAddress,
  MAX_HOSTS,
  MIN_IPV6_PREFIX,
  tooManyHostsMessage as tooMany,
} from '../../../../src-main/contract/ip-address.js';

/** What a target list holds, or why it is wrong. */
export interface TargetsCheck {
  /** The engine's sentence when the list cannot be scanned. */
  error?: string;
  /** Addresses (literals, blocks, ranges) plus names; a name counts as one host. */
  hosts: number;
  /** Host names the engine will resolve. */
  names: string[];
  /** Some literal addresses outside private ranges (at most 3), and how many there are. */
  outside: string[];
  outsideCount: number;
}

/** A range of addresses, as its first address and size; or a name; or a sentence. */
type Piece = { first: string; size: number; v6?: bigint } | { name: string } | { error: string };

function readPiece(piece: string): Piece {
  const p = piece.replace(/^\[|\]$/g, '');
  const cidr = /^(.+)\/(\d{1,3})$/.exec(p);
  if (cidr) {
    const base = cidr[1]!;
    const bits = Number(cidr[2]);
    if (isIPv4(base)) {
      if (bits > 32) return { error: `${piece}: an IPv4 prefix length goes from 0 to 32.` };
      const size = 2 ** (32 - bits);
      if (size > MAX_HOSTS) return { error: tooMany(piece, size) };
      const start = bits === 0 ? 0 : (ipv4ToInt(base) & ((0xffffffff << (32 - bits)) >>> 0)) >>> 0;
      return { first: intToIpv4(start), size };
    }
    const v6 = ipv6ToBigInt(base);
    if (v6 !== undefined) {
      if (bits > 128) return { error: `${piece}: an IPv6 prefix length goes from 0 to 128.` };
      if (bits < MIN_IPV6_PREFIX) return { error: tooMany(piece, 2n ** BigInt(128 - bits)) };
      const mask = ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - bits)) - 1n);
      return { first: '', v6: v6 & mask, size: 2 ** (128 - bits) };
    }
    return { error: `${piece} is not a CIDR block: write an address, a slash and a prefix length, e.g. 192.168.1.0/24.` };
  }
  if (isIPv4(p)) return { first: p, size: 1 };
  const v6 = ipv6ToBigInt(p);
  if (v6 !== undefined) return { first: '', v6, size: 1 };
  const range = /^(.+?)-(.+)$/.exec(p);
  if (range) {
    const from = range[1]!;
    const to = range[2]!;
    if (isIPv4(from)) {
      const low = ipv4ToInt(from);
      let high: number;
      if (/^\d{1,3}$/.test(to)) {
        const last = Number(to);
        if (last > 255) return { error: `${piece}: the last part of an IPv4 address goes up to 255.` };
        high = ((low & 0xffffff00) >>> 0) + last;
      } else if (isIPv4(to)) high = ipv4ToInt(to);
      else return { error: `${piece} is not a range: write 10.0.0.1-40 or 10.0.0.1-10.0.1.5.` };
      if (high < low) return { error: `The range ${piece} is reversed: write the lower address first.` };
      if (high - low + 1 > MAX_HOSTS) return { error: tooMany(piece, high - low + 1) };
      return { first: from, size: high - low + 1 };
    }
    const a = ipv6ToBigInt(from);
    if (a !== undefined) {
      const b = /^[0-9a-f]{1,4}$/i.test(to) ? (a & ~0xffffn) | BigInt(parseInt(to, 16)) : ipv6ToBigInt(to);
      if (b === undefined) return { error: `${piece} is not a range: write fd00::1-ff or fd00::1-fd00::1:0.` };
      if (b < a) return { error: `The range ${piece} is reversed: write the lower address first.` };
      if (b - a + 1n > BigInt(MAX_HOSTS)) return { error: tooMany(piece, b - a + 1n) };
      return { first: '', v6: a, size: Number(b - a + 1n) };
    }
  }
  if (/^[a-z0-9]([a-z0-9-]{0,62})(\.[a-z0-9]([a-z0-9-]{0,62}))*\.?$/i.test(p) && p.length <= 253 && !/^[\d.]+$/.test(p)) {
    return { name: p.replace(/\.$/, '').toLowerCase() };
  }
  return { error: `"${piece}" is not an address, a host name, a CIDR block (192.168.1.0/24) or a range (10.0.0.1-40).` };
}

/**
 * Checks targets as the engine will parse them. A block or range counts as outside private
 * ranges when its first address is (blocks never straddle private and public in practice).
 */
export function checkTargets(text: string): TargetsCheck {
  const out: TargetsCheck = { hosts: 0, names: [], outside: [], outsideCount: 0 };
  for (const piece of text.split(/[\s,;]+/).filter(Boolean)) {
    const read = readPiece(piece);
    if ('error' in read) return { ...out, error: read.error };
    if ('name' in read) {
      out.names.push(read.name);
      out.hosts += 1;
    } else {
      out.hosts += read.size;
      const first = read.v6 !== undefined ? bigIntToIpv6(read.v6) : read.first;
      if (!isPrivateAddress(first)) {
        out.outsideCount += read.size;
        if (out.outside.length < 3) out.outside.push(piece.replace(/^\[|\]$/g, ''));
      }
    }
    if (out.hosts > MAX_HOSTS) return { ...out, error: tooMany('The target list', out.hosts) };
  }
  if (out.hosts === 0) return { ...out, error: 'Give at least one target: an address, a host name, a CIDR block (192.168.1.0/24) or a range (10.0.0.1-40).' };
  return out;
}
