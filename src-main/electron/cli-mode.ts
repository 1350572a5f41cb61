/**
 * The installed app's `portolan` command runs the CLI: the same executable, in CLI mode, without a
 * window (as VS Code's `code` does, but without ELECTRON_RUN_AS_NODE, which the runAsNode fuse
 * turns off). The main process is Node, so the CLI runs in it and the app exits with its status.
 * CLI mode is chosen by the launcher's --portolan-cli marker (resources/bin/portolan) or when the
 * first argument is a word like a command's name (the /usr/bin/portolan link of the Linux
 * packages); the CLI itself answers an unknown one with its usage. The CLI's code is loaded only
 * in CLI mode, so the desktop app does not pay for it.
 */
import { app } from 'electron';
import path from 'node:path';
import { applyStartAtLogin } from './login-item.js';

/** The launcher's marker: what follows it are the CLI's arguments. */
export const CLI_MARKER = '--portolan-cli';

/** Words that ask for the CLI even though they are not commands. */
const CLI_WORDS = new Set(['help', '--help', '-h', '--version', '-v']);

/**
 * The CLI's arguments when this run is a CLI invocation, else undefined (the desktop app).
 * `argv` is process.argv; a development run (`electron .`) has the app folder before them.
 */
export function cliArguments(argv: readonly string[], defaultApp: boolean): string[] | undefined {
  const marker = argv.indexOf(CLI_MARKER);
  if (marker >= 0) return argv.slice(marker + 1);
  const args = argv.slice(defaultApp ? 2 : 1);
  // Chromium's own switches (--no-sandbox, --ozone-platform=...) may come first.
  const first = args.findIndex((a) => !/^--[a-z-]+(=.*)?$/.test(a) || CLI_WORDS.has(a));
  if (first < 0) return undefined;
  const word = args[first]!;
  // A command is a plain lower-case word; a path or URL the OS passes to the app is not.
  return /^[a-z][a-z-]*$/.test(word) || CLI_WORDS.has(word) ? args.slice(first) : undefined;
}

/**
 * The command line that runs this app's CLI again (the socket reader that sockets.elevate starts
 * through pkexec): the executable, the app folder in a development run, then Chromium switches a
 * windowless run as root needs (Chromium refuses root without --no-sandbox; pkexec leaves no
 * display), then the marker.
 */
export function cliCommand(execPath: string, appPath: string, isPackaged: boolean): string[] {
  return [execPath, ...(isPackaged ? [] : [appPath]), '--no-sandbox', '--ozone-platform=headless', CLI_MARKER];
}

/** Runs the CLI in this process and exits with its status; opens no window. */
export async function runCliMode(args: string[], mainDir: string): Promise<number> {
  // No display needed, no GPU process, no Dock icon.
  app.disableHardwareAcceleration();
  app.dock?.hide();
  const interrupted = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const [{ defaultDataDir }, { runCli }] = await Promise.all([import('../cli/paths.js'), import('../cli/run.js')]);
  const dataDir = defaultDataDir();
  const code = await runCli(args, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    assetsDir: path.join(app.getAppPath(), 'assets'),
    staticDir: path.join(mainDir, '..', 'renderer'),
    dataDir,
    interrupted,
    socketReader: cliCommand(process.execPath, app.getAppPath(), app.isPackaged),
  });
  // `portolan settings --start-at-login on|off` through the installed app: apply it now.
  const login = args.indexOf('--start-at-login');
  if (code === 0 && args[0] === 'settings' && login >= 0) {
    const { SettingsStore } = await import('../app/settings-store.js');
    const store = new SettingsStore(path.join(dataDir, 'settings.json'));
    const state = await store.load();
    await applyStartAtLogin(state.settings.startAtLogin).catch((err: unknown) => {
      process.stderr.write(`portolan settings: the login item could not be changed: ${(err as Error).message}\n`);
    });
  }
  // Let queued output reach its pipe before exiting.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  return code;
}
