/**
 * The default gateway and this machine's address toward it.
 * - Linux: /proc/net/route (the default route with the lowest metric).
 * - macOS and BSD: `route -n get default` ("gateway:" and "interface:" lines).
 * - Windows: `route print -4 0.0.0.0` (the 0.0.0.0/0 row with the lowest metric).
 * - Anywhere: the PORTOLAN_GATEWAY environment variable overrides (documented fallback when the
 *   route table cannot be read, for example in a sandbox).
 */
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The default route. */
export interface Gateway {
  address: string;
  interface?: string;
}

/** The default IPv4 gateway in /proc/net/route text (little-endian hex columns), lowest metric first. */
export function parseProcNetRoute(text: string): Gateway | undefined {
  let best: (Gateway & { metric: number }) | undefined;
  for (const line of text.trim().split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[1] !== '00000000' || f[7] !== '00000000') continue;
    const flags = parseInt(f[3]!, 16);
    if (!(flags & 0x1) || !(flags & 0x2)) continue; // RTF_UP and RTF_GATEWAY
    const hex = f[2]!;
    const address = [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
    const metric = Number(f[6]);
    if (!best || metric < best.metric) best = { address, interface: f[0]!, metric };
  }
  return best && { address: best.address, interface: best.interface };
}

/** The gateway in `route -n get default` output (macOS, BSD). */
export function parseRouteGetDefault(text: string): Gateway | undefined {
  const address = /^\s*gateway:\s*(\d+\.\d+\.\d+\.\d+)\s*$/m.exec(text)?.[1];
  const iface = /^\s*interface:\s*(\S+)\s*$/m.exec(text)?.[1];
  return address ? { address, ...(iface ? { interface: iface } : {}) } : undefined;
}

/** The gateway in `route print -4 0.0.0.0` output (Windows), lowest metric first. */
export function parseWindowsRoutePrint(text: string): Gateway | undefined {
  let best: (Gateway & { metric: number }) | undefined;
  for (const m of text.matchAll(/^\s*0\.0\.0\.0\s+0\.0\.0\.0\s+(\d+\.\d+\.\d+\.\d+)\s+(\d+\.\d+\.\d+\.\d+)\s+(\d+)\s*$/gm)) {
    const metric = Number(m[3]);
    if (!best || metric < best.metric) best = { address: m[1]!, interface: m[2]!, metric };
  }
  return best && { address: best.address, interface: best.interface };
}

/** Finds the default gateway of this machine, or undefined with no default route. */
export async function findGateway(): Promise<Gateway | undefined> {
  const forced = process.env.PORTOLAN_GATEWAY?.trim();
  if (forced) return { address: forced };
  try {
    if (process.platform === 'linux') return parseProcNetRoute(await readFile('/proc/net/route', 'utf8'));
    if (process.platform === 'win32') return parseWindowsRoutePrint((await run('route', ['print', '-4', '0.0.0.0'], { timeout: 3000 })).stdout);
    return parseRouteGetDefault((await run('route', ['-n', 'get', 'default'], { timeout: 3000 })).stdout);
  } catch {
    return undefined;
  }
}

/** The local address the OS would use to reach `gateway` (a connected UDP socket sends nothing). */
export function localAddressToward(gateway: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.on('error', (err) => {
      s.close();
      reject(err);
    });
    s.connect(9, gateway, () => {
      const { address } = s.address();
      s.close();
      resolve(address);
    });
  });
}
