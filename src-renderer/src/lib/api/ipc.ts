/** The transport of the desktop window: the preload's `window.portolan` bridge over Electron IPC. */
import type { BridgeResult, PortolanBridge } from '../../../../src-main/contract/channels.js';
import type { ConnectionStatus, Transport } from './transport.js';

declare global {
  interface Window {
    /** Exposed by the sandboxed preload in the desktop app; absent in a browser. */
    portolan?: PortolanBridge;
  }
}

export class IpcTransport implements Transport {
  constructor(private readonly bridge: PortolanBridge) {}

  async call(name: string, input: unknown): Promise<BridgeResult> {
    const fn = (this.bridge.calls as Record<string, ((input?: unknown) => Promise<BridgeResult>) | undefined>)[name];
    if (!fn) return { ok: false, error: { code: 'UNKNOWN_CALL', message: `The desktop bridge has no call named "${name}".` } };
    try {
      return await fn(input);
    } catch (err) {
      return { ok: false, error: { code: 'INTERNAL', message: `The call ${name} failed in the bridge: ${String(err)}` } };
    }
  }

  onEvent(listener: (event: string, payload: unknown) => void): () => void {
    return this.bridge.onEvent(listener);
  }

  /** IPC to the main process is up for as long as the window exists. */
  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    listener('connected');
    return () => {};
  }

  close(): void {}
}
