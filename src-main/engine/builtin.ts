/**
 * Node's built-in modules that only some commands use, loaded on first use instead of at import.
 * Each costs a CLI command milliseconds of its start (measured on Node 20: node:tls about 13 ms,
 * node:crypto 10 ms, node:child_process 6 ms, node:worker_threads 4 ms), and `portolan port 22`,
 * `portolan sockets` or a TCP connect scan without --service use none of them.
 */
import { createRequire } from 'node:module';

// Not named `require`: the CLI's bundle declares that name at the top of every chunk.
const requireBuiltin = createRequire(import.meta.url);

/** A getter of the built-in module `name` that loads it the first time it is called. */
export function lazyBuiltin<T>(name: `node:${string}`): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireBuiltin(name) as T);
}
