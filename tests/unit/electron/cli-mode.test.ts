import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resetStandin, standin } from './electron-standin.js';

vi.mock('electron', async () => (await import('./electron-standin.js')).electron);

const { CLI_MARKER, cliArguments, cliCommand, runCliMode } = await import('../../../src-main/electron/cli-mode.js');

let dir: string;
const saved = { PORTOLAN_DATA_DIR: process.env.PORTOLAN_DATA_DIR, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME };

/** Runs the CLI mode and returns its status and what it wrote to stdout. */
async function runCaptured(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, cb?: () => void) => {
    out += String(chunk);
    if (typeof cb === 'function') cb();
    return true;
  }) as typeof process.stdout.write);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  }) as typeof process.stderr.write);
  try {
    const code = await runCliMode(args, path.resolve('dist/main'));
    return { code, out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe('CLI mode of the desktop app', { timeout: 30_000 }, () => {
  beforeEach(() => {
    resetStandin();
    dir = mkdtempSync(path.join(os.tmpdir(), 'portolan-climode-'));
    process.env.PORTOLAN_DATA_DIR = path.join(dir, 'data');
    process.env.XDG_CONFIG_HOME = path.join(dir, 'config');
  });
  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts the elevated socket reader as the app's CLI, windowless, and is read back as CLI mode", () => {
    const exe = '/opt/Portolan/portolan';
    const installed = [...cliCommand(exe, '/opt/Portolan/resources/app.asar', true), '__socket-reader'];
    expect(installed).toEqual([exe, '--no-sandbox', '--ozone-platform=headless', CLI_MARKER, '__socket-reader']);
    expect(cliArguments(installed, false)).toEqual(['__socket-reader']);
    const dev = [...cliCommand('/x/electron', '/src/portolan', false), '__socket-reader'];
    expect(dev.slice(0, 2)).toEqual(['/x/electron', '/src/portolan']);
    expect(cliArguments(dev, true)).toEqual(['__socket-reader']);
  });

  it('is chosen by the launcher marker, or by a CLI command as first argument', () => {
    const exe = '/opt/Portolan/portolan';
    expect(cliArguments([exe, '--ozone-platform=headless', CLI_MARKER, 'sockets', '--json'], false)).toEqual(['sockets', '--json']);
    expect(cliArguments([exe, CLI_MARKER], false)).toEqual([]);
    expect(cliArguments([exe, 'port', '22'], false)).toEqual(['port', '22']);
    expect(cliArguments([exe, '--no-sandbox', 'sockets'], false)).toEqual(['sockets']);
    expect(cliArguments([exe, '--help'], false)).toEqual(['--help']);
    expect(cliArguments([exe, 'settings', '--start-at-login', 'on'], false)).toEqual(['settings', '--start-at-login', 'on']);
    // A development run: electron . <args>
    expect(cliArguments(['/x/electron', '.', 'learn'], true)).toEqual(['learn']);
    // The desktop app: no arguments, --hidden, a file the OS passes, or Chromium switches only.
    expect(cliArguments([exe], false)).toBeUndefined();
    expect(cliArguments([exe, '--hidden'], false)).toBeUndefined();
    expect(cliArguments([exe, '/home/me/notes.txt'], false)).toBeUndefined();
    expect(cliArguments([exe, 'portolan://open'], false)).toBeUndefined();
    expect(cliArguments([exe, 'C:\\Users\\me'], false)).toBeUndefined();
    expect(cliArguments(['/x/electron', '.'], true)).toBeUndefined();
  });

  it('runs a command without a window and returns its status', async () => {
    const { code, out } = await runCaptured(['port', '22', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ port: 22 });
    expect(standin.electron.app.disableHardwareAcceleration).toHaveBeenCalledOnce();
    expect(standin.electron.BrowserWindow.instances).toHaveLength(0);
  });

  it('--help lists the desktop-only use too; a wrong command exits 2', async () => {
    const help = await runCaptured(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('portolan settings [--start-at-login on|off] [--json]');
    expect(help.out).toMatch(/Desktop app:\n  portolan +\(no arguments, installed app\)/);
    expect((await runCaptured(['nonsense'])).code).toBe(2);
  });

  it('`settings --start-at-login on|off` saves the setting and applies the login start at once', async () => {
    const entry = path.join(dir, 'config', 'autostart', 'portolan.desktop');
    const on = await runCaptured(['settings', '--start-at-login', 'on']);
    expect(on.code).toBe(0);
    expect(on.out).toMatch(/^Start at login: on\./);
    expect(JSON.parse(readFileSync(path.join(dir, 'data', 'settings.json'), 'utf8')).startAtLogin).toBe(true);
    if (process.platform === 'linux') expect(readFileSync(entry, 'utf8')).toContain('--hidden');
    const off = await runCaptured(['settings', '--start-at-login', 'off']);
    expect(off.code).toBe(0);
    expect(existsSync(entry)).toBe(false);
    const bad = await runCaptured(['settings', '--start-at-login', 'maybe']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--start-at-login takes on or off, not "maybe".');
    const shown = await runCaptured(['settings']);
    expect(shown.out).toMatch(/Start at login: +off/);
  });
});
