/** `npm run bench [dictionary|bind|sockets]`: prints the benchmark tables. Benchmarks never assert; they report. */
import os from 'node:os';
import { benchBindCheck } from './bind-check.bench.js';
import { benchDictionary } from './dictionary.bench.js';
import { benchSockets } from './sockets.bench.js';

console.log(`Portolan benchmarks on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.versions.node}, ${new Date().toISOString()}`);
const only = process.argv[2];
if (!only || only === 'dictionary') await benchDictionary();
if (!only || only === 'bind') await benchBindCheck();
if (!only || only === 'sockets') await benchSockets();
