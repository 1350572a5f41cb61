/**
 * The user's saved files through the whole app: a burst of pipelined forwards.create calls is a
 * bounded number of writes (memory stays flat: each write serializes the list once), and damaged
 * or unreadable files are told on the CLI's stderr once per run and listed by settings.get (what
 * the app's status bar shows), including once what an earlier CLI command found.
 */
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';

/** Renames onto each file name (one per atomic write). */
const renames = vi.hoisted(() => new Map<string, number>());
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const rename = (async (from: string, to: string) => {
    const name = path.basename(String(to));
    renames.set(name, (renames.get(name) ?? 0) + 1);
    return real.rename(from, to);
  }) as typeof real.rename;
  return { ...real, rename, default: { ...real, rename } };
});

const { createApp } = await import('../../src-main/app/create-app.js');
const { runCli } = await import('../../src-main/cli/run.js');
const { ASSETS_DIR, testApp } = await import('../helpers/app.js');

describe('saved files through the app', () => {
  it('3,000 pipelined forwards.create calls all land in forwards.json in at most 3 writes', async () => {
    const { app, dataDir, dispose } = await testApp('direct');
    try {
      renames.clear();
      const n = 3000;
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          app.invoke('forwards.create', { spec: { kind: 'tcp', name: `f${i}`, listenPort: 0, targetHost: '127.0.0.1', targetPort: 9 }, save: true, start: false }),
        ),
      );
      expect(results.filter((r) => !r.ok)).toEqual([]);
      const ids = results.map((r) => (r.ok ? (r.value as { info: { id: string } }).info.id : ''));
      const saved = JSON.parse(await readFile(path.join(dataDir, 'forwards.json'), 'utf8')) as { forwards: { id: string }[] };
      expect(saved.forwards.map((f) => f.id)).toEqual(ids);
      // Before saves coalesced, each call wrote the whole file: 3,000 writes of up to 3,000 forwards.
      expect(renames.get('forwards.json')).toBeLessThanOrEqual(3);
    } finally {
      await dispose();
    }
  });

  it('damaged and unreadable files are told on the CLI stderr once per run, and listed by settings.get, with what earlier commands found (once)', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'portolan-told-'));
    await writeFile(path.join(dataDir, 'settings.json'), '{"theme": "dark", "filt');
    await writeFile(path.join(dataDir, 'knock.json'), 'null');
    await mkdir(path.join(dataDir, 'forwards.json'));
    const run = async () => {
      let stderr = '';
      const code = await runCli(['port', '22', '--json'], {
        stdout: () => undefined,
        stderr: (t) => (stderr += t),
        assetsDir: ASSETS_DIR,
        staticDir: ASSETS_DIR,
        dataDir,
        interrupted: new Promise(() => undefined),
      });
      return { code, lines: stderr.trim().split('\n').filter(Boolean) };
    };
    const first = await run();
    expect(first.code).toBe(0);
    expect(first.lines).toHaveLength(3);
    expect(first.lines.find((l) => /settings file was damaged .*kept as .*settings\.json\.corrupt-/.test(l))).toBeDefined();
    expect(first.lines.find((l) => /knock profiles file was damaged .*kept as .*knock\.json\.corrupt-/.test(l))).toBeDefined();
    expect(first.lines.find((l) => /forwards file .* cannot be read \(EISDIR.*will not save over it/.test(l))).toBeDefined();
    const names = await readdir(dataDir);
    expect(names.filter((n) => n.includes('.corrupt-'))).toHaveLength(2);

    // The damaged files were kept aside and told; the folder in place of forwards.json is still there.
    const second = await run();
    expect(second.lines).toHaveLength(1);
    expect(second.lines[0]).toMatch(/forwards file .* cannot be read \(EISDIR/);

    // The app's window (here serve's) lists what it finds itself, and once what earlier commands found.
    const open = async () => {
      const app = await createApp({ assetsDir: ASSETS_DIR, dataDir, transport: 'web', heartbeatMs: 0 });
      const state = await app.invoke('settings.get', {});
      return { app, problems: state.ok ? ((state.value as { problems?: string[] }).problems ?? []) : [] };
    };
    const { app, problems } = await open();
    try {
      expect(problems).toHaveLength(3);
      expect(problems[0]).toMatch(/^Your forwards file .* cannot be read \(EISDIR/);
      expect(problems.slice(1).sort()).toEqual([
        expect.stringMatching(/^Found by an earlier portolan command: Your knock profiles file was damaged/),
        expect.stringMatching(/^Found by an earlier portolan command: Your settings file was damaged/),
      ]);
      const create = await app.invoke('forwards.create', { spec: { kind: 'tcp', name: 'x', listenPort: 0, targetHost: '127.0.0.1', targetPort: 9 }, save: true, start: false });
      expect(create).toMatchObject({ ok: false, error: { message: expect.stringMatching(/will not save over it/) } });
    } finally {
      await app.close();
    }
    const again = await open();
    await again.app.close();
    expect(again.problems).toEqual([expect.stringMatching(/^Your forwards file .* cannot be read \(EISDIR/)]);
  });
});
