/** Recognises what the user typed into the command palette as a host, or a host and port. */
import { parsePort } from '../state/app.svelte.js';

/** "host:port", "1.2.3.4:80" or "[::1]:22" as a host and a port; null otherwise. */
export function hostPort(text: string): { host: string; port: number } | null {
  const m = /^\[([0-9a-f:.]+)\]:(\d{1,5})$/i.exec(text) ?? /^([a-z0-9.-]+):(\d{1,5})$/i.exec(text);
  if (!m) return null;
  const port = parsePort(m[2]!);
  return port && looksLikeHost(m[1]!) ? { host: m[1]!, port } : null;
}

/** An IPv4/IPv6 address, a CIDR block, or a dotted host name (a single word is a dictionary search). */
export function looksLikeHost(text: string): boolean {
  if (/^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/.test(text)) return true;
  if (/^[0-9a-f]*:[0-9a-f:.]+(\/\d{1,3})?$/i.test(text) && text.includes(':')) return true;
  return /^(?=.*[a-z])[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(text) || text === 'localhost';
}
