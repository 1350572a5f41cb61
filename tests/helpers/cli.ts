/** Runs the `portolan` CLI in-process with a throwaway data folder and captures its output. */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../src-main/cli/run.js';
import { ASSETS_DIR } from './app.js';

/** One CLI invocation's exit code, stdout and stderr. */
export async function runCliCaptured(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    assetsDir: ASSETS_DIR,
    staticDir: path.resolve('dist/renderer'),
    dataDir: await mkdtemp(path.join(os.tmpdir(), 'portolan-cli-')),
    interrupted: Promise.resolve(),
  });
  return { code, out, err };
}
