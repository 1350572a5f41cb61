/** Small address helpers of listeners and sessions. */
import dns from 'node:dns/promises';
import net from 'node:net';

/** An IPv4-mapped IPv6 address (::ffff:1.2.3.4) as plain IPv4, for display. */
export const plainAddress = (address: string | undefined): string => (address ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

/** True for addresses only this machine can reach. */
export function isLoopback(address: string): boolean {
  const a = plainAddress(address);
  return a.startsWith('127.') || a === '::1' || a.toLowerCase() === 'localhost';
}

/** The sentence shown when a listener can be reached from other machines, or undefined. */
export function exposureWarning(address: string, port: number, protocol: string): string | undefined {
  if (isLoopback(address)) return undefined;
  const all = address === '0.0.0.0' || address === '::';
  return all
    ? `Listening on ${address} exposes port ${port}/${protocol} to every network this machine is on: anyone who can reach it can connect. Use 127.0.0.1 or ::1 unless you mean it.`
    : `Listening on ${address} exposes port ${port}/${protocol} to the network of that address: other machines there can connect. Use 127.0.0.1 or ::1 unless you mean it.`;
}

/** An IP literal as is, or the first address of a name (rejects with the resolver's error code). */
export async function resolveHost(host: string): Promise<string> {
  if (net.isIP(host)) return host;
  if (host === 'localhost') return '127.0.0.1';
  return (await dns.lookup(host)).address;
}
