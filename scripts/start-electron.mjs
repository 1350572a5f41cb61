// `npm start`: builds and runs the app in Electron, or, where Electron's runtime is missing (installed
// with ELECTRON_SKIP_BINARY_DOWNLOAD=1, or a failed download), says so in one sentence instead of
// Electron's stack traces and its attempt to download the binary on the spot.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The Electron executable node_modules/electron installed, or undefined when there is none. */
export function electronExecutable(electronDir = path.join(root, 'node_modules', 'electron'), env = process.env) {
  const pathFile = path.join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const relative = readFileSync(pathFile, 'utf8').trim();
  const file = env.ELECTRON_OVERRIDE_DIST_PATH ? path.join(env.ELECTRON_OVERRIDE_DIST_PATH, relative) : path.join(electronDir, 'dist', relative);
  return existsSync(file) ? file : undefined;
}

/** The one sentence printed when the runtime is missing. */
export const MISSING_RUNTIME =
  "Portolan: Electron's runtime is not installed here (node_modules/electron has no binary), so the desktop window cannot open; " +
  '`npm run serve` shows the same UI in your browser, or reinstall without ELECTRON_SKIP_BINARY_DOWNLOAD (on Node 22.12 or later, as Electron 45 needs) to get the window.';

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const electron = electronExecutable();
  if (!electron) {
    console.error(MISSING_RUNTIME);
    process.exit(1);
  }
  // Build only once the window can open (the check above costs nothing; the build does).
  const build = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  const child = spawn(electron, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
}
