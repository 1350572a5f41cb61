/** Port specs: '22,80,443', '1-1024', 'all', 'top:100', service names ('ssh,http'), mixed. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PortolanError } from '../../contract/errors.js';
import { type ScanProtocol } from '../../contract/scan.js';

/** Ports in the order they are most often open (assets/scan/top-ports.json). */
export interface TopPorts {
  tcp: number[];
  udp: number[];
}

/** Finds the ports of a service name (from the dictionary); empty when the name is unknown. */
export type ServicePorts = (name: string, protocol: ScanProtocol) => number[];

/** Loads the curated order of most commonly open ports. */
export async function loadTopPorts(assetsDir: string): Promise<TopPorts> {
  const data = JSON.parse(await readFile(path.join(assetsDir, 'scan', 'top-ports.json'), 'utf8')) as TopPorts;
  return { tcp: data.tcp, udp: data.udp };
}

const toPort = (text: string, whole: string): number => {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) {
    throw new PortolanError('INVALID_INPUT', `${whole}: ${text} is not a port to scan; ports go from 1 to 65535.`);
  }
  return n;
};

/**
 * Parses a port spec into a list of distinct ports, in the order given (top:N keeps its
 * most-likely-first order, so that open ports show up early). Throws INVALID_INPUT with a sentence.
 */
export function parsePorts(spec: string, protocol: ScanProtocol, top: TopPorts, servicePorts: ServicePorts): number[] {
  const seen = new Uint8Array(65536);
  const out: number[] = [];
  const add = (p: number) => {
    if (!seen[p]) {
      seen[p] = 1;
      out.push(p);
    }
  };
  for (const raw of spec.toLowerCase().split(/[\s,]+/).filter(Boolean)) {
    const item = raw.replace(/^(t|u):/, '');
    if (item === 'all' || item === '-' || item === '*') {
      for (let p = 1; p <= 65535; p++) add(p);
      continue;
    }
    const topMatch = /^top[:=]?(\d+)$/.exec(item);
    if (topMatch) {
      const n = Number(topMatch[1]);
      const list = top[protocol];
      if (n < 1 || n > list.length) throw new PortolanError('INVALID_INPUT', `${raw}: top takes 1 to ${list.length} for ${protocol.toUpperCase()}.`);
      for (const p of list.slice(0, n)) add(p);
      continue;
    }
    const range = /^(\d*)-(\d*)$/.exec(item);
    if (range) {
      const low = range[1] ? toPort(range[1], raw) : 1;
      const high = range[2] ? toPort(range[2], raw) : 65535;
      if (low > high) throw new PortolanError('INVALID_INPUT', `The port range ${raw} is reversed: write the lower port first, e.g. ${high}-${low}.`);
      for (let p = low; p <= high; p++) add(p);
      continue;
    }
    if (/^\d+$/.test(item)) {
      add(toPort(item, raw));
      continue;
    }
    if (/^[a-z0-9][a-z0-9._+-]*$/.test(item)) {
      const ports = servicePorts(item, protocol);
      if (ports.length === 0) {
        throw new PortolanError('INVALID_INPUT', `No ${protocol.toUpperCase()} port is known for the service "${item}": give port numbers, or a name from the dictionary (ssh, http, https, smtp...).`);
      }
      for (const p of ports) add(p);
      continue;
    }
    throw new PortolanError('INVALID_INPUT', `"${raw}" is not a port spec: use numbers and ranges (22,80,1-1024), all, top:100 or service names (ssh,http).`);
  }
  if (out.length === 0) throw new PortolanError('INVALID_INPUT', 'Give at least one port.');
  return out;
}

/**
 * Ports as compact sorted ranges: [22, 80, 81, 82] -> '22,80-82'. Marks them in a 64 kB table and
 * walks it, instead of sorting a copy: a full scan's 65,535 ports as a Set and a sorted array
 * were about 3 MB of garbage at the start of the scan, a good part of its peak memory.
 */
export function compactPorts(ports: Iterable<number>): string {
  const set = new Uint8Array(65537);
  for (const p of ports) if (p >= 0 && p <= 65535) set[p] = 1;
  const parts: string[] = [];
  for (let p = 0; p <= 65535; p++) {
    if (!set[p]) continue;
    let end = p;
    while (set[end + 1]) end++;
    parts.push(end === p ? String(p) : `${p}-${end}`);
    p = end;
  }
  return parts.join(',');
}

/** The inverse of {@link compactPorts}, as a membership test. */
export function portSet(compact: string): Uint8Array {
  const set = new Uint8Array(65536);
  for (const part of compact.split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number) as [number, number | undefined];
    for (let p = a; p <= (b ?? a); p++) set[p] = 1;
  }
  return set;
}
