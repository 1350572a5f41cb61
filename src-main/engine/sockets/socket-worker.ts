/**
 * The socket table's worker thread: reads /proc/net and the owners' /proc/<pid>/fd (synchronous
 * file reads, tens of ms with 10,000 sockets) off the main thread, so that IPC and forwards never
 * wait on them, and posts only what changed since its previous read; and per-connection traffic
 * (`ss -tin`, parsed here), so that neither slows the main thread's tick. Bundled on its own as
 * socket-worker.cjs next to the main bundles (scripts/build-main.mjs), or in memory from the sources.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ChangeReader } from './change-reader.js';
import { LinuxSocketProvider } from './linux-provider.js';
import type { SocketRequest, SocketReply } from './threaded-provider.js';
import { TrafficReader } from './traffic-reader.js';

const port = parentPort!;
const reader = new ChangeReader(new LinuxSocketProvider((workerData as { procRoot?: string } | undefined)?.procRoot));

const traffic = new TrafficReader();

port.on('message', (request: SocketRequest) => {
  if (request.t === 'traffic') {
    void traffic.read().then((sample) => port.postMessage({ t: 'traffic', seq: request.seq, sample } satisfies SocketReply));
    return;
  }
  reader.readChange().then(
    (change) => port.postMessage({ t: 'change', seq: request.seq, change } satisfies SocketReply),
    (err: Error) => port.postMessage({ t: 'failed', seq: request.seq, message: err.message } satisfies SocketReply),
  );
});
