/**
 * The Electron composition root (bundled to dist/main/electron-main.cjs). It wires the shell
 * together and nothing more: the app (engine + contract) comes from createApp, calls travel over
 * transports/ipc, and window, security and menu each live in their own small file.
 */
import { app, BrowserWindow, dialog, ipcMain, Notification, safeStorage } from 'electron';
import path from 'node:path';
import { createApp, type PortolanApp } from '../app/create-app.js';
import type { WindowState } from '../contract/index.js';
import { EncryptedFileSecretStore } from '../app/secret-file-store.js';
import { registerIpc } from '../transports/ipc.js';
import { installMenu } from './menu.js';
import { APP_INDEX_URL, registerAppScheme, serveRenderer } from './app-protocol.js';
import { SOCKET_READER_COMMAND } from '../cli/context.js';
import { cliArguments, cliCommand, runCliMode } from './cli-mode.js';
import { applyStartAtLogin, startedHidden } from './login-item.js';
import { installSecurity, isTrustedSender } from './security.js';
import { DesktopNotifications } from './notifications.js';
import { describeActive, isForwardRunning, PortolanTray, readTrayState } from './tray.js';
import { createMainWindow, defaultPaths } from './window.js';
import { windowStateOf } from './window-state.js';

const cliArgs = cliArguments(process.argv, process.defaultApp === true);
if (cliArgs) {
  // `portolan <command>`: the CLI in this process, no window, no single-instance lock.
  void runCliMode(cliArgs, __dirname).then(
    (code) => app.exit(code),
    (err: unknown) => {
      process.stderr.write(`portolan: ${err instanceof Error ? err.message : String(err)}\n`);
      app.exit(1);
    },
  );
} else {
  // Sandbox every renderer, whatever its webPreferences say (must run before `ready`).
  app.enableSandbox();
  // The renderer's origin, app://portolan, must be declared privileged before `ready`.
  registerAppScheme();
  if (!app.requestSingleInstanceLock()) {
    // Another Portolan is running; it gets our `second-instance` event and shows its window.
    app.quit();
  } else {
    startShell();
  }
}

/**
 * SSH passwords and key passphrases of saved forwards, encrypted with the OS's secret storage
 * (Keychain, DPAPI, libsecret/kwallet). Without one, the engine keeps them in memory only and
 * asks again after a restart: never plain text on disk.
 */
function osSecretStore(): EncryptedFileSecretStore | undefined {
  if (!safeStorage.isEncryptionAvailable()) return undefined;
  return new EncryptedFileSecretStore(path.join(app.getPath('userData'), 'forward-secrets.json'), {
    encrypt: (text) => safeStorage.encryptString(text),
    decrypt: (data) => safeStorage.decryptString(data),
  });
}

/**
 * Asks before quitting when forwards would stop; true to go on. Nothing running: no question.
 */
async function confirmQuit(portolan: PortolanApp): Promise<boolean> {
  const state = await readTrayState(portolan).catch(() => undefined);
  const running = state ? state.forwards.filter(isForwardRunning) : [];
  if (running.length === 0) return true;
  const names = running.map((f) => f.spec.name).join(', ');
  const { response } = await dialog.showMessageBox({
    type: 'question',
    buttons: ['Quit', 'Cancel'],
    defaultId: 0,
    cancelId: 1,
    title: 'Quit Portolan',
    message: `Quit Portolan? ${running.length === 1 ? 'This forward stops' : `These ${running.length} forwards stop`}: ${names}.`,
    detail: 'To keep them running, cancel and close the window instead: Portolan stays in the tray.',
  });
  return response === 0;
}

/**
 * Keeps the OS's login start equal to the setting: once at start (the CLI may have changed the
 * file) and whenever it changes.
 */
function followStartAtLogin(portolan: PortolanApp): void {
  let applied: boolean | undefined;
  const apply = (on: boolean) => {
    if (on === applied) return;
    applied = on;
    void applyStartAtLogin(on).catch((err: unknown) => notice('Start at login', `Portolan could not change its login start: ${(err as Error).message}`));
  };
  void portolan.handlers['settings.get']({}).then((state) => apply(state.settings.startAtLogin));
  portolan.bus.on('settings.changed', (settings) => apply(settings.startAtLogin));
}

/** Shows a one-line message as a system notification, or a message box where there are none. */
function notice(title: string, body: string): void {
  if (Notification.isSupported()) new Notification({ title, body }).show();
  else void dialog.showMessageBox({ type: 'info', title, message: body });
}

