/**
 * Start at login: the OS's login item on macOS and Windows (app.setLoginItemSettings), an XDG
 * autostart entry (~/.config/autostart/portolan.desktop) on Linux. Either way the app starts
 * with --hidden: no window, only the tray, and the forwards marked "start with app" running.
 */
import { app } from 'electron';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../app/atomic-write.js';

/** The argument a login start passes: open no window. */
export const HIDDEN_FLAG = '--hidden';

/** Where the XDG autostart entry lives ($XDG_CONFIG_HOME/autostart, by default ~/.config/autostart). */
export function autostartFile(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'autostart', 'portolan.desktop');
}

/** Quotes a path for a desktop entry's Exec key (the Desktop Entry Specification's rules). */
function quoteExec(file: string): string {
  return `"${file.replace(/["`$\\]/g, (c) => `\\${c}`)}"`;
}

/** The autostart entry that starts `executable` hidden. */
export function autostartEntry(executable: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Portolan',
    'Comment=Keeps your forwards, guards and listeners running (started hidden in the tray)',
    `Exec=${quoteExec(executable)} ${HIDDEN_FLAG}`,
    'Icon=portolan',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** The program a login start runs: the AppImage file itself when running from one (its mount point changes each run). */
export function loginExecutable(env: NodeJS.ProcessEnv = process.env, execPath = process.execPath): string {
  return env.APPIMAGE || execPath;
}

/** Registers or removes the login start, as the setting says. */
export async function applyStartAtLogin(on: boolean, platform: NodeJS.Platform = process.platform): Promise<void> {
  if (platform === 'darwin' || platform === 'win32') {
    // Windows passes args to the login start; macOS does not, and says wasOpenedAtLogin instead.
    app.setLoginItemSettings({ openAtLogin: on, args: [HIDDEN_FLAG] });
    return;
  }
  const file = autostartFile();
  if (on) await writeFileAtomic(file, autostartEntry(loginExecutable()));
  else await rm(file, { force: true });
}

/** True when this run was started at login (or asked) to stay hidden in the tray. */
export function startedHidden(argv: readonly string[] = process.argv, platform: NodeJS.Platform = process.platform): boolean {
  if (argv.includes(HIDDEN_FLAG)) return true;
  return platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin;
}
