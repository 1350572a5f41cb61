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

function decodeEndpoint(text: string): { address: string; port: number } {
  const [addr = '', port = '0'] = text.split(':');
  return { address: addr.length > 8 ? decodeIPv6(addr) : decodeIPv4(addr), port: Number.parseInt(port, 16) };
}

/** Parses the whole text of one /proc/net table; the header and malformed lines are skipped. */
export function parseProcNet(text: string, protocol: 'tcp' | 'udp'): ProcNetRow[] {
  const rows: ProcNetRow[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !f[0]?.endsWith(':')) continue;
    const local = decodeEndpoint(f[1]!);
    const remote = decodeEndpoint(f[2]!);
    const [tx = '0', rx = '0'] = (f[4] ?? '').split(':');
    const stateCode = (f[3] ?? '').toUpperCase();
    rows.push({
      localAddress: local.address,
      localPort: local.port,
      remoteAddress: remote.address,
      remotePort: remote.port,
      state: protocol === 'udp' ? (stateCode === '01' ? 'ESTABLISHED' : 'UNCONN') : (TCP_STATES[stateCode] ?? `UNKNOWN(${stateCode})`),
      txQueue: Number.parseInt(tx, 16),
      rxQueue: Number.parseInt(rx, 16),
      uid: Number(f[7]),
      inode: Number(f[9]),
    });
  }
  return rows;
}
