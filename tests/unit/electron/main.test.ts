import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CALL_NAMES } from '../../../src-main/contract/channels.js';
import { FakeBrowserWindow, FakeNotification, FakeTray, resetStandin, standin } from './electron-standin.js';

vi.mock('electron', async () => (await import('./electron-standin.js')).electron);

/** Waits for an expectation; generous, since the machine running the tests may be busy. */
const eventually = (check: () => void) => vi.waitFor(check, { timeout: 15_000, interval: 20 });

const { app, ipcMain, Menu } = standin.electron;
let userData: string;

/** Loads the composition root afresh, as Electron does when it starts the main bundle. */
async function loadMain(): Promise<void> {
  vi.resetModules();
  await import('../../../src-main/electron/main.js');
}

/** Starts the shell and waits until its first window exists. */
async function startShell(): Promise<FakeBrowserWindow> {
  await loadMain();
  standin.fireReady();
  // Generous: createApp loads the dictionary, and the machine may be busy.
  await eventually(() => expect(FakeBrowserWindow.instances).toHaveLength(1));
  return FakeBrowserWindow.instances[0]!;
}

/** Quits as Electron would: before-quit may be cancelled; the shell quits again when done. */
async function quit(): Promise<{ preventDefault: ReturnType<typeof vi.fn> }> {
  const event = { preventDefault: vi.fn() };
  app.emit('before-quit', event);
  await eventually(() => expect(app.quit).toHaveBeenCalled());
  app.emit('before-quit', { preventDefault: vi.fn() });
  return event;
}

function withPlatform(platform: NodeJS.Platform, fn: () => void): void {
  const original = Object.getOwnPropertyDescriptor(process, 'platform')!;
  Object.defineProperty(process, 'platform', { value: platform });
  try {
    fn();
  } finally {
    Object.defineProperty(process, 'platform', original);
  }
}

