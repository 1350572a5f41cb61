/**
 * The worker thread of a UDP forward (see udp-relay.ts for why it has one): runs a UdpRelay and
 * passes its messages to the owner (udp-forward.ts). The forward's totals live in the shared
 * buffer the owner sent, so counting a datagram costs no message. Bundled on its own as
 * udp-worker.cjs next to the main bundles (scripts/build-main.mjs), or in memory from the sources.
 */
import { parentPort } from 'node:worker_threads';
import { UdpRelay, type UdpRelayCommand, type UdpRelayMessage } from './udp-relay.js';

const port = parentPort!;
const post = (message: UdpRelayMessage) => port.postMessage(message);
let relay: UdpRelay | undefined;

port.on('message', (command: UdpRelayCommand) => {
  if (command.t === 'start' && !relay) {
    const started = new UdpRelay(command.options, new Float64Array(command.totals), post);
    relay = started;
    started.start().then(
      (boundPort) => post({ t: 'listening', port: boundPort }),
      (err: NodeJS.ErrnoException) => post({ t: 'failed', code: err.code ?? 'ERROR', message: err.message }),
    );
  } else if (command.t === 'gate') {
    relay?.setGated(command.on);
  } else if (command.t === 'admit') {
    relay?.admit(command.address, command.port, command.ok);
  } else if (command.t === 'stop') {
    const stopping = relay?.stop() ?? Promise.resolve();
    relay = undefined;
    // The owner ends the thread once it has this message (and every 'closed' posted before it).
    void stopping.then(() => post({ t: 'stopped' }));
  }
});
