/**
 * IP address arithmetic for the Scanner form: the same rules as the engine's target parser
 * (src-main/engine/scanner/targets.ts), which the renderer may not import. A unit test checks
 * both agree, so the form's verdict as the user types is the engine's verdict on Start.
 */

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

/** IPv6 text (any valid spelling, including an IPv4 tail) to a 128-bit BigInt, or undefined. */
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

/** True for an IPv6 literal. */
export function isIPv6(text: string): boolean {
  return text.includes(':') && ipv6ToBigInt(text) !== undefined;
}

const inV4 = (n: number, base: string, bits: number) => bits === 0 || (n ^ ipv4ToInt(base)) >>> (32 - bits) === 0;

const PRIVATE_V4: [string, number][] = [
  ['127.0.0.0', 8],
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['169.254.0.0', 16],
  ['100.64.0.0', 10],
  ['0.0.0.0', 32],
];

/**
 * True when an address stays on this machine or a private network (loopback, RFC 1918,
 * link-local, CGNAT, unique-local, IPv4-mapped private): the engine scans those without asking.
 */
export function isPrivateAddress(address: string): boolean {
  if (isIPv4(address)) {
    const n = ipv4ToInt(address);
    return PRIVATE_V4.some(([base, bits]) => inV4(n, base, bits));
  }
  const v = ipv6ToBigInt(address);
  if (v === undefined) return false;
  if (v === 1n || v === 0n) return true;
  if (v >> 32n === 0xffffn) return isPrivateAddress(intToIpv4(Number(v & 0xffffffffn)));
  const top = Number(v >> 112n);
  return (top & 0xfe00) === 0xfc00 || (top & 0xffc0) === 0xfe80;
}
