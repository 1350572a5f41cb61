import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resetStandin, standin } from './electron-standin.js';

vi.mock('electron', async () => (await import('./electron-standin.js')).electron);

const { applyStartAtLogin, autostartEntry, autostartFile, HIDDEN_FLAG, loginExecutable, startedHidden } = await import('../../../src-main/electron/login-item.js');

let config: string;
const saved = { XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME, APPIMAGE: process.env.APPIMAGE };

describe('start at login', { timeout: 30_000 }, () => {
  beforeEach(() => {
    resetStandin();
    config = mkdtempSync(path.join(os.tmpdir(), 'portolan-login-'));
    process.env.XDG_CONFIG_HOME = config;
    delete process.env.APPIMAGE;
  });
  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    rmSync(config, { recursive: true, force: true });
  });

  it('Linux: writes an XDG autostart entry that starts this executable hidden, and removes it', async () => {
    const file = path.join(config, 'autostart', 'portolan.desktop');
    expect(autostartFile()).toBe(file);
    await applyStartAtLogin(true, 'linux');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('[Desktop Entry]\nType=Application\nName=Portolan\n');
    expect(text).toContain(`Exec="${process.execPath}" ${HIDDEN_FLAG}\n`);
    expect(text).toContain('X-GNOME-Autostart-enabled=true');
    expect(standin.electron.app.setLoginItemSettings).not.toHaveBeenCalled();
    await applyStartAtLogin(false, 'linux');
    expect(existsSync(file)).toBe(false);
    // Removing what is not there is fine.
    await applyStartAtLogin(false, 'linux');
  });

  it('Linux AppImage: the entry starts the AppImage file, not its temporary mount', () => {
    expect(loginExecutable({ APPIMAGE: '/home/me/Apps/Portolan.AppImage' }, '/tmp/.mount_Portol/portolan')).toBe('/home/me/Apps/Portolan.AppImage');
    expect(loginExecutable({}, '/opt/Portolan/portolan')).toBe('/opt/Portolan/portolan');
  });

  it('quotes the executable as the Desktop Entry Specification asks', () => {
    expect(autostartEntry('/opt/My "Apps"/$x`y\\z/portolan')).toContain('Exec="/opt/My \\"Apps\\"/\\$x\\`y\\\\z/portolan" --hidden\n');
  });

  it('macOS and Windows: the login item of the OS, with --hidden', async () => {
    for (const platform of ['darwin', 'win32'] as const) {
      await applyStartAtLogin(true, platform);
      expect(standin.electron.app.setLoginItemSettings).toHaveBeenLastCalledWith({ openAtLogin: true, args: [HIDDEN_FLAG] });
      await applyStartAtLogin(false, platform);
      expect(standin.electron.app.setLoginItemSettings).toHaveBeenLastCalledWith({ openAtLogin: false, args: [HIDDEN_FLAG] });
    }
    expect(existsSync(path.join(config, 'autostart'))).toBe(false);
  });

  it('a run is hidden when started with --hidden, or on macOS when opened at login', () => {
    expect(startedHidden(['/opt/Portolan/portolan', HIDDEN_FLAG], 'linux')).toBe(true);
    expect(startedHidden(['/opt/Portolan/portolan'], 'linux')).toBe(false);
    expect(startedHidden(['/Applications/Portolan.app/Contents/MacOS/Portolan'], 'darwin')).toBe(false);
    standin.electron.app.loginItem.wasOpenedAtLogin = true;
    expect(startedHidden(['/Applications/Portolan.app/Contents/MacOS/Portolan'], 'darwin')).toBe(true);
  });
});
