import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { electronExecutable, MISSING_RUNTIME } from '../../../scripts/start-electron.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'portolan-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm start (scripts/start-electron.mjs)', { timeout: 30_000 }, () => {
  it('finds the Electron executable only when node_modules/electron holds one', () => {
    const electronDir = path.join(dir, 'electron');
    mkdirSync(path.join(electronDir, 'dist'), { recursive: true });
    expect(electronExecutable(electronDir, {})).toBeUndefined();
    writeFileSync(path.join(electronDir, 'path.txt'), 'electron');
    expect(electronExecutable(electronDir, {})).toBeUndefined();
    writeFileSync(path.join(electronDir, 'dist', 'electron'), '');
    expect(electronExecutable(electronDir, {})).toBe(path.join(electronDir, 'dist', 'electron'));
  });

  it('without the runtime: one Portolan sentence pointing to `npm run serve`, exit 1, no build, no download', async () => {
    // This checkout was installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1: node_modules/electron has no binary.
    expect(electronExecutable()).toBeUndefined();
    const failed = await promisify(execFile)(process.execPath, ['scripts/start-electron.mjs'], { env: { ...process.env, ELECTRON_MIRROR: 'http://127.0.0.1:9/' } }).catch((err: { code: number; stdout: string; stderr: string }) => err);
    expect(failed).toMatchObject({ code: 1, stdout: '' });
    expect((failed as { stderr: string }).stderr).toBe(`${MISSING_RUNTIME}\n`);
    expect(MISSING_RUNTIME).toMatch(/^Portolan: .*`npm run serve`/);
    expect(MISSING_RUNTIME.split('\n')).toHaveLength(1);
  });
});
