/**
 * Parses Linux's /proc/net/{tcp,tcp6,udp,udp6}: the kernel's own socket tables, read without
 * spawning a process. Addresses are little-endian hex per 32-bit word; ports are big-endian hex.
 */

/** TCP states by the kernel's numeric code (include/net/tcp_states.h). */
export const TCP_STATES: Record<string, string> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
  '0C': 'NEW_SYN_RECV',
};

/** One row of a /proc/net socket table. */
export interface ProcNetRow {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** TCP state name; UDP sockets report 'UNCONN' (07) or 'ESTABLISHED' (01, connected). */
  state: string;
  txQueue: number;
  rxQueue: number;
  uid: number;
  inode: number;
}

function decodeIPv4(hex: string): string {
  const n = Number.parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
}

function decodeIPv6(hex: string): string {
  const bytes: number[] = [];
  for (let word = 0; word < 4; word++) {
    const w = hex.slice(word * 8, word * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(Number.parseInt(w.slice(b * 2, b * 2 + 2), 16));
  }
  // An IPv4-mapped address (::ffff:a.b.c.d) is shown the way people write it.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return compressIPv6(groups);
}

/** Writes eight hex groups with the longest run of zero groups collapsed to "::" (RFC 5952). */
function compressIPv6(groups: string[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

/** Value of `length` hex digits at `i`, or NaN. */
function hexAt(text: string, i: number, length: number): number {
  let value = 0;
  for (let k = i; k < i + length; k++) {
    const c = text.charCodeAt(k);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) return NaN;
    value = value * 16 + d;
  }
  return value;
}

/** The decimal number at `i` (after spaces) and the index after it. */
function decimalAt(text: string, i: number): [number, number] {
  while (text.charCodeAt(i) === 32) i++;
  let value = 0;
  let digits = 0;
  for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) {
    value = value * 10 + (c - 48);
    digits++;
  }
  return [digits > 0 ? value : NaN, i];
}

/** Decoded addresses by their hex form: a busy machine has thousands of sockets but few addresses. */
const addressCache = new Map<string, string>();

function addressAt(text: string, i: number, length: number): string {
  const hex = text.slice(i, i + length);
  let address = addressCache.get(hex);
  if (address === undefined) {
    address = length === 32 ? decodeIPv6(hex) : decodeIPv4(hex);
    if (addressCache.size > 4096) addressCache.clear();
    addressCache.set(hex, address);
  }
  return address;
}

/**
 * Parses the whole text of one /proc/net table; the header and malformed lines are skipped.
 * The kernel prints fixed-width hex fields (net/ipv4/tcp_ipv4.c, get_tcp4_sock), so the parser
 * reads them at their offsets instead of splitting lines: with 10,000 sockets this is the hot
 * path of every tick.
 */
export function parseProcNet(text: string, protocol: 'tcp' | 'udp'): ProcNetRow[] {
  const rows: ProcNetRow[] = [];
  let lineStart = text.indexOf('\n') + 1; // skip the header
  if (lineStart === 0) return rows;
  while (lineStart < text.length) {
    let end = text.indexOf('\n', lineStart);
    if (end < 0) end = text.length;
    const row = parseLine(text, lineStart, end, protocol);
    if (row) rows.push(row);
    lineStart = end + 1;
  }
  return rows;
}

// "   0: 0100007F:1F90 0100007F:C350 01 0000000A:00000002 00:00000000 00000000  1000  0 98765 ..."
function parseLine(text: string, start: number, end: number, protocol: 'tcp' | 'udp'): ProcNetRow | undefined {
  const colon = text.indexOf(':', start);
  if (colon < 0 || colon > end) return undefined;
  const p = colon + 2;
  const width = text.charCodeAt(p + 8) === 58 ? 8 : text.charCodeAt(p + 32) === 58 ? 32 : 0;
  if (width === 0) return undefined;
  const localPort = hexAt(text, p + width + 1, 4);
  const r = p + width + 6;
  const remotePort = hexAt(text, r + width + 1, 4);
  const st = r + width + 6;
  const stateCode = text.slice(st, st + 2).toUpperCase();
  const txQueue = hexAt(text, st + 3, 8);
  const rxQueue = hexAt(text, st + 12, 8);
  // After "tr:tm->when retrnsmt" come uid, timeout and inode, of varying widths.
  const [uid, afterUid] = decimalAt(text, st + 21 + 12 + 9);
  const [, afterTimeout] = decimalAt(text, afterUid);
  const [inode, i] = decimalAt(text, afterTimeout);
  if (i > end || [localPort, remotePort, txQueue, rxQueue, uid, inode].some(Number.isNaN)) return undefined;
  return {
    localAddress: addressAt(text, p, width),
    localPort,
    remoteAddress: addressAt(text, r, width),
    remotePort,
    state: protocol === 'udp' ? (stateCode === '01' ? 'ESTABLISHED' : 'UNCONN') : (TCP_STATES[stateCode] ?? `UNKNOWN(${stateCode})`),
    txQueue,
    rxQueue,
    uid,
    inode,
  };
}
