/**
 * The store helper's writing side: saves coalesce (one write in flight, one pending, whatever the
 * call rate), a failed write fails every save that joined it, nothing is written before the file
 * was read, the folder is flushed after the rename, and temporaries of killed writes are removed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';

/** Every handle opened through fs/promises, with whether it was synced. */
const opened = vi.hoisted(() => [] as { path: string; synced: boolean }[]);
/** Writes between the temporary's open and its rename: now, and the most at once. */
const writing = vi.hoisted(() => ({ now: 0, most: 0 }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open = (async (file: string, ...rest: unknown[]) => {
    const handle = await (real.open as (...a: unknown[]) => Promise<import('node:fs/promises').FileHandle>)(file, ...rest);
    const entry = { path: String(file), synced: false };
    if (entry.path.endsWith('.tmp')) writing.most = Math.max(writing.most, ++writing.now);
    opened.push(entry);
    const sync = handle.sync.bind(handle);
    handle.sync = async () => {
      entry.synced = true;
      return sync();
    };
    return handle;
  }) as typeof real.open;
  const rename = (async (from: string, to: string) => {
    try {
      return await real.rename(from, to);
    } finally {
      if (String(from).endsWith('.tmp')) writing.now--;
    }
  }) as typeof real.rename;
  return { ...real, open, rename, default: { ...real, open, rename } };
});

const { DataFile } = await import('../../../src-main/app/data-file.js');
const { removeOrphanTemps, writeFileAtomic } = await import('../../../src-main/app/atomic-write.js');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'portolan-datafile-'));
  opened.length = 0;
  writing.most = writing.now = 0;
});

const numbers = (file: string) =>
  new DataFile<number[]>(file, { what: 'test file', instead: 'none', empty: () => [], parse: (raw) => ({ value: raw as number[] }) });

describe('DataFile saves', () => {
  it('coalesce: 3,000 saves in one burst are at most two writes, and the file holds the last state', async () => {
    const file = numbers(path.join(dir, 'n.json'));
    const state: number[] = [];
    await file.load();
    let serialized = 0;
    const saves: Promise<void>[] = [];
    for (let i = 0; i < 3000; i++) {
      state.push(i);
      saves.push(
        file.save(() => {
          serialized++;
          return JSON.stringify(state);
        }),
      );
    }
    await Promise.all(saves);
    // The first write serializes the state when it starts; every later save joins the one pending write.
    expect(file.writes).toBe(2);
    expect(serialized).toBe(2);
    expect(JSON.parse(await readFile(file.file, 'utf8'))).toHaveLength(3000);
  });

  it('at most one write in flight, whatever the call rate', async () => {
    const file = numbers(path.join(dir, 'n.json'));
    await file.load();
    const saves: Promise<void>[] = [];
    for (let round = 0; round < 200; round++) {
      saves.push(file.save(() => `[${round}]`));
      // Calls arrive both in bursts and spread over the writes' own steps.
      if (round % 7 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(saves);
    expect(writing.most).toBe(1);
    expect(file.writes).toBeGreaterThan(1);
    expect(file.writes).toBeLessThan(200);
    expect(await readFile(file.file, 'utf8')).toBe('[199]');
  });

  it('a failed write fails every save that joined it, and the next save writes again', async () => {
    const target = path.join(dir, 'sub', 'n.json');
    const file = numbers(target);
    await file.load();
    await writeFile(path.join(dir, 'sub'), 'a file where the folder should be');
    const first = file.save(() => '[1]');
    const joined = [file.save(() => '[2]'), file.save(() => '[3]')];
    await expect(first).rejects.toThrow();
    for (const p of joined) await expect(p).rejects.toThrow();
    await rm(path.join(dir, 'sub'));
    await file.save(() => '[4]');
    expect(await readFile(target, 'utf8')).toBe('[4]');
  });

  it('refuses to save a file that was never read (it could replace what it holds)', async () => {
    const file = numbers(path.join(dir, 'n.json'));
    await expect(file.save(() => '[]')).rejects.toThrow(/before it was loaded/);
  });
});

describe('DataFile parses loaded on demand', () => {
  it('load the parse only when there is a file to check', async () => {
    let loads = 0;
    const load = async () => (loads++, (raw: unknown) => ({ value: raw as number[] }));
    const missing = new DataFile<number[]>(path.join(dir, 'none.json'), { what: 'test file', instead: 'none', empty: () => [], parse: { load } });
    expect(await missing.load()).toEqual([]);
    expect(loads).toBe(0);
    const file = path.join(dir, 'n.json');
    await writeFile(file, '[1,2]');
    expect(await new DataFile<number[]>(file, { what: 'test file', instead: 'none', empty: () => [], parse: { load } }).load()).toEqual([1, 2]);
    expect(loads).toBe(1);
  });

  it('a parse that fails to load fails the read and leaves the file where it is, never kept aside as damaged', async () => {
    const file = path.join(dir, 'n.json');
    await writeFile(file, '[1,2]');
    const problems: string[] = [];
    const data = new DataFile<number[]>(file, {
      what: 'test file',
      instead: 'none',
      empty: () => [],
      parse: { load: async () => Promise.reject(new Error('Cannot find module ./gone.js')) },
      problems: { report: (p: string) => problems.push(p) },
    });
    await expect(data.load()).rejects.toThrow(/gone\.js/);
    expect(await readdir(dir)).toEqual(['n.json']);
    expect(await readFile(file, 'utf8')).toBe('[1,2]');
    expect(problems).toEqual([]);
  });
});

describe('atomic writes', () => {
  it('flush the file, then the folder after the rename', async () => {
    const file = path.join(dir, 'x.json');
    await writeFileAtomic(file, '{}');
    expect(opened.map((o) => [o.path === dir ? 'dir' : path.extname(o.path), o.synced])).toEqual([
      ['.tmp', true],
      ['dir', true],
    ]);
    expect(await readdir(dir)).toEqual(['x.json']);
  });

  it('remove temporaries of killed writes at start, and leave those of live writers', async () => {
    // A pid that is surely dead: a child that has exited.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const orphan = `settings.json.${dead}.0a1b2c3d.tmp`;
    const live = `settings.json.${process.ppid}.0a1b2c3d.tmp`;
    const mine = `forwards.json.${process.pid}.deadbeef.tmp`;
    for (const name of [orphan, live, mine, 'settings.json', 'notes.tmp']) await writeFile(path.join(dir, name), 'x');
    expect(await removeOrphanTemps(dir)).toEqual([orphan]);
    expect((await readdir(dir)).sort()).toEqual([live, mine, 'notes.tmp', 'settings.json'].sort());
    expect(await removeOrphanTemps(path.join(dir, 'missing'))).toEqual([]);
  });
});
