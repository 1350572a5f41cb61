/**
 * The socket table's worker thread: reads /proc/net and the owners' /proc/<pid>/fd (synchronous
 * file reads, tens of ms with 10,000 sockets) off the main thread, so that IPC and forwards never
 * wait on them, and posts only what changed since its previous read; and per-connection traffic
 * (`ss -tin`, parsed here), so that neither slows the main thread's tick. Bundled on its own as
 * socket-worker.cjs next to the main bundles (scripts/build-main.mjs), or in memory from the sources.
 * The answers themselves are socket-reader.ts's, shared with the elevated reader process.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SocketReader } from './socket-reader.js';
import type { SocketRequest } from './threaded-provider.js';

const port = parentPort!;
const reader = new SocketReader((workerData as { procRoot?: string } | undefined)?.procRoot);

port.on('message', (request: SocketRequest) => {
  void reader.answer(request).then((reply) => port.postMessage(reply));
});
