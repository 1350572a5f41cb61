/** The only way the renderer reaches the engine: IPC in the desktop app, a WebSocket in a browser. */
import { Api } from './client.js';
import { IpcTransport } from './ipc.js';
import { WebSocketTransport, sameHostSocketUrl } from './websocket.js';

export { Api, ApiError, errorMessage } from './client.js';
export type { ConnectionStatus, Transport } from './transport.js';

/** Picks the transport this page can use. */
export function createApi(): Api {
  const bridge = window.portolan;
  return new Api(bridge ? new IpcTransport(bridge) : new WebSocketTransport(sameHostSocketUrl()));
}
