/**
 * Address helpers every engine part uses: the plain form of an IPv4-mapped address, host:port
 * text, and (from the zod-free contract, so the renderer shares them) the loopback and private
 * checks.
 */
export { isLoopbackAddress, isLoopbackHost, isWildcardHost, plainAddress } from '../../contract/net-notes.js';
export { isPrivateAddress } from '../../contract/ip-address.js';

/** "host:port", with brackets around an IPv6 host. */
export const hostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
