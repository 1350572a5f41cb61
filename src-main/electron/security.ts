/**
 * App-wide hardening, following Electron's security checklist. Every webContents the app creates
 * (windows, and anything a bug might open) gets the same rules:
 *  - no navigation away from the loaded page, in the main frame or any subframe (`will-navigate`,
 *    `will-frame-navigate`, `will-redirect`), no <webview>;
 *  - `window.open` and target=_blank are denied; http(s) links open in the OS browser instead;
 *  - every permission request and permission check is denied;
 * and IPC accepts messages only from frames showing the app's own origin (app://portolan).
 */
import { app, session, shell, type Session, type WebContents } from 'electron';
import { isAppUrl } from './app-protocol.js';

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
 * The IPC sender check: a frame is trusted when it shows a page of the app's own origin
 * (app://portolan/...). Pages from file://, http(s), devtools:// or another host of the scheme
 * are not.
 */
export function isTrustedSender(frameUrl: string | undefined): boolean {
  return isAppUrl(frameUrl);
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
  // will-navigate covers the main frame only; a subframe (an <iframe> a bug or an injected page
  // might add) must not leave the app either.
  contents.on('will-frame-navigate', (event) => {
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
