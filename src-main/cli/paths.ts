/** Where the CLI finds the app's files and keeps the user's data when it runs outside Electron. */
import os from 'node:os';
import path from 'node:path';

/**
 * The same folder Electron uses for userData ("Portolan" under the OS's config folder), so the
 * desktop app, `portolan serve` and the CLI share settings. PORTOLAN_DATA_DIR overrides it.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.PORTOLAN_DATA_DIR) return path.resolve(env.PORTOLAN_DATA_DIR);
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Portolan');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Portolan');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Portolan');
}

/**
 * Folders relative to the bundled CLI (dist/main/cli.js): assets/ and dist/renderer/.
 * PORTOLAN_STATIC_DIR serves another renderer build (developers building side by side).
 */
export function bundledPaths(cliFile: string, env: NodeJS.ProcessEnv = process.env): { assetsDir: string; staticDir: string } {
  const here = path.dirname(cliFile);
  const staticDir = env.PORTOLAN_STATIC_DIR ? path.resolve(env.PORTOLAN_STATIC_DIR) : path.resolve(here, '..', 'renderer');
  return { assetsDir: path.resolve(here, '..', '..', 'assets'), staticDir };
}
