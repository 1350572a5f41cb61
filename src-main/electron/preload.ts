/**
 * The sandboxed preload: a single bundle (dist/main/preload.cjs) that imports only `electron` and
 * the contract's names. It exposes `window.portolan` with one function per contract call and one
 * event subscription, never `ipcRenderer` itself.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { CALL_NAMES, EVENT_CHANNEL, type CallResult, type PortolanBridge } from '../contract/channels.js';

type CallName = (typeof CALL_NAMES)[number];

/** Builds the bridge object; exported for the unit test, which checks its shape. */
export function createBridge(): PortolanBridge {
  const calls = {} as Record<CallName, (input?: unknown) => Promise<CallResult>>;
  for (const name of CALL_NAMES) {
    calls[name] = (input?: unknown) => ipcRenderer.invoke(name, input) as Promise<CallResult>;
  }
  return {
    calls: Object.freeze(calls),
    onEvent(listener) {
      const wrapped = (_event: IpcRendererEvent, name: string, payload: unknown) => listener(name, payload);
      ipcRenderer.on(EVENT_CHANNEL, wrapped);
      return () => {
        ipcRenderer.removeListener(EVENT_CHANNEL, wrapped);
      };
    },
    platform: process.platform,
  };
}

contextBridge.exposeInMainWorld('portolan', createBridge());
