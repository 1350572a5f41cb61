/**
 * Run under a low `ulimit -n` by scan.test.ts: scans ports 1-2999 plus the given port of 127.0.0.1
 * twice, with the budget read from the limit and with a budget forced far above it (so EMFILE
 * happens), holding 20 extra descriptors open; prints one JSON line per scan.
 */
import { openSync } from 'node:fs';
import { PortScan } from '../../../src-main/engine/scanner/port-scan.js';

const port = Number(process.argv[2]);
const held = Array.from({ length: 20 }, () => openSync('/dev/null', 'r'));
const ports = [...Array.from({ length: 2999 }, (_, i) => i + 1).filter((p) => p !== port), port];
if (ports.length === 2999) ports.push(3000);
for (const maxSockets of [undefined, 5000]) {
  const scan = new PortScan({ hosts: [{ target: '127.0.0.1', address: '127.0.0.1', addresses: ['127.0.0.1'] }], ports, protocol: 'tcp', timing: 5, ...(maxSockets ? { maxSockets } : {}) });
  await scan.run();
  const open = scan.listResults().filter((r) => r.state === 'open').map((r) => r.port);
  process.stdout.write(`${JSON.stringify({ state: scan.state, open, closed: scan.listCounts()[0]!.counts.closed, other: scan.listResults().filter((r) => r.state !== 'open'), message: scan.message })}\n`);
}
void held;
