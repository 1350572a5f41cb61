/** The transport of the desktop window: the preload's `window.portolan` bridge over Electron IPC. */
import type { CallResult, PortolanBridge } from '../../../../src-main/contract/channels.js';
import type { ConnectionStatus, Transport } from './transport.js';

declare global {
  interface Window {
    /** Exposed by the sandboxed preload in the desktop app; absent in a browser. */
    portolan?: PortolanBridge;
  }
}

export class IpcTransport implements Transport {
  constructor(private readonly bridge: PortolanBridge) {}

  async call(name: string, input: unknown): Promise<CallResult> {
    const fn = (this.bridge.calls as Record<string, ((input?: unknown) => Promise<CallResult>) | undefined>)[name];
    // The call's name goes to the developer console only: users get a sentence they can act on.
    if (!fn) {
      console.warn(`portolan: the desktop bridge has no call named "${name}"`);
      return { ok: false, error: { code: 'UNKNOWN_CALL', message: 'This window and Portolan do not match (an update half done?). Restart Portolan.' } };
    }
    try {
      return await fn(input);
    } catch (err) {
      console.warn(`portolan: ${name} failed in the desktop bridge`, err);
      return { ok: false, error: { code: 'INTERNAL', message: 'Portolan could not pass this on to its engine. Restart Portolan if it happens again.' } };
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
