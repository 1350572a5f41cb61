/**
 * The `portolan` command as a real process, bundled as `npm run build` bundles it. Some failures
 * only show there: Node's own exit when the event loop empties (status 13 for an unsettled
 * top-level await: tsx and in-process runs keep the loop alive and hide it), and stdout pipes
 * that the reader closes early (EPIPE).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/**
 * Bundles src-main/cli/main.ts with esbuild (as scripts/build-main.mjs does for dist/main/cli.js)
 * into a folder of node_modules, as deep as dist/main, so the bundle finds assets/ (../../assets)
 * and the production dependencies as the built CLI does. Returns the file and its remover.
 */
export async function bundleCli(): Promise<{ file: string; remove(): Promise<void> }> {
  const { build } = await import('esbuild');
  const dir = path.join(ROOT, 'node_modules', `.portolan-test-cli-${process.pid}-${Math.random().toString(36).slice(2)}`);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'cli.js');
  await build({
    // Split into chunks loaded on demand, as the built CLI is.
    entryPoints: { cli: path.join(ROOT, 'src-main', 'cli', 'main.ts') },
    outdir: dir,
    splitting: true,
    chunkNames: 'cli-[name]-[hash]',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'warning',
    external: [...Object.keys(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).dependencies ?? {}), 'electron'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** What a finished CLI process left. */
export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** Runs the bundled CLI with `args`; `env` is added to this process's environment. */
export function spawnCli(file: string, args: string[], env: Record<string, string>): { child: ChildProcess; done: Promise<CliExit> } {
  const child = spawn(process.execPath, [file, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const done = new Promise<CliExit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, out, err })));
  return { child, done };
}
