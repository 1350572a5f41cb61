/** The link to the engine and the facts it reports about itself, for the status bar. */
import type { SystemInfo } from '../../../../src-main/contract/system.js';
import { errorMessage, type Api } from '../api/client.js';
import type { ConnectionStatus } from '../api/transport.js';

export class ConnectionState {
  status = $state<ConnectionStatus>('connecting');
  info = $state.raw<SystemInfo | null>(null);
  infoError = $state<string | null>(null);
  /** Engine time of the last heartbeat, if one has arrived. */
  lastHeartbeat = $state<number | null>(null);

  readonly label = $derived(
    ({ connecting: 'Connecting…', connected: 'Connected', reconnecting: 'Reconnecting…', disconnected: 'Disconnected' } as const)[this.status],
  );

  /** True once the link has been up: a later loss means the engine stopped, not that it never started. */
  wasConnected = $state(false);

  /**
   * What to tell the user while the engine cannot be reached (the app blocks its actions then),
   * or null while it can. Never a call name or a code: what happened and what happens next.
   */
  readonly outage = $derived.by((): { headline: string; detail: string } | null => {
    if (this.status === 'disconnected')
      return { headline: "Portolan's engine is disconnected.", detail: 'Reload the page to connect again; if Portolan was closed, start it first.' };
    if (this.status !== 'reconnecting') return null;
    return this.wasConnected
      ? {
          headline: "Portolan's engine stopped; reconnecting…",
          detail: 'Nothing can be done here until it is back. This page reconnects by itself as soon as the engine runs again.',
        }
      : { headline: "Cannot reach Portolan's engine; retrying…", detail: 'This page connects by itself as soon as the engine answers.' };
  });

  constructor(private readonly api: Api) {}

  /** Follows the transport; calls `onConnected` each time the link comes (back) up. Returns a stop function. */
  start(onConnected: () => void): () => void {
    const stops = [
      this.api.onStatus((status) => {
        this.status = status;
        if (status === 'connected') {
          this.wasConnected = true;
          void this.refreshInfo();
          onConnected();
        }
      }),
      this.api.on('system.heartbeat', (beat) => (this.lastHeartbeat = beat.at)),
    ];
    return () => stops.forEach((stop) => stop());
  }

  async refreshInfo(): Promise<void> {
    try {
      this.info = await this.api.call('system.info');
      this.infoError = null;
    } catch (err) {
      this.infoError = errorMessage(err);
    }
  }
}
