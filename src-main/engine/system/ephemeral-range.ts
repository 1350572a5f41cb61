/**
 * The machine's ephemeral (dynamic) port range and its privileged-port boundary: the ports the OS
 * picks for outgoing connections, and the lowest port an unprivileged process may bind.
 */
import { readFile } from 'node:fs/promises';

/** A port range with the place the numbers were read from. */
export interface EphemeralRange {
  low: number;
  high: number;
  /** Where the numbers come from: a file read on this machine, or an OS's documented default. */
  source: string;
}

const LINUX_RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';
const LINUX_UNPRIV_FILE = '/proc/sys/net/ipv4/ip_unprivileged_port_start';

/** Parses the two numbers of Linux's ip_local_port_range ("32768\t60999"). */
export function parseLinuxPortRange(text: string): { low: number; high: number } | undefined {
  const match = /^\s*(\d+)\s+(\d+)\s*$/.exec(text);
  if (!match) return undefined;
  const low = Number(match[1]);
  const high = Number(match[2]);
  if (low > high || high > 65535) return undefined;
  return { low, high };
}

/**
 * Reads this machine's ephemeral range. Linux exposes it in /proc; Windows (since Vista) and
 * macOS use IANA's dynamic range 49152-65535 by default, which is what we report there.
 */
export async function readEphemeralRange(platform: NodeJS.Platform = process.platform): Promise<EphemeralRange> {
  if (platform === 'linux') {
    try {
      const parsed = parseLinuxPortRange(await readFile(LINUX_RANGE_FILE, 'utf8'));
      if (parsed) return { ...parsed, source: LINUX_RANGE_FILE };
    } catch {
      // Not readable (a restricted container): fall back to the kernel's documented default.
    }
    return { low: 32768, high: 60999, source: 'Linux kernel default (ip-sysctl documentation)' };
  }
  if (platform === 'win32') return { low: 49152, high: 65535, source: 'Windows default dynamic port range (netsh int ipv4 show dynamicport tcp)' };
  if (platform === 'darwin') return { low: 49152, high: 65535, source: 'macOS default (sysctl net.inet.ip.portrange.first/last)' };
  return { low: 49152, high: 65535, source: 'IANA dynamic range (RFC 6335); this OS was not inspected' };
}

/**
 * The lowest port an unprivileged process may bind: 1024 on Unix unless Linux's
 * ip_unprivileged_port_start says otherwise; 0 on Windows, which has no privileged ports.
 */
export async function readUnprivilegedPortStart(platform: NodeJS.Platform = process.platform): Promise<number> {
  if (platform === 'win32') return 0;
  if (platform === 'linux') {
    try {
      const value = Number((await readFile(LINUX_UNPRIV_FILE, 'utf8')).trim());
      if (Number.isInteger(value) && value >= 0 && value <= 65536) return value;
    } catch {
      // Older kernels lack the file; they use the classic boundary.
    }
  }
  return 1024;
}
