/** A stopped TCP forward as the engine reports it, for the Forwards view's tests; `over` changes fields. */
import type { ForwardInfo } from '../../src-main/contract/forwards.js';

export const forward = (id: string, over: Partial<ForwardInfo> = {}): ForwardInfo => ({
  id,
  spec: { kind: 'tcp', name: id, listenHost: '127.0.0.1', listenPort: 0, allow: [], startWithApp: false, targetHost: '127.0.0.1', targetPort: 7000 },
  state: 'stopped',
  saved: true,
  secretStored: false,
  activeConnections: 0,
  totalConnections: 0,
  bytesIn: 0,
  bytesOut: 0,
  refused: 0,
  targetErrors: 0,
  ...over,
});
