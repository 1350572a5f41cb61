/** `npm run bench [dictionary|bind|sockets|console|scan|forward|cli]`: prints the benchmark tables. Benchmarks never assert; they report. */
import os from 'node:os';
import { benchBindCheck } from './bind-check.bench.js';
import { benchCli } from './cli.bench.js';
import { benchConsole } from './console.bench.js';
import { benchDictionary } from './dictionary.bench.js';
import { benchForward } from './forward.bench.js';
import { benchScan } from './scan.bench.js';
import { benchSockets } from './sockets.bench.js';

console.log(`Portolan benchmarks on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.versions.node}, ${new Date().toISOString()}`);
const only = process.argv[2];
if (!only || only === 'dictionary') await benchDictionary();
if (!only || only === 'bind') await benchBindCheck();
if (!only || only === 'sockets') await benchSockets();
if (!only || only === 'console') await benchConsole();
if (!only || only === 'scan') await benchScan();
if (!only || only === 'forward') await benchForward();
if (!only || only === 'cli') await benchCli();
