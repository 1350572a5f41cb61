/**
 * Socket table: Portolan's snapshot (read /proc/net, name every owner, link pairs, diff) of about
 * 10,000 sockets against `ss -tanp` (the standard tool, which also names owners), in the same run.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { diffSockets } from '../../src-main/engine/sockets/diff.js';
import { LinuxSocketProvider } from '../../src-main/engine/sockets/linux-provider.js';
import { commandMedianMs, fmt, percentile, printTable } from './stats.js';

const CONNECTIONS = 5000;

export async function benchSockets(): Promise<void> {
  if (process.platform !== 'linux') return console.log('\n(socket-table benchmark: Linux only)');
  if (spawnSync('ss', ['-V']).error) return console.log('\n(socket-table benchmark skipped: ss is not installed; apt-get install iproute2)');
  const load = spawn(process.execPath, [path.resolve('tests/bench/load/connections.mjs'), String(CONNECTIONS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    load.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    load.once('exit', (code) => reject(new Error(`load generator exited with ${code} (raise ulimit -n?)`)));
  });
  try {
    const cold: number[] = [];
    let rows = 0;
    for (let i = 0; i < 5; i++) {
      const provider = new LinuxSocketProvider();
      const start = performance.now();
      const reading = await provider.read();
      diffSockets(new Map(), new Map(reading.rows.map((r) => [r.id, r])));
      cold.push(performance.now() - start);
      rows = reading.rows.length;
    }
    const provider = new LinuxSocketProvider();
    let previous = new Map((await provider.read()).rows.map((r) => [r.id, r]));
    const warm: number[] = [];
    for (let i = 0; i < 15; i++) {
      const start = performance.now();
      const next = new Map((await provider.read()).rows.map((r) => [r.id, r]));
      diffSockets(previous, next);
      previous = next;
      warm.push(performance.now() - start);
    }
    const ssP = commandMedianMs('ss', ['-tanp'], 7);
    const ssPlain = commandMedianMs('ss', ['-tan'], 7);
    const ratio = (ours: number) => (ssP ? `**${(ours / ssP).toFixed(2)}x**` : 'n/a');
    printTable(
      `Socket table with ${rows} sockets (${CONNECTIONS} loopback connections held by another process), median ms`,
      ['what', 'ms', 'vs ss -tanp'],
      [
        ['`ss -tanp` (names owners)', fmt(ssP, 1), '1.00x'],
        ['`ss -tan` (no owners)', fmt(ssPlain, 1), ssP && ssPlain ? `${(ssPlain / ssP).toFixed(2)}x` : 'n/a'],
        ['Portolan first snapshot + diff (cold owner cache)', fmt(percentile(cold, 50), 1), ratio(percentile(cold, 50))],
        ['Portolan later tick + diff (warm cache)', fmt(percentile(warm, 50), 1), ratio(percentile(warm, 50))],
      ],
    );
  } finally {
    load.stdin.end();
    load.kill();
  }
}
