/**
 * Socket table: Portolan's snapshot (read /proc/net, name every owner, link pairs, diff) of about
 * 10,000 sockets against `ss -tanp` (the standard tool, which also names owners), in the same run;
 * pairs mode (the tick plus pairing) against `ss -tinp`; per-connection traffic (ss -tin, parsed,
 * turned into rates) against `ss -tin`; and how long the main thread's event loop stalls during
 * ticks with the reads on this thread and on the socket thread.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { diffSockets } from '../../src-main/engine/sockets/diff.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pairRows } from '../../src-main/contract/socket-pairs.js';
import { LinuxSocketProvider } from '../../src-main/engine/sockets/linux-provider.js';
import { SocketMonitor } from '../../src-main/engine/sockets/monitor.js';
import type { SocketProvider } from '../../src-main/engine/sockets/provider.js';
import { ThreadedSocketProvider } from '../../src-main/engine/sockets/threaded-provider.js';
import { TrafficReader } from '../../src-main/engine/sockets/traffic-reader.js';
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
    const pairsWarm: number[] = [];
    for (let i = 0; i < 15; i++) {
      const start = performance.now();
      const reading = await provider.read();
      const next = new Map(reading.rows.map((r) => [r.id, r]));
      diffSockets(previous, next);
      pairRows(reading.rows);
      previous = next;
      pairsWarm.push(performance.now() - start);
    }
    const traffic = new TrafficReader();
    await traffic.read();
    const trafficMs: number[] = [];
    let connections = 0;
    for (let i = 0; i < 7; i++) {
      const start = performance.now();
      connections = (await traffic.read()).items.length;
      trafficMs.push(performance.now() - start);
    }
    const stall = async (make: () => SocketProvider) => {
      const monitor = new SocketMonitor({ provider: make(), onDiff: () => {} });
      await monitor.tick();
      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      // Yield between ticks, so that the delay timer runs and sees how long each tick held the loop.
      for (let i = 0; i < 10; i++) {
        await monitor.tick();
        await new Promise((r) => setTimeout(r, 20));
      }
      delay.disable();
      monitor.close();
      return delay.max / 1e6;
    };
    const stallHere = await stall(() => new LinuxSocketProvider());
    const stallThread = await stall(() => new ThreadedSocketProvider());
    const ssTinp = commandMedianMs('ss', ['-tinp'], 7);
    const ssTin = commandMedianMs('ss', ['-tin'], 7);
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
    const vs = (ours: number, theirs: number | undefined) => (theirs ? `**${(ours / theirs).toFixed(2)}x**` : 'n/a');
    printTable(
      `Pairs and traffic with ${rows} sockets, median ms (same run)`,
      ['what', 'ms', 'vs the ss command'],
      [
        ['`ss -tinp` (TCP info and owners)', fmt(ssTinp, 1), '1.00x'],
        ['Portolan pairs-mode tick (read, diff, pair; warm cache)', fmt(percentile(pairsWarm, 50), 1), vs(percentile(pairsWarm, 50), ssTinp)],
        ['`ss -tin` (TCP info)', fmt(ssTin, 1), '1.00x'],
        [`Portolan traffic sample (ss -tinOHe, parse, rates; ${connections} moved)`, fmt(percentile(trafficMs, 50), 1), vs(percentile(trafficMs, 50), ssTin)],
      ],
    );
    printTable(
      'Longest stall of the main thread\'s event loop over 10 ticks, ms',
      ['reads on', 'max stall'],
      [
        ['the main thread (before issue 18.7)', fmt(stallHere, 1)],
        ['the socket thread', fmt(stallThread, 1)],
      ],
    );
  } finally {
    load.stdin.end();
    load.kill();
  }
}
