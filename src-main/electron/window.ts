/** The main window: hardened webPreferences, the sandboxed preload, the built renderer from app://portolan. */
import { BrowserWindow, nativeTheme, screen } from 'electron';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { WindowState } from '../contract/index.js';
import { APP_INDEX_URL } from './app-protocol.js';
import { restoredBounds } from './window-state.js';

/** Where the window finds its files. The shell passes paths relative to dist/main. */
export interface WindowPaths {
  /** dist/main/preload.cjs */
  preload: string;
  /** dist/renderer/index.html (its folder is what app://portolan/ serves) */
  indexHtml: string;
  /** A PNG icon for Linux and Windows title bars and task bars (macOS uses the bundle's icon). */
  icon?: string;
  /** dist/icons, made by scripts/make-icons.mjs (tray icons in tray/). */
  iconsDir: string;
}

/** The paths of the built app, from the folder of the main bundle (dist/main). */
export function defaultPaths(mainDir: string, appDir: string): WindowPaths {
  return {
    preload: path.join(mainDir, 'preload.cjs'),
    indexHtml: path.join(mainDir, '..', 'renderer', 'index.html'),
    icon: path.join(appDir, 'assets', 'icons', 'icon.png'),
    iconsDir: path.join(mainDir, '..', 'icons'),
  };
}

/** Background colours matching the renderer's themes, so the window never flashes white. */
export const BACKGROUND = { dark: '#11151c', light: '#f7f8fa' } as const;

/**
 * Creates and loads the main window; it is shown once the first frame is ready, where it was last
 * (`remembered`) when that place is still on a display, at a place in the app (`hash`, "#/forwards?...").
 */
export function createMainWindow(paths: WindowPaths, remembered?: WindowState, hash = ''): BrowserWindow {
  const bounds = restoredBounds(remembered, remembered ? screen.getAllDisplays().map((d) => d.workArea) : []);
  const win = new BrowserWindow({
    title: 'Portolan',
    width: 1280,
    height: 820,
    ...bounds,
    minWidth: 880,
    minHeight: 560,
    show: false,
    backgroundColor: nativeTheme.shouldUseDarkColors ? BACKGROUND.dark : BACKGROUND.light,
    ...(paths.icon && process.platform !== 'darwin' && existsSync(paths.icon) ? { icon: paths.icon } : {}),
    webPreferences: {
      preload: paths.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => {
    if (bounds && remembered?.maximized) win.maximize();
    win.show();
  });
  void win.loadURL(`${APP_INDEX_URL}${hash}`);
  return win;
}
