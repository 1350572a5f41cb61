/**
 * The Electron composition root (bundled to dist/main/electron-main.cjs). It wires the shell
 * together and nothing more: the app (engine + contract) comes from createApp, calls travel over
 * transports/ipc, and window, security and menu each live in their own small file.
 */
import { app, BrowserWindow, dialog, ipcMain, safeStorage } from 'electron';
import path from 'node:path';
import { createApp, type PortolanApp } from '../app/create-app.js';
import { EncryptedFileSecretStore } from '../app/secret-file-store.js';
import { registerIpc } from '../transports/ipc.js';
import { installMenu } from './menu.js';
import { registerAppScheme, serveRenderer } from './app-protocol.js';
import { installSecurity, isTrustedSender } from './security.js';
import { createMainWindow, defaultPaths } from './window.js';

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

function startShell(): void {
  const paths = defaultPaths(__dirname, app.getAppPath());
  let portolan: PortolanApp | undefined;
  let disposeIpc: (() => void) | undefined;
  let closed = false;

  const openWindow = () => createMainWindow(paths);
  const firstWindow = () => BrowserWindow.getAllWindows()[0];

  app.on('second-instance', () => {
    const win = firstWindow();
    if (!win) {
      if (portolan) openWindow();
      return;
    }
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('activate', () => {
    if (portolan && BrowserWindow.getAllWindows().length === 0) openWindow();
  });

  // Close the app (timers, sockets, listeners) before quitting; quit again once it is done.
  app.on('before-quit', (event) => {
    if (closed || !portolan) return;
    event.preventDefault();
    const closing = portolan;
    portolan = undefined;
    disposeIpc?.();
    void closing
      .close()
      .catch(() => undefined)
      .finally(() => {
        closed = true;
        app.quit();
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
      });
      disposeIpc = registerIpc({
        ipcMain,
        app: portolan,
        isTrustedSender,
        targets: () => BrowserWindow.getAllWindows().map((win) => win.webContents),
      });
      openWindow();
    })
    .catch((err: unknown) => {
      // Say why instead of leaving a process with no window.
      dialog.showErrorBox('Portolan could not start', err instanceof Error ? err.message : String(err));
      app.exit(1);
    });
}
