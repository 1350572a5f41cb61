/**
 * Checks a port spec as the user types: the engine's syntax and sentences
 * (src-main/engine/scanner/ports.ts), and how many ports it holds. Service names are looked up by
 * the engine in the dictionary, so their ports are unknown here and the count is marked approximate.
 */
import type { ScanProtocol } from '../../../../src-main/contract/scan.js';

/** Length of each protocol's curated top-ports list (assets/scan/top-ports.json). */
export const TOP_MAX = 1000;

/** What a port spec holds, or why it is wrong. */
export interface PortsCheck {
  error?: string;
  /** Distinct ports known here (numbers, ranges, all), plus N for each top:N. */
  count: number;
  /** True when top:N may overlap other items, or service names add ports unknown here. */
  approximate: boolean;
  /** Service names the engine will look up. */
  names: string[];
}

const badPort = (text: string, whole: string) => `${whole}: ${text} is not a port to scan; ports go from 1 to 65535.`;

function toPort(text: string): number | null {
  const n = Number(text);
  return /^\d+$/.test(text) && n >= 1 && n <= 65535 ? n : null;
}

/** Checks a port spec; a spec the engine accepts (names aside) has no error. */
export function checkPorts(spec: string, protocol: ScanProtocol): PortsCheck {
  const seen = new Uint8Array(65536);
  let count = 0;
  let top = 0;
  const names: string[] = [];
  const addRange = (low: number, high: number) => {
    for (let p = low; p <= high; p++) {
      if (!seen[p]) {
        seen[p] = 1;
        count++;
      }
    }
  };
  const result = (error?: string): PortsCheck => ({
    ...(error ? { error } : {}),
    count: Math.min(65535, count + top),
    approximate: top > 0 || names.length > 0,
    names,
  });
  for (const raw of spec.toLowerCase().split(/[\s,]+/).filter(Boolean)) {
    const item = raw.replace(/^(t|u):/, '');
    if (item === 'all' || item === '-' || item === '*') {
      addRange(1, 65535);
      continue;
    }
    const topMatch = /^top[:=]?(\d+)$/.exec(item);
    if (topMatch) {
      const n = Number(topMatch[1]);
      if (n < 1 || n > TOP_MAX) return result(`${raw}: top takes 1 to ${TOP_MAX} for ${protocol.toUpperCase()}.`);
      top = Math.max(top, n);
      continue;
    }
    const range = /^(\d*)-(\d*)$/.exec(item);
    if (range) {
      const low = range[1] ? toPort(range[1]) : 1;
      if (low === null) return result(badPort(range[1]!, raw));
      const high = range[2] ? toPort(range[2]) : 65535;
      if (high === null) return result(badPort(range[2]!, raw));
      if (low > high) return result(`The port range ${raw} is reversed: write the lower port first, e.g. ${high}-${low}.`);
      addRange(low, high);
      continue;
    }
    if (/^\d+$/.test(item)) {
      const port = toPort(item);
      if (port === null) return result(badPort(item, raw));
      addRange(port, port);
      continue;
    }
    if (/^[a-z0-9][a-z0-9._+-]*$/.test(item)) {
      names.push(item);
      continue;
    }
    return result(`"${raw}" is not a port spec: use numbers and ranges (22,80,1-1024), all, top:100 or service names (ssh,http).`);
  }
  if (count === 0 && top === 0 && names.length === 0) return result("Give ports: '22,80,443', '1-1024', 'all', 'top:100' or service names such as 'ssh,http'.");
  // When all ports are in already, top:N adds none.
  if (count === 65535) top = 0;
  return result();
}