function startShell(): void {
  const paths = defaultPaths(__dirname, app.getAppPath());
  let portolan: PortolanApp | undefined;
  let disposeIpc: (() => void) | undefined;
  let tray: PortolanTray | undefined;
  let notifications: DesktopNotifications | undefined;
  let closed = false;
  let quitting = false;
  let lastWindowState: WindowState | undefined;

  /** Opens the window where it was last (at `hash`, a place in the app), and remembers where it is when it closes. */
  const openWindow = (hash?: string) => {
    const engine = portolan;
    const win = createMainWindow(paths, lastWindowState, hash);
    win.on('close', () => {
      lastWindowState = windowStateOf(win);
      void engine?.handlers['settings.update']({ windowState: lastWindowState }).catch(() => undefined);
    });
    return win;
  };
  const firstWindow = () => BrowserWindow.getAllWindows()[0];
  /** Shows the window (at `hash`, when given), creating it when it was closed to the tray. */
  const showWindow = (hash?: string) => {
    const win = firstWindow();
    if (!win) {
      if (portolan) openWindow(hash);
      return;
    }
    // Only the fragment changes: a same-document navigation, the page is not reloaded.
    if (hash) void win.loadURL(`${APP_INDEX_URL}${hash}`);
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };

  /**
   * The last window closed: keep running in the tray while forwards, guards or listeners run
   * (saying so once), unless the user asked to quit when the window closes.
   */
  async function windowsClosed(): Promise<void> {
    const running = portolan && tray ? await readTrayState(portolan).catch(() => undefined) : undefined;
    if (!portolan || !running || running.settings.quitOnWindowClose || describeActive(running) === '') {
      app.quit();
      return;
    }
    if (running.settings.trayNoticeShown) return;
    const where = process.platform === 'darwin' ? 'menu bar' : 'tray';
    notice('Portolan is still running', `${describeActive(running)} keep running; open or quit Portolan from its icon in the ${where}.`);
    await portolan.handlers['settings.update']({ trayNoticeShown: true }).catch(() => undefined);
  }

  app.on('second-instance', () => showWindow());

  app.on('window-all-closed', () => {
    // macOS apps stay open without windows; elsewhere, the tray keeps what runs running.
    if (process.platform !== 'darwin') void windowsClosed();
  });

  app.on('activate', () => {
    if (portolan && BrowserWindow.getAllWindows().length === 0) openWindow();
  });

  // Ask when forwards would stop; then close the app (timers, sockets, listeners) and quit again.
  app.on('before-quit', (event) => {
    if (closed || !portolan) return;
    event.preventDefault();
    if (quitting) return;
    quitting = true;
    const closing = portolan;
    void confirmQuit(closing)
      .catch(() => true)
      .then((go) => {
        if (!go) {
          quitting = false;
          return;
        }
        // Remember the window's place now: its own 'close' comes after the app is closed.
        const win = firstWindow();
        const saving = win ? closing.handlers['settings.update']({ windowState: windowStateOf(win) }).catch(() => undefined) : Promise.resolve();
        portolan = undefined;
        disposeIpc?.();
        tray?.destroy();
        tray = undefined;
        notifications?.dispose();
        notifications = undefined;
        return saving
          .then(() => closing.close())
          .catch(() => undefined)
          .finally(() => {
            closed = true;
            app.quit();
          });
      });
  });

  void app
    .whenReady()
    .then(async () => {
      installSecurity();
      serveRenderer(path.dirname(paths.indexHtml));
      // Developer tools only in a development run, never in the installed app.
      installMenu({ devTools: !app.isPackaged });
      portolan = await createApp({
        assetsDir: path.join(app.getAppPath(), 'assets'),
        dataDir: app.getPath('userData'),
        transport: 'ipc',
        forwards: { secrets: osSecretStore() },
        // "Show all owners" runs only the socket reader elevated, as this app's CLI; never this window.
        socketReader: { readerCommand: [...cliCommand(process.execPath, app.getAppPath(), app.isPackaged), SOCKET_READER_COMMAND] },
      });
      disposeIpc = registerIpc({
        ipcMain,
        app: portolan,
        isTrustedSender,
        targets: () => BrowserWindow.getAllWindows().map((win) => win.webContents),
      });
      notifications = new DesktopNotifications(portolan, showWindow);
      await notifications.start();
      tray = new PortolanTray(portolan, { openWindow: () => showWindow(), quit: () => app.quit(), report: (message) => notice('Portolan', message) }, path.join(paths.iconsDir, 'tray'));
      followStartAtLogin(portolan);
      lastWindowState = (await portolan.handlers['settings.get']({})).settings.windowState;
      // A login start stays in the tray; its "start with app" forwards already run (createApp).
      if (!startedHidden()) openWindow();
    })
    .catch((err: unknown) => {
      // Say why instead of leaving a process with no window.
      dialog.showErrorBox('Portolan could not start', err instanceof Error ? err.message : String(err));
      app.exit(1);
    });
}
