/**
 * A scan worker thread (see scan-workers.ts): runs the shards its owner sends, one at a time,
 * with runShard, and relays pause / resume / cancel to the running one. It stays up between
 * shards (the pool reuses it) until its owner ends it. Built to dist/main/scan-worker.cjs.
 */
import { parentPort } from 'node:worker_threads';
import { runShard, type RunningShard } from './port-scan.js';
import type { ShardRequest } from './scan-workers.js';

const port = parentPort!;
let current: RunningShard | undefined;
port.on('message', (request: ShardRequest) => {
  if (typeof request === 'object') {
    const shard = runShard(request.spec, (message) => port.postMessage(message));
    current = shard;
    void shard.finished.then(() => {
      if (current === shard) current = undefined;
    });
  } else current?.command(request);
});