describe('Electron composition root', { timeout: 30_000 }, () => {
  const savedXdg = process.env.XDG_CONFIG_HOME;
  beforeEach(() => {
    resetStandin();
    userData = mkdtempSync(path.join(os.tmpdir(), 'portolan-main-'));
    app.userData = userData;
    // The shell keeps the login start equal to the setting: never touch the real ~/.config/autostart.
    process.env.XDG_CONFIG_HOME = path.join(userData, 'xdg');
  });
  afterEach(async () => {
    if (savedXdg === undefined) delete process.env.XDG_CONFIG_HOME;
    else process.env.XDG_CONFIG_HOME = savedXdg;
    // Close the real app (its timers) of the scenarios that started one.
    if (FakeBrowserWindow.instances.length > 0 && !app.quit.mock.calls.length) await quit();
    rmSync(userData, { recursive: true, force: true });
  });

  it('requests the single-instance lock and sandboxes every renderer', async () => {
    await loadMain();
    expect(app.requestSingleInstanceLock).toHaveBeenCalledOnce();
    expect(app.enableSandbox).toHaveBeenCalledOnce();
  });

  it('a second instance quits at once and opens nothing', async () => {
    app.lockGranted = false;
    await loadMain();
    expect(app.quit).toHaveBeenCalledOnce();
    standin.fireReady();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(FakeBrowserWindow.instances).toHaveLength(0);
    expect(ipcMain.handlers.size).toBe(0);
    expect(app.listenerCount('second-instance')).toBe(0);
  });

  it('when ready: security, menu, one IPC handler per call, then the window', async () => {
    const win = await startShell();
    expect(app.listenerCount('web-contents-created')).toBe(1);
    expect(standin.electron.session.defaultSession.checkHandler).toBeTypeOf('function');
    expect(Menu.setApplicationMenu).toHaveBeenCalledOnce();
    expect([...ipcMain.handlers.keys()].sort()).toEqual([...CALL_NAMES].sort());
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(win.options.webPreferences.preload).toMatch(/preload\.cjs$/);
    expect(win.loadURL).toHaveBeenCalledWith('app://portolan/index.html');
    expect(win.loadFile).not.toHaveBeenCalled();
  });

  it('declares app:// privileged before ready and serves the renderer folder on it, nothing outside', async () => {
    await loadMain();
    expect(standin.electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }),
    ]);
    standin.fireReady();
    await eventually(() => expect(FakeBrowserWindow.instances).toHaveLength(1));
    const handle = standin.electron.protocol.handlers.get('app')!;
    // (What it serves is app-protocol.test.ts's business; here: it is wired, and refuses escapes.)
    expect((await handle(new Request('app://portolan/..%2f..%2f..%2fpackage.json'))).status).toBe(403);
    expect((await handle(new Request('app://portolan/no-such-file.js'))).status).toBe(404);
  });

  it('shows Toggle Developer Tools in a development run only, not in the packaged app', async () => {
    const viewRoles = () => {
      const built = Menu.setApplicationMenu.mock.calls.at(-1)![0] as { template: { label?: string; submenu?: { role?: string }[] }[] };
      return built.template.find((m) => m.label === 'View')!.submenu!.map((i) => i.role);
    };
    await startShell();
    expect(viewRoles()).toContain('toggleDevTools');
    await quit();
    resetStandin();
    app.userData = userData;
    app.isPackaged = true;
    await startShell();
    expect(viewRoles()).not.toContain('toggleDevTools');
  });

  it('the window it loads is trusted over IPC, and gets the real app answers', async () => {
    const win = await startShell();
    const loaded = win.loadURL.mock.calls[0]![0];
    const handler = ipcMain.handlers.get('system.info')!;
    expect(await handler({ senderFrame: { url: loaded } }, {})).toMatchObject({ ok: true, value: { transport: 'ipc' } });
    expect(await handler({ senderFrame: { url: 'https://evil.example/' } }, {})).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    const fileUrl = `file://${path.resolve('dist/renderer/index.html')}`;
    expect(await handler({ senderFrame: { url: fileUrl } }, {})).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    const settings = (await ipcMain.handlers.get('settings.get')!({ senderFrame: { url: loaded } }, {})) as any;
    expect(settings.value.path.startsWith(userData)).toBe(true);
  });

  it('keeps SSH secrets of saved forwards encrypted with safeStorage, never in clear', async () => {
    const win = await startShell();
    const from = { senderFrame: { url: win.loadURL.mock.calls[0]![0] } };
    const spec = { kind: 'ssh-local', name: 'db', listenPort: 0, targetHost: '127.0.0.1', targetPort: 5432, ssh: { host: '127.0.0.1', username: 'me', auth: 'password' } };
    const created = (await ipcMain.handlers.get('forwards.create')!(from, { spec, start: false, secrets: { password: 'hunter2-secret' } })) as any;
    expect(created).toMatchObject({ ok: true });
    expect(standin.electron.safeStorage.encryptString).toHaveBeenCalled();
    const files = readdirSync(userData).map((f) => readFileSync(path.join(userData, f), 'utf8'));
    expect(readdirSync(userData)).toContain('forward-secrets.json');
    expect(files.some((text) => text.includes('hunter2-secret'))).toBe(false);
  });

  it('a second instance focuses the first window (restoring it if minimised)', async () => {
    const win = await startShell();
    win.minimized = true;
    app.emit('second-instance', {}, ['portolan'], '/');
    expect(win.restore).toHaveBeenCalledOnce();
    expect(win.focus).toHaveBeenCalledOnce();
    expect(FakeBrowserWindow.instances).toHaveLength(1);
  });

  it('quits when the last window closes with nothing running, except on macOS', async () => {
    await startShell();
    withPlatform('darwin', () => app.emit('window-all-closed'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(app.quit).not.toHaveBeenCalled();
    withPlatform('linux', () => app.emit('window-all-closed'));
    await eventually(() => expect(app.quit).toHaveBeenCalledOnce());
    app.quit.mockClear();
  });

  it('keeps running in the tray when the window closes while a forward runs, and says so once', async () => {
    const win = await startShell();
    const from = { senderFrame: { url: win.loadURL.mock.calls[0]![0] } };
    const spec = { kind: 'tcp', name: 'web', listenPort: 0, targetHost: '127.0.0.1', targetPort: 9 };
    expect(await ipcMain.handlers.get('forwards.create')!(from, { spec, start: true })).toMatchObject({ ok: true, value: { info: { state: 'listening' } } });
    expect(FakeTray.instances).toHaveLength(1);
    win.close();
    withPlatform('linux', () => app.emit('window-all-closed'));
    await eventually(() => expect(FakeNotification.instances).toHaveLength(1));
    expect(FakeNotification.instances[0]!.options.body).toMatch(/^1 forward keep running; open or quit Portolan from its icon in the (tray|menu bar)\.$/);
    expect(FakeNotification.instances[0]!.shown).toBe(true);
    expect(app.quit).not.toHaveBeenCalled();
    await eventually(() => expect(JSON.parse(readFileSync(path.join(userData, 'settings.json'), 'utf8')).trayNoticeShown).toBe(true));
    // The tray's "Open Portolan" brings a window back; closing it again: no second notice.
    FakeTray.instances[0]!.item('Open Portolan').click();
    expect(FakeBrowserWindow.getAllWindows()).toHaveLength(1);
    FakeBrowserWindow.getAllWindows()[0]!.close();
    withPlatform('linux', () => app.emit('window-all-closed'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(FakeNotification.instances).toHaveLength(1);
    expect(app.quit).not.toHaveBeenCalled();
    standin.electron.dialog.response = 0;
  });

  it('quits when the window closes, forwards or not, once "Quit when the window closes" is on', async () => {
    const win = await startShell();
    const from = { senderFrame: { url: win.loadURL.mock.calls[0]![0] } };
    await ipcMain.handlers.get('forwards.create')!(from, { spec: { kind: 'tcp', name: 'web', listenPort: 0, targetHost: '127.0.0.1', targetPort: 9 }, start: true });
    await ipcMain.handlers.get('settings.update')!(from, { quitOnWindowClose: true });
    win.close();
    withPlatform('linux', () => app.emit('window-all-closed'));
    await eventually(() => expect(app.quit).toHaveBeenCalled());
    expect(FakeNotification.instances).toHaveLength(0);
    // The quit still asks, since a forward would stop: let it go.
    standin.electron.dialog.response = 0;
  });

  it('Quit asks when forwards would stop; Cancel keeps everything running', async () => {
    const win = await startShell();
    const from = { senderFrame: { url: win.loadURL.mock.calls[0]![0] } };
    await ipcMain.handlers.get('forwards.create')!(from, { spec: { kind: 'tcp', name: 'web', listenPort: 0, targetHost: '127.0.0.1', targetPort: 9 }, start: true });
    standin.electron.dialog.response = 1;
    const cancelled = { preventDefault: vi.fn() };
    app.emit('before-quit', cancelled);
    await eventually(() => expect(standin.electron.dialog.showMessageBox).toHaveBeenCalledOnce());
    expect(standin.electron.dialog.showMessageBox.mock.calls[0]![0]).toMatchObject({ buttons: ['Quit', 'Cancel'], message: 'Quit Portolan? This forward stops: web.' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(cancelled.preventDefault).toHaveBeenCalled();
    expect(app.quit).not.toHaveBeenCalled();
    expect(await ipcMain.handlers.get('system.info')!(from, {})).toMatchObject({ ok: true });
    standin.electron.dialog.response = 0;
    await quit();
    expect(standin.electron.dialog.showMessageBox).toHaveBeenCalledTimes(2);
    expect(ipcMain.handlers.size).toBe(0);
    expect(FakeTray.instances[0]!.destroyed).toBe(true);
  });

  it('activate re-creates the window only when there is none', async () => {
    const win = await startShell();
    app.emit('activate');
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    win.close();
    app.emit('activate');
    expect(FakeBrowserWindow.getAllWindows()).toHaveLength(1);
  });

  it('before-quit closes the app and removes the IPC handlers, then quits', async () => {
    await startShell();
    const first = await quit();
    expect(first.preventDefault).toHaveBeenCalledOnce();
    expect(ipcMain.handlers.size).toBe(0);
    expect(app.quit).toHaveBeenCalledOnce();
  });

  it('started at login (--hidden): no window, the tray, and "start with app" forwards running', async () => {
    writeFileSync(path.join(userData, 'forwards.json'), JSON.stringify({ version: 1, forwards: [{ id: 'f-boot', spec: { kind: 'tcp', name: 'boot', listenPort: 0, targetHost: '127.0.0.1', targetPort: 9, startWithApp: true } }] }));
    process.argv.push('--hidden');
    try {
      await loadMain();
      standin.fireReady();
      await eventually(() => expect(FakeTray.instances[0]?.tooltip).toBe('Portolan — 1 forward'));
      expect(FakeBrowserWindow.instances).toHaveLength(0);
      // The tray opens the window on demand.
      FakeTray.instances[0]!.item('Open Portolan').click();
      expect(FakeBrowserWindow.instances).toHaveLength(1);
    } finally {
      process.argv.splice(process.argv.indexOf('--hidden'), 1);
    }
  });

  it('keeps the login start equal to the setting: at start and when it changes', async () => {
    const entry = path.join(userData, 'xdg', 'autostart', 'portolan.desktop');
    const win = await startShell();
    const from = { senderFrame: { url: win.loadURL.mock.calls[0]![0] } };
    await ipcMain.handlers.get('settings.update')!(from, { startAtLogin: true });
    if (process.platform === 'linux') {
      await eventually(() => expect(readFileSync(entry, 'utf8')).toContain('--hidden'));
      await ipcMain.handlers.get('settings.update')!(from, { startAtLogin: false });
      await eventually(() => expect(existsSync(entry)).toBe(false));
    }
  });

  it('as `portolan <command>`: runs the CLI and exits with its status, no window, no lock', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(((_c: unknown, cb?: () => void) => {
      if (typeof cb === 'function') cb();
      return true;
    }) as typeof process.stdout.write);
    process.env.PORTOLAN_DATA_DIR = userData;
    process.argv.push('--portolan-cli', 'port', '443', '--json');
    try {
      await loadMain();
      await eventually(() => expect(app.exit).toHaveBeenCalledWith(0));
      expect(out.mock.calls.map((c) => String(c[0])).join('')).toContain('"port": 443');
    } finally {
      process.argv.splice(process.argv.indexOf('--portolan-cli'), 4);
      delete process.env.PORTOLAN_DATA_DIR;
      out.mockRestore();
    }
    expect(app.requestSingleInstanceLock).not.toHaveBeenCalled();
    expect(app.enableSandbox).not.toHaveBeenCalled();
    standin.fireReady();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(FakeBrowserWindow.instances).toHaveLength(0);
  });

  it('remembers the window across runs: size, place and maximized state', async () => {
    const first = await startShell();
    first.bounds = { x: 300, y: 200, width: 1000, height: 700 };
    first.maximized = true;
    await quit();
    expect(JSON.parse(readFileSync(path.join(userData, 'settings.json'), 'utf8')).windowState).toEqual({ x: 300, y: 200, width: 1000, height: 700, maximized: true });
    resetStandin();
    app.userData = userData;
    const second = await startShell();
    expect(second.options).toMatchObject({ x: 300, y: 200, width: 1000, height: 700 });
    second.emit('ready-to-show');
    expect(second.maximize).toHaveBeenCalledOnce();
    // Closing the window (not quitting) remembers too.
    second.bounds = { x: 50, y: 60, width: 900, height: 600 };
    second.maximized = false;
    second.close();
    await eventually(() => expect(JSON.parse(readFileSync(path.join(userData, 'settings.json'), 'utf8')).windowState).toMatchObject({ x: 50, maximized: false }));
    // The display it was on is gone: the default size, not off-screen.
    standin.electron.screen.displays = [{ workArea: { x: 2000, y: 0, width: 1280, height: 800 } }];
    FakeTray.instances[0]!.item('Open Portolan').click();
    const third = FakeBrowserWindow.instances.at(-1)!;
    expect(third.options.x).toBeUndefined();
    expect(third.options).toMatchObject({ width: 1280, height: 820 });
  });

  it('a notification click shows the window at the row (same page, new link), or opens one there', async () => {
    const win = await startShell();
    const from = { senderFrame: { url: win.loadURL.mock.calls[0]![0] } };
    const one = (await ipcMain.handlers.get('forwards.create')!(from, { spec: { kind: 'tcp', name: 'one', listenPort: 0, targetHost: '127.0.0.1', targetPort: 9 }, start: true })) as any;
    const two = (await ipcMain.handlers.get('forwards.create')!(from, { spec: { kind: 'tcp', name: 'two', listenPort: one.value.info.boundPort, targetHost: '127.0.0.1', targetPort: 9 }, start: false })) as any;
    await ipcMain.handlers.get('forwards.start')!(from, { id: two.value.info.id });
    await eventually(() => expect(FakeNotification.instances.map((n) => n.options.title)).toContain('Forward "two" failed'));
    const note = FakeNotification.instances.find((n) => n.options.title === 'Forward "two" failed')!;
    note.click();
    expect(win.loadURL).toHaveBeenLastCalledWith(`app://portolan/index.html#/forwards?focus=${two.value.info.id}`);
    expect(win.show).toHaveBeenCalled();
    win.close();
    note.click();
    expect(FakeBrowserWindow.getAllWindows()[0]!.loadURL).toHaveBeenCalledWith(`app://portolan/index.html#/forwards?focus=${two.value.info.id}`);
  });

  it('shows an error and exits when the app cannot start', async () => {
    app.appPath = path.join(userData, 'no-such-app');
    await loadMain();
    standin.fireReady();
    await eventually(() => expect(app.exit).toHaveBeenCalledWith(1));
    expect(standin.electron.dialog.showErrorBox).toHaveBeenCalledWith('Portolan could not start', expect.any(String));
    expect(FakeBrowserWindow.instances).toHaveLength(0);
  });
});
