/**
 * Sets of IP addresses as sorted intervals of BigInts, per family. The firewall evaluator asks a
 * three-way question of them: does a rule's address match cover every source of a class ("the
 * LAN", "the internet"), none of them, or only part? Part means the verdict depends on which
 * host connects, and the evaluator says so instead of guessing.
 */
import { ipv4ToInt, ipv6ToBigInt, isIPv4 } from '../../contract/ip-address.js';

/** An IP family as the evaluator sees it. */
export type IpFamily = 4 | 6;

/** A closed interval of addresses [lo, hi]. */
export type Interval = readonly [bigint, bigint];

/** A set of addresses of one family: sorted, disjoint, merged intervals. */
export interface AddressSet {
  family: IpFamily;
  intervals: Interval[];
}

const BITS: Record<IpFamily, bigint> = { 4: 32n, 6: 128n };

/** Parses an address to its family and number; undefined when it is not an IP address. */
export function parseAddress(text: string): { family: IpFamily; value: bigint } | undefined {
  const t = text.trim();
  if (isIPv4(t)) return { family: 4, value: BigInt(ipv4ToInt(t)) };
  const v6 = ipv6ToBigInt(t);
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

/** The interval of a prefix such as 192.168.0.0/16 (the host bits of `addr` are ignored). */
export function prefixInterval(family: IpFamily, value: bigint, len: number): Interval {
  const hostBits = BITS[family] - BigInt(len);
  const lo = (value >> hostBits) << hostBits;
  return [lo, lo + (1n << hostBits) - 1n];
}

/** Parses "a.b.c.d", "a.b.c.d/n", "x::y/n" or "lo-hi" to a set; undefined when malformed. */
export function parseAddressSpec(text: string): AddressSet | undefined {
  const dash = text.indexOf('-');
  if (dash > 0) {
    const lo = parseAddress(text.slice(0, dash));
    const hi = parseAddress(text.slice(dash + 1));
    if (!lo || !hi || lo.family !== hi.family) return undefined;
    return normalize(lo.family, [[lo.value, hi.value]]);
  }
  const [addr, len] = text.split('/');
  const a = parseAddress(addr ?? '');
  if (!a) return undefined;
  const bits = len === undefined ? Number(BITS[a.family]) : Number(len);
  if (!Number.isInteger(bits) || bits < 0 || bits > Number(BITS[a.family])) return undefined;
  return { family: a.family, intervals: [prefixInterval(a.family, a.value, bits)] };
}

/** Sorts and merges intervals into a set. */
export function normalize(family: IpFamily, intervals: Interval[]): AddressSet {
  const sorted = [...intervals].filter(([lo, hi]) => lo <= hi).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1n) last[1] = hi > last[1] ? hi : last[1];
    else out.push([lo, hi]);
  }
  return { family, intervals: out };
}

/** The union of sets of one family. */
export function union(family: IpFamily, sets: AddressSet[]): AddressSet {
  return normalize(
    family,
    sets.filter((s) => s.family === family).flatMap((s) => s.intervals),
  );
}

/** Every address of the family not in `set`. */
export function complement(set: AddressSet): AddressSet {
  const max = (1n << BITS[set.family]) - 1n;
  const out: Interval[] = [];
  let next = 0n;
  for (const [lo, hi] of set.intervals) {
    if (lo > next) out.push([next, lo - 1n]);
    next = hi + 1n;
  }
  if (next <= max) out.push([next, max]);
  return { family: set.family, intervals: out };
}

/** How much of `source` a condition's set covers. */
export type Coverage = 'all' | 'none' | 'part';

/** Whether every, no or only some address of `source` lies in `set` (families must agree, else none). */
export function coverage(source: AddressSet, set: AddressSet): Coverage {
  if (source.family !== set.family || source.intervals.length === 0) return 'none';
  let covered = 0n;
  let total = 0n;
  for (const [slo, shi] of source.intervals) {
    total += shi - slo + 1n;
    for (const [lo, hi] of set.intervals) {
      const a = lo > slo ? lo : slo;
      const b = hi < shi ? hi : shi;
      if (a <= b) covered += b - a + 1n;
    }
  }
  return covered === 0n ? 'none' : covered === total ? 'all' : 'part';
}

/** A one-address set. */
export function single(text: string): AddressSet | undefined {
  const a = parseAddress(text);
  return a ? { family: a.family, intervals: [[a.value, a.value]] } : undefined;
}

// Private, loopback, link-local, CGNAT, multicast and reserved: never a sender from the internet.
const SPECIAL_V4 = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16', '224.0.0.0/3'];
const SPECIAL_V6 = ['::/8', 'fc00::/7', 'fe80::/10', 'ff00::/8', '::ffff:0:0/96'];
// Documentation and benchmark ranges: test networks use them as "the internet", but a machine holding
// one is not on the internet.
const DOCUMENTATION = ['192.0.2.0/24', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32'];

/**
 * "The internet" as a source: every address that is not private, loopback, link-local, CGNAT,
 * multicast or reserved. A rule matching all of it (0.0.0.0/0) covers it; a rule naming a private
 * range covers none of it; a rule naming one public host covers part.
 */
export function internetSources(family: IpFamily): AddressSet {
  const specials = (family === 4 ? SPECIAL_V4 : SPECIAL_V6).map((p) => parseAddressSpec(p)!);
  return complement(union(family, specials));
}

/** True when this machine, holding this address, is on the internet itself (not private, not a documentation range). */
export function isInternetAddress(text: string): boolean {
  const a = single(text);
  if (!a || coverage(a, internetSources(a.family)) !== 'all') return false;
  return !DOCUMENTATION.some((d) => coverage(a, parseAddressSpec(d)!) === 'all');
}
