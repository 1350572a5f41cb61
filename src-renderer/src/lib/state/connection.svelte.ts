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

  constructor(private readonly api: Api) {}

  /** Follows the transport; calls `onConnected` each time the link comes (back) up. Returns a stop function. */
  start(onConnected: () => void): () => void {
    const stops = [
      this.api.onStatus((status) => {
        this.status = status;
        if (status === 'connected') {
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
