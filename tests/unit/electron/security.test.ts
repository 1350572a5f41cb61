import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeWebContents, resetStandin, standin } from './electron-standin.js';

vi.mock('electron', async () => (await import('./electron-standin.js')).electron);

const { installSecurity, isExternalWebUrl, isTrustedSender } = await import('../../../src-main/electron/security.js');

/** Installs the rules and lets the app "create" a webContents, as Electron would. */
function createdContents(): FakeWebContents {
  installSecurity();
  const contents = new FakeWebContents();
  standin.electron.app.emit('web-contents-created', {}, contents);
  return contents;
}

function navigationEvent(isSameDocument: boolean) {
  return { isSameDocument, preventDefault: vi.fn() };
}

describe('app-wide hardening', () => {
  beforeEach(() => resetStandin());

  it('hardens every webContents the app creates', () => {
    installSecurity();
    expect(standin.electron.app.listenerCount('web-contents-created')).toBe(1);
  });

  it('blocks navigation and redirects away from the page, but not in-page navigation', () => {
    const contents = createdContents();
    for (const name of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
      const away = navigationEvent(false);
      contents.emit(name, away, 'https://example.com/');
      expect(away.preventDefault, name).toHaveBeenCalled();
      const inPage = navigationEvent(true);
      contents.emit(name, inPage, 'app://portolan/index.html#ports');
      expect(inPage.preventDefault, name).not.toHaveBeenCalled();
    }
  });

  it('refuses to attach <webview>', () => {
    const contents = createdContents();
    const event = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', event, {}, {});
    expect(event.preventDefault).toHaveBeenCalled();
  });

  it('denies window.open; http(s) links open in the OS browser, other schemes nowhere', () => {
    const contents = createdContents();
    const open = contents.windowOpenHandler!;
    expect(open).toBeTypeOf('function');
    for (const url of ['https://www.iana.org/', 'http://localhost:8080/', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'not a url']) {
      expect(open({ url }), url).toEqual({ action: 'deny' });
    }
    expect(standin.electron.shell.openExternal.mock.calls.map((c) => c[0])).toEqual(['https://www.iana.org/', 'http://localhost:8080/']);
  });

  it('denies every permission request and check, on the default session and each webContents session', () => {
    const contents = createdContents();
    for (const ses of [standin.electron.session.defaultSession, contents.session]) {
      for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'unknown']) {
        const callback = vi.fn();
        ses.requestHandler!(contents, permission, callback, {});
        expect(callback).toHaveBeenCalledWith(false);
        expect(ses.checkHandler!(contents, permission, 'file://', {})).toBe(false);
      }
    }
  });

  it('only http and https count as external web URLs', () => {
    expect(isExternalWebUrl('https://a.example/')).toBe(true);
    expect(isExternalWebUrl('http://a.example/')).toBe(true);
    expect(isExternalWebUrl('HTTPS://A.EXAMPLE/')).toBe(true);
    expect(isExternalWebUrl('file:///tmp/x')).toBe(false);
    expect(isExternalWebUrl('javascript:void(0)')).toBe(false);
    expect(isExternalWebUrl('')).toBe(false);
  });
});

describe('IPC sender check', () => {
  const trusted = isTrustedSender;
  const rendererDir = path.resolve('/opt/Portolan/resources/app.asar/dist/renderer');

  it("trusts the app's own origin, app://portolan", () => {
    expect(trusted('app://portolan/index.html')).toBe(true);
    expect(trusted('app://portolan/index.html#/sockets?x=1')).toBe(true);
    expect(trusted('app://portolan/')).toBe(true);
    expect(trusted('APP://PORTOLAN/index.html')).toBe(true);
  });

  it('refuses anything else, file:// pages of the renderer folder included', () => {
    expect(trusted(undefined)).toBe(false);
    expect(trusted('')).toBe(false);
    expect(trusted('about:blank')).toBe(false);
    expect(trusted('https://evil.example/index.html')).toBe(false);
    expect(trusted('https://portolan/index.html')).toBe(false);
    expect(trusted('http://127.0.0.1:5173/')).toBe(false);
    expect(trusted('devtools://devtools/bundled/index.html')).toBe(false);
    expect(trusted(pathToFileURL(path.join(rendererDir, 'index.html')).href)).toBe(false);
    expect(trusted('app://evil/index.html')).toBe(false);
    expect(trusted('app://portolan.evil/index.html')).toBe(false);
    expect(trusted('app://user:pw@portolan/index.html')).toBe(false);
    expect(trusted('app://portolan:8080/index.html')).toBe(false);
    expect(trusted('not a url')).toBe(false);
  });
});
