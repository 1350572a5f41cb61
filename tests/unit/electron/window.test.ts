import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeBrowserWindow, resetStandin, standin } from './electron-standin.js';

vi.mock('electron', async () => (await import('./electron-standin.js')).electron);

const { BACKGROUND, createMainWindow, defaultPaths } = await import('../../../src-main/electron/window.js');

describe('main window', () => {
  beforeEach(() => resetStandin());

  it('is created with hardened webPreferences and the sandboxed preload', () => {
    const paths = defaultPaths('/opt/portolan/dist/main', '/opt/portolan');
    const win = createMainWindow(paths) as unknown as FakeBrowserWindow;
    const prefs = win.options.webPreferences;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(prefs.preload).toBe(path.join('/opt/portolan/dist/main', 'preload.cjs'));
    expect(win.options).toMatchObject({ title: 'Portolan', show: false });
    expect(win.options.minWidth).toBeGreaterThan(0);
    expect(win.options.minHeight).toBeGreaterThan(0);
  });

  it('loads the renderer from the app:// origin, never from file://', () => {
    const win = createMainWindow(defaultPaths('/opt/portolan/dist/main', '/opt/portolan')) as unknown as FakeBrowserWindow;
    expect(win.loadURL).toHaveBeenCalledWith('app://portolan/index.html');
    expect(win.loadFile).not.toHaveBeenCalled();
  });

  it('shows itself only when the first frame is ready', () => {
    const win = createMainWindow(defaultPaths('/a/dist/main', '/a')) as unknown as FakeBrowserWindow;
    expect(win.show).not.toHaveBeenCalled();
    win.emit('ready-to-show');
    expect(win.show).toHaveBeenCalledOnce();
  });

  it('follows the OS theme for its background colour', () => {
    const light = createMainWindow(defaultPaths('/a/dist/main', '/a')) as unknown as FakeBrowserWindow;
    standin.electron.nativeTheme.shouldUseDarkColors = true;
    const dark = createMainWindow(defaultPaths('/a/dist/main', '/a')) as unknown as FakeBrowserWindow;
    expect(light.options.backgroundColor).toBe(BACKGROUND.light);
    expect(dark.options.backgroundColor).toBe(BACKGROUND.dark);
  });

  it('finds the project icon in assets/icons', () => {
    const paths = defaultPaths(path.resolve('dist/main'), process.cwd());
    expect(existsSync(paths.icon!), paths.icon).toBe(true);
  });

  it('sets an icon only when the file exists', () => {
    const missing = createMainWindow({ preload: '/p.cjs', indexHtml: '/i.html', iconsDir: '/icons', icon: '/nonexistent/icon.png' });
    expect((missing as unknown as FakeBrowserWindow).options.icon).toBeUndefined();
    const present = createMainWindow({ preload: '/p.cjs', indexHtml: '/i.html', iconsDir: '/icons', icon: path.resolve('package.json') });
    const expected = process.platform === 'darwin' ? undefined : path.resolve('package.json');
    expect((present as unknown as FakeBrowserWindow).options.icon).toBe(expected);
  });
});
