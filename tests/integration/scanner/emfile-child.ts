/**
 * Run under a low `ulimit -n` by scan.test.ts: scans ports 1-2999 plus the given port of 127.0.0.1
 * three times, with the budget read from the limit, with a budget forced far above it (so EMFILE
 * happens), and that again shared by two worker threads (whose EMFILE comes from the process's
 * common limit), holding 20 extra descriptors open; prints one JSON line per scan.
 */
import { openSync } from 'node:fs';
import { PortScan } from '../../../src-main/engine/scanner/port-scan.js';

const port = Number(process.argv[2]);
const held = Array.from({ length: 20 }, () => openSync('/dev/null', 'r'));
const ports = [...Array.from({ length: 2999 }, (_, i) => i + 1).filter((p) => p !== port), port];
if (ports.length === 2999) ports.push(3000);
for (const [maxSockets, workers] of [[undefined, 1], [5000, 1], [5000, 2]] as const) {
  const scan = new PortScan({ hosts: [{ target: '127.0.0.1', address: '127.0.0.1', addresses: ['127.0.0.1'] }], ports, protocol: 'tcp', timing: 5, workers, ...(maxSockets ? { maxSockets } : {}) });
  if (scan.threads !== workers) throw new Error(`expected ${workers} thread(s), got ${scan.threads}`);
  await scan.run();
  const open = scan.listResults().filter((r) => r.state === 'open').map((r) => r.port);
  process.stdout.write(`${JSON.stringify({ state: scan.state, open, closed: scan.listCounts()[0]!.counts.closed, other: scan.listResults().filter((r) => r.state !== 'open'), message: scan.message })}\n`);
}
void held;
