/**
 * App-wide hardening, following Electron's security checklist. Every webContents the app creates
 * (windows, and anything a bug might open) gets the same rules:
 *  - no navigation away from the loaded page (`will-navigate`, `will-redirect`), no <webview>;
 *  - `window.open` and target=_blank are denied; http(s) links open in the OS browser instead;
 *  - every permission request and permission check is denied;
 * and IPC accepts messages only from frames showing the app's own renderer folder.
 */
import { app, session, shell, type Session, type WebContents } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** True for URLs the OS browser may open: http and https only (never file:, javascript:, custom schemes). */
export function isExternalWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/** Opens an http(s) URL in the OS browser; anything else is ignored. */
export function openExternalSafely(url: string): void {
  if (isExternalWebUrl(url)) void shell.openExternal(url).catch(() => undefined);
}

/**
 * Returns the IPC sender check: a frame is trusted when its URL is a file:// URL inside
 * `rendererDir` (the built renderer, dist/renderer). Dot segments are resolved by the URL parser
 * first, so "../" cannot escape the folder.
 */
export function makeIsTrustedSender(rendererDir: string): (frameUrl: string | undefined) => boolean {
  const caseless = process.platform === 'win32' || process.platform === 'darwin';
  const norm = (p: string) => (caseless ? p.toLowerCase() : p);
  const root = norm(path.resolve(rendererDir) + path.sep);
  return (frameUrl) => {
    if (!frameUrl) return false;
    let file: string;
    try {
      const url = new URL(frameUrl);
      if (url.protocol !== 'file:' || (url.host !== '' && url.host !== 'localhost')) return false;
      file = path.resolve(fileURLToPath(url));
    } catch {
      return false;
    }
    return norm(file).startsWith(root);
  };
}

/** Denies every permission request and check on a session. */
export function denyAllPermissions(ses: Session): void {
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
}

/** Applies the navigation, window-opening and webview rules to one webContents. */
export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => {
    if (!event.isSameDocument) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!event.isSameDocument) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternalSafely(url);
    return { action: 'deny' };
  });
  denyAllPermissions(contents.session);
}

/** Installs the rules app-wide. Call once, after `app.whenReady()` (sessions exist only then). */
export function installSecurity(): void {
  denyAllPermissions(session.defaultSession);
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
}
