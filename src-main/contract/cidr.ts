/**
 * IP addresses and CIDR blocks without Node modules, so that the form (validation as you type)
 * and the engine (the allowlist check on every accept) share one implementation.
 *
 * Every address is held as 16 bytes: IPv4 as its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so that
 * "10.0.0.0/8" also matches a client seen as "::ffff:10.1.2.3" on a dual-stack socket.
 */

/** An address or block as 16 bytes and a prefix length in IPv6 bits. */
export interface CidrBlock {
  bytes: Uint8Array;
  /** Prefix length over the 128-bit form (an IPv4 /8 is 104). */
  bits: number;
  /** The block as the user wrote it, normalized (e.g. "10.0.0.0/8"). */
  text: string;
}

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

/** Parses an IPv4 or IPv6 address (zone ids such as %eth0 are ignored) into 16 bytes. */
export function parseIp(input: string): Uint8Array | undefined {
  const text = input.trim().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const v4 = parseIpv4(text);
  if (v4) return Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4]);
  if (!text.includes(':')) return undefined;
  // A trailing dotted quad (::ffff:1.2.3.4) counts as two groups.
  let head = text;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const quad = parseIpv4(text.slice(lastColon + 1));
    if (!quad) return undefined;
    tail = quad;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = all[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const n = parseInt(g, 16);
    bytes[i * 2] = n >> 8;
    bytes[i * 2 + 1] = n & 0xff;
  }
  if (tail.length) bytes.set(tail, 12);
  return bytes;
}

/** True when the 16 bytes are an IPv4-mapped address. */
function isMapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/**
 * Parses "10.0.0.0/8", "192.168.1.7" (a single host), "fd00::/8" or "::1". Returns undefined for
 * anything else, or a message through {@link cidrProblem}.
 */
export function parseCidr(input: string): CidrBlock | undefined {
  const text = input.trim();
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const bytes = parseIp(addrText);
  if (!bytes) return undefined;
  const v4 = parseIpv4(addrText.trim()) !== undefined;
  const max = v4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > max) return undefined;
  }
  const bits = v4 ? prefix + 96 : prefix;
  // Zero the host bits so that "10.1.2.3/8" means 10.0.0.0/8.
  const masked = Uint8Array.from(bytes);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    masked[i]! &= (0xff << (8 - keep)) & 0xff;
  }
  return { bytes: masked, bits, text: `${addrText.trim()}/${prefix}` };
}

/** Why a CIDR text is not valid, or undefined when it is. */
export function cidrProblem(input: string): string | undefined {
  if (parseCidr(input)) return undefined;
  return `"${input}" is not an address block: write an address (192.168.1.7, ::1) or a block such as 10.0.0.0/8 or fd00::/8.`;
}

/** True when the address lies in the block. */
export function cidrContains(block: CidrBlock, address: Uint8Array): boolean {
  let bits = block.bits;
  for (let i = 0; i < 16 && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((address[i]! & mask) !== block.bytes[i]) return false;
  }
  return true;
}

/** An allowlist: empty allows every address; otherwise an address must lie in one of the blocks. */
export class CidrAllowlist {
  private readonly blocks: CidrBlock[];

  constructor(entries: readonly string[]) {
    this.blocks = entries.map((e) => {
      const block = parseCidr(e);
      if (!block) throw new Error(cidrProblem(e));
      return block;
    });
  }

  /** True when no block is set (every source is allowed). */
  get open(): boolean {
    return this.blocks.length === 0;
  }

  /** True when `address` (IPv4, IPv6 or IPv4-mapped IPv6) may connect. */
  allows(address: string | undefined): boolean {
    if (this.blocks.length === 0) return true;
    if (!address) return false;
    const bytes = parseIp(address);
    if (!bytes) return false;
    return this.blocks.some((b) => cidrContains(b, bytes));
  }
}

/** True for IPv4-mapped IPv6 addresses (exported for display helpers). */
export function isIpv4Mapped(address: string): boolean {
  const bytes = parseIp(address);
  return !!bytes && isMapped(bytes) && address.includes(':');
}
