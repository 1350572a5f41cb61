/**
 * The words about addresses that the renderer shows as they are: whether a listen address stays
 * on this machine, and the warning when it does not (for a listener and for a forward). Kept free
 * of zod and Node so that the renderer's forms import them without bundling the schemas (as
 * scan-notes.ts does); the engine's ListenerInfo and ForwardInfo carry the same sentences.
 */
import { intToIpv4, ipv4ToInt, ipv6ToBigInt, isIPv4 } from './ip-address.js';
import type { ForwardKind } from './forwards.js';

const MAPPED = /^::ffff:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/i;

/**
 * An IPv4-mapped IPv6 address (::ffff:127.0.0.1) as plain IPv4, so that the two halves of a
 * dual-stack connection compare equal and people read what they typed; anything else as is
 * (undefined as ''). Cheap on the socket table's path: one character test for most addresses.
 */
export function plainAddress(address: string | undefined): string {
  if (!address) return '';
  return address.charCodeAt(0) === 58 /* ':' */ && MAPPED.test(address) ? address.slice(7) : address;
}

/** True for an address of the loopback interface: 127.0.0.0/8, ::1, IPv4-mapped 127.x (IP literals only). */
export function isLoopbackAddress(address: string): boolean {
  if (isIPv4(address)) return ipv4ToInt(address) >>> 24 === 127;
  if (!address.includes(':')) return false;
  const v = ipv6ToBigInt(address);
  if (v === undefined) return false;
  return v === 1n || (v >> 32n === 0xffffn && isLoopbackAddress(intToIpv4(Number(v & 0xffffffffn))));
}

/** True for a host only this machine can reach: a loopback address, or the name localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().replace(/^\[(.*)\]$/, '$1');
  return h.toLowerCase() === 'localhost' || isLoopbackAddress(h);
}

/** True for the wildcard addresses that mean "every network of this machine" (and the empty or * host some tools write). */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '*' || host === '';
}

/** The sentence shown when a listener can be reached from other machines, or undefined for loopback. */
export function listenerExposure(address: string, port: number, protocol: string): string | undefined {
  if (isLoopbackHost(address)) return undefined;
  return isWildcardHost(address)
    ? `Listening on ${address} exposes port ${port}/${protocol} to every network this machine is on: anyone who can reach it can connect. Use 127.0.0.1 or ::1 unless you mean it.`
    : `Listening on ${address} exposes port ${port}/${protocol} to the network of that address: other machines there can connect. Use 127.0.0.1 or ::1 unless you mean it.`;
}

/** The warning for a forward's listen address that other machines can reach, or undefined for loopback. */
export function forwardExposure(kind: ForwardKind, host: string, port: number): string | undefined {
  if (isLoopbackHost(host)) return undefined;
  const where = kind === 'ssh-remote' ? 'on the SSH server' : 'on this machine';
  const reach = isWildcardHost(host) ? 'every network' : `the network of ${host}`;
  return (
    `Listening on ${host}:${port} ${where} exposes this forward to ${reach}: anyone who can reach it can use the target through it. ` +
    'Use 127.0.0.1 unless you mean it, or limit clients with an allowlist.'
  );
}
