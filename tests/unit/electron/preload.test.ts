import { build } from 'esbuild';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CALL_NAMES, EVENT_CHANNEL, type PortolanBridge } from '../../../src-main/contract/channels.js';
import { resetStandin, standin } from './electron-standin.js';

vi.mock('electron', async () => (await import('./electron-standin.js')).electron);

let bridge: PortolanBridge;

describe('sandboxed preload', () => {
  beforeAll(async () => {
    resetStandin();
    await import('../../../src-main/electron/preload.js');
    bridge = standin.exposed['portolan'] as PortolanBridge;
  });

  it('exposes only window.portolan, once', () => {
    expect(standin.electron.contextBridge.exposeInMainWorld).toHaveBeenCalledOnce();
    expect(Object.keys(standin.exposed)).toEqual(['portolan']);
    expect(Object.keys(bridge).sort()).toEqual(['calls', 'onEvent', 'platform']);
    expect(bridge.platform).toBe(process.platform);
  });

  it('has exactly one function per contract call, each invoking its own channel', async () => {
    expect(Object.keys(bridge.calls).sort()).toEqual([...CALL_NAMES].sort());
    for (const name of CALL_NAMES) {
      const fn = bridge.calls[name];
      expect(fn, name).toBeTypeOf('function');
      standin.electron.ipcRenderer.invoke.mockClear();
      await fn({ probe: name });
      expect(standin.electron.ipcRenderer.invoke).toHaveBeenCalledExactlyOnceWith(name, { probe: name });
    }
  });

  it('delivers events from the event channel and unsubscribes', () => {
    const listener = vi.fn();
    const off = bridge.onEvent(listener);
    standin.electron.ipcRenderer.emit(EVENT_CHANNEL, { sender: {} }, 'settings.changed', { theme: 'dark' });
    expect(listener).toHaveBeenCalledExactlyOnceWith('settings.changed', { theme: 'dark' });
    off();
    standin.electron.ipcRenderer.emit(EVENT_CHANNEL, { sender: {} }, 'settings.changed', { theme: 'light' });
    expect(listener).toHaveBeenCalledOnce();
    expect(standin.electron.ipcRenderer.listenerCount(EVENT_CHANNEL)).toBe(0);
  });

  it('bundles into one file that requires nothing but electron', async () => {
    const result = await build({
      entryPoints: ['src-main/electron/preload.ts'],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['electron'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.filter((i) => i.external).map((i) => i.path));
    expect([...new Set(imports)]).toEqual(['electron']);
    const inputs = Object.keys(result.metafile.inputs).sort();
    expect(inputs).toEqual(['src-main/contract/channels.ts', 'src-main/electron/preload.ts']);
  });
});
