/**
 * Where a worker thread's script is, for the engine's two threads (the port scanner's shards and
 * the UDP forward's relay). Bundled (dist/main, and inside app.asar, which Electron's workers
 * read), it is `<name>.cjs` next to the bundle that runs (scripts/build-main.mjs builds it). From
 * the sources (tsx, vitest) there is no such file, and a worker cannot load TypeScript: Node 20
 * does not pass tsx's hooks to worker threads and vitest's transform lives in its own runner. So
 * `<name>.ts` is bundled in memory with esbuild (a dev dependency, once per process, tens of ms)
 * into the same CommonJS bundle the build makes, and the worker evaluates that code.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * How a worker is bundled, here from the sources and in scripts/build-main.mjs: one CommonJS
 * file (Electron loads CommonJS from app.asar in a worker), with import.meta.url pointing at it.
 */
export const WORKER_BUILD = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  banner: { js: "const __portolan_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__portolan_import_meta_url' },
} as const;

/** A worker's script: a file (bundled builds) or, from the sources, its code bundled in memory. */
export interface WorkerEntry {
  file?: string;
  code?: string;
}

const entries = new Map<string, WorkerEntry | null>();

/**
 * The script of worker `name`, which sits next to the module whose `import.meta.url` is
 * `callerUrl`; found once per process. Null when neither a built file nor esbuild is there: the
 * caller then does the work on its own thread.
 */
export function workerEntry(callerUrl: string, name: string): WorkerEntry | null {
  const key = new URL(`./${name}`, callerUrl).href;
  const known = entries.get(key);
  if (known !== undefined) return known;
  let entry: WorkerEntry | null = null;
  try {
    if (/\.[cm]?ts$/.test(callerUrl)) {
      const entryPoint = fileURLToPath(new URL(`./${name}.ts`, callerUrl));
      const esbuild = createRequire(callerUrl)('esbuild') as typeof import('esbuild');
      const out = esbuild.buildSync({ ...WORKER_BUILD, entryPoints: [entryPoint], write: false });
      entry = { code: out.outputFiles[0]!.text };
    } else {
      const file = fileURLToPath(new URL(`./${name}.cjs`, callerUrl));
      if (existsSync(file)) entry = { file };
    }
  } catch {
    entry = null;
  }
  entries.set(key, entry);
  return entry;
}
