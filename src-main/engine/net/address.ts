/**
 * Address helpers every engine part uses: the plain form of an IPv4-mapped address, host:port
 * text, and (from the zod-free contract, so the renderer shares them) the loopback and private
 * checks.
 */
export { isLoopbackAddress, isLoopbackHost, isWildcardHost } from '../../contract/net-notes.js';
export { isPrivateAddress } from '../../contract/ip-address.js';

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

/** "host:port", with brackets around an IPv6 host. */
export const hostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
