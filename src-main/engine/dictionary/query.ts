/** Understands what a person typed in the port search box. */
import { PortolanError } from '../../contract/errors.js';

/** A parsed look-up: one port, a range of ports, or words to match against names and descriptions. */
export type ParsedQuery =
  | { kind: 'number'; port: number }
  | { kind: 'range'; low: number; high: number }
  | { kind: 'words'; words: string[] };

function toPort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new PortolanError('INVALID_INPUT', `${text} is not a port number: ports go from 0 to 65535.`);
  }
  return port;
}

/**
 * Parses "443", "443/tcp", "0-1023", "49152-", "-1023" or free words ("ssh", "network time").
 * Throws INVALID_INPUT for numbers outside 0-65535 and reversed ranges.
 */
export function parseQuery(raw: string): ParsedQuery {
  const text = raw.trim().toLowerCase();
  const single = /^(\d+)(?:\/(?:tcp|udp|sctp|dccp))?$/.exec(text);
  if (single) return { kind: 'number', port: toPort(single[1]!) };
  const range = /^(\d*)\s*(?:-|–|\.\.)\s*(\d*)$/.exec(text);
  if (range && (range[1] || range[2])) {
    const low = range[1] ? toPort(range[1]) : 0;
    const high = range[2] ? toPort(range[2]) : 65535;
    if (low > high) {
      throw new PortolanError('INVALID_INPUT', `The range ${raw.trim()} is reversed: write the lower port first, e.g. ${high}-${low}.`);
    }
    return { kind: 'range', low, high };
  }
  const words = text.split(/[\s,]+/).filter((w) => w.length > 0);
  return { kind: 'words', words };
}
