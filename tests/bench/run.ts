/** `npm run bench`: prints every benchmark table. Benchmarks never assert; they report. */
import os from 'node:os';
import { benchBindCheck } from './bind-check.bench.js';
import { benchDictionary } from './dictionary.bench.js';

console.log(`Portolan benchmarks on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.versions.node}, ${new Date().toISOString()}`);
await benchDictionary();
await benchBindCheck();
