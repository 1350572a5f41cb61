import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp, type PortolanApp } from '../../../src-main/app/create-app.js';
import { calls, CALL_NAMES, EVENT_CHANNEL } from '../../../src-main/contract/index.js';
import { registerIpc, type IpcMainLike } from '../../../src-main/transports/ipc.js';
import { FakeWebContents, resetStandin, standin } from './electron-standin.js';

vi.mock('electron', async () => (await import('./electron-standin.js')).electron);
const { isTrustedSender } = await import('../../../src-main/electron/security.js');

const trustedUrl = 'app://portolan/index.html';
const frame = (url: string | undefined) => ({ senderFrame: url === undefined ? null : { url } });

let app: PortolanApp;
let dataDir: string;
let windows: FakeWebContents[];
let dispose: () => void;
const ipcMain = standin.electron.ipcMain;

/** Calls a registered handler as Electron would for a message from `url`. */
function invoke(name: string, url: string | undefined, input?: unknown): Promise<any> {
  const handler = ipcMain.handlers.get(name);
  if (!handler) throw new Error(`no handler for ${name}`);
  return handler(frame(url), input) as Promise<any>;
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'portolan-ipc-'));
  app = await createApp({ assetsDir: path.resolve('assets'), dataDir, transport: 'ipc', heartbeatMs: 0 });
});
afterAll(async () => {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('IPC transport (ipcMain side)', () => {
  beforeEach(() => {
    resetStandin();
    windows = [new FakeWebContents(), new FakeWebContents()];
    dispose = registerIpc({
      ipcMain: ipcMain as IpcMainLike,
      app,
      isTrustedSender,
      targets: () => windows,
    });
    return () => dispose();
  });

  it('registers exactly one handler per call of the contract', () => {
    expect([...ipcMain.handlers.keys()].sort()).toEqual([...CALL_NAMES].sort());
    expect([...CALL_NAMES].sort()).toEqual(Object.keys(calls).sort());
    expect(ipcMain.handle).toHaveBeenCalledTimes(CALL_NAMES.length);
  });

  it('answers a trusted frame with the app answer', async () => {
    const info = await invoke('system.info', trustedUrl);
    expect(info).toMatchObject({ ok: true, value: { transport: 'ipc', platform: process.platform } });
    const lookup = await invoke('dictionary.lookup', trustedUrl + '#/dictionary', { query: '22' });
    expect(lookup.ok).toBe(true);
    expect(lookup.value.items.some((item: { port: number }) => item.port === 22)).toBe(true);
  });

  it('answers every call for a trusted frame with a result, never a throw', async () => {
    // Input that no call accepts, so no handler starts real work (scans, listeners).
    for (const name of CALL_NAMES) {
      const result = await invoke(name, trustedUrl, 42);
      expect(typeof result.ok, name).toBe('boolean');
      if (!result.ok) expect(result.error.code, name).toMatch(/^[A-Z_]+$/);
    }
  });

  it('refuses untrusted and unknown frames with UNAUTHORIZED, without reaching the app', async () => {
    const spy = vi.spyOn(app, 'invoke');
    try {
      for (const url of ['https://evil.example/', 'file:///tmp/index.html', `file://${path.resolve('dist/renderer/index.html')}`, 'about:blank', '', undefined]) {
        for (const name of CALL_NAMES) {
          const result = await invoke(name, url);
          expect(result, `${name} from ${url}`).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
          expect(result.error.message).toMatch(/only Portolan's own window/);
        }
      }
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('turns bad input into INVALID_INPUT', async () => {
    const result = await invoke('dictionary.card', trustedUrl, { port: 'not a port' });
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', path: ['port'] } });
  });

  it('sends every bus event to every live window on the event channel', async () => {
    windows[1]!.destroyed = true;
    const result = await invoke('settings.update', trustedUrl, { theme: 'dark' });
    expect(result.ok).toBe(true);
    expect(windows[0]!.send).toHaveBeenCalledWith(EVENT_CHANNEL, 'settings.changed', expect.objectContaining({ theme: 'dark' }));
    expect(windows[1]!.send).not.toHaveBeenCalled();
  });

  it('keeps delivering when one window throws', () => {
    windows[0]!.send.mockImplementation(() => {
      throw new Error('Object has been destroyed');
    });
    app.bus.emit('system.heartbeat', { at: 1, uptimeMs: 1 });
    expect(windows[1]!.send).toHaveBeenCalledWith(EVENT_CHANNEL, 'system.heartbeat', { at: 1, uptimeMs: 1 });
  });

  it('dispose removes the handlers and stops the events', () => {
    dispose();
    expect(ipcMain.handlers.size).toBe(0);
    app.bus.emit('system.heartbeat', { at: 2, uptimeMs: 2 });
    expect(windows[0]!.send).not.toHaveBeenCalled();
    dispose = () => undefined;
  });
});
