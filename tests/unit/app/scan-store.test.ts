/** The scan history's limit: the oldest scans are dropped on save, found by name when no index was built. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProblemLog } from '../../../src-main/app/problem-log.js';
import { ScanStore } from '../../../src-main/app/scan-store.js';
import { savedScan } from '../../helpers/scan.js';

let dir: string;
let problems: ProblemLog;
const saved = () => readdirSync(dir).sort();
const put = (id: string, content: string) => writeFileSync(path.join(dir, `${id}.json`), content);

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'portolan-scan-store-'));
  problems = new ProblemLog();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ScanStore history limit', () => {
  it('drops the oldest by their names without reading the other scans', async () => {
    // Damaged on purpose: reading it would move it aside and report it, which a save must not need.
    put('20240101T000000-aaaaaa', '{"info":');
    put('20240102T000000-bbbbbb', JSON.stringify(savedScan('20240102T000000-bbbbbb', 2)));
    put('20240103T000000-cccccc', JSON.stringify(savedScan('20240103T000000-cccccc', 3)));
    const store = new ScanStore(dir, 3, problems);
    await store.save(savedScan('20240104T000000-dddddd', 4));
    expect(saved()).toEqual(['20240102T000000-bbbbbb.json', '20240103T000000-cccccc.json', '20240104T000000-dddddd.json']);
    expect(problems.list()).toEqual([]);
    await store.save(savedScan('20240105T000000-eeeeee', 5));
    expect(saved()).toEqual(['20240103T000000-cccccc.json', '20240104T000000-dddddd.json', '20240105T000000-eeeeee.json']);
  });

  it('reads the scans when a name does not begin with its start time, and drops by start time', async () => {
    put('copied-by-hand', JSON.stringify(savedScan('copied-by-hand', 1)));
    put('20240103T000000-cccccc', JSON.stringify(savedScan('20240103T000000-cccccc', 3)));
    const store = new ScanStore(dir, 2, problems);
    await store.save(savedScan('20240104T000000-dddddd', 4));
    expect(saved()).toEqual(['20240103T000000-cccccc.json', '20240104T000000-dddddd.json']);
    expect((await store.list()).scans.map((s) => s.id)).toEqual(['20240104T000000-dddddd', '20240103T000000-cccccc']);
  });

  it('keeps its index right once the history was listed', async () => {
    put('20240101T000000-aaaaaa', JSON.stringify(savedScan('20240101T000000-aaaaaa', 1)));
    const store = new ScanStore(dir, 2, problems);
    expect((await store.list()).scans).toHaveLength(1);
    await store.save(savedScan('20240102T000000-bbbbbb', 2));
    await store.save(savedScan('20240103T000000-cccccc', 3));
    expect((await store.list()).scans.map((s) => s.id)).toEqual(['20240103T000000-cccccc', '20240102T000000-bbbbbb']);
    expect(saved()).toEqual(['20240102T000000-bbbbbb.json', '20240103T000000-cccccc.json']);
  });
});
