/**
 * Port scanner against nmap in the same run: a full 1-65535 TCP connect scan of 127.0.0.1 (nmap
 * -sT -T5 -p-; Portolan shares it between worker threads, see
 * src-main/engine/scanner/scan-workers.ts), the namespace host's ports 1-10000 (nmap -sT -T4; root
 * only), and the memory of a 127.0.0.0/24 x top:100 scan (every loopback address answers: 25,600
 * probes).
 */
import { spawnSync } from 'node:child_process';
import { ASSETS_DIR } from '../helpers/app.js';
import { missingPrerequisite } from '../interop/helpers.js';
import { HOST, up } from '../interop/scan-host.js';
import { PortScan } from '../../src-main/engine/scanner/port-scan.js';
import { loadTopPorts } from '../../src-main/engine/scanner/ports.js';
import { parseTargets } from '../../src-main/engine/scanner/targets.js';
import { fmt, percentile, printTable } from './stats.js';

const RUNS = Number(process.env.SCAN_BENCH_RUNS ?? 3);
const host = (address: string) => ({ target: address, address, addresses: [address] });
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

async function portolanMs(address: string, ports: number[], timing: number, connector?: 'net'): Promise<{ ms: number; open: number; threads: number }> {
  const start = performance.now();
  const scan = new PortScan({ hosts: [host(address)], ports, protocol: 'tcp', timing, ...(connector ? { connector } : {}) });
  await scan.run();
  return { ms: performance.now() - start, open: scan.open, threads: scan.threads };
}

function nmapMs(args: string[]): { ms: number; open: number } | undefined {
  const start = performance.now();
  const r = spawnSync('nmap', args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  return { ms: performance.now() - start, open: (r.stdout.match(/\/tcp\s+open/g) ?? []).length };
}

async function compare(title: string, address: string, ports: number[], timing: number, nmapArgs: string[], withNet: boolean): Promise<void> {
  const ours: number[] = [];
  const net: number[] = [];
  const theirs: number[] = [];
  let openOurs = 0;
  let openTheirs = 0;
  let threads = 1;
  for (let i = 0; i < RUNS; i++) {
    const n = nmapMs(nmapArgs);
    if (n) {
      theirs.push(n.ms);
      openTheirs = n.open;
    }
    const o = await portolanMs(address, ports, timing);
    ours.push(o.ms);
    openOurs = o.open;
    threads = o.threads;
    if (withNet && i === 0) net.push((await portolanMs(address, ports, timing, 'net')).ms);
  }
  const nm = theirs.length ? percentile(theirs, 50) : undefined;
  const ratio = (ms: number) => (nm ? `**${(ms / nm).toFixed(2)}x**` : 'n/a');
  const rows: (string | number)[][] = [
    [`\`nmap ${nmapArgs.join(' ')}\``, fmt(nm, 0), nm ? '1.00x' : 'n/a', openTheirs],
    [`Portolan (timing ${timing}, libuv handles, ${threads === 1 ? 'one thread' : `${threads} worker threads`})`, fmt(percentile(ours, 50), 0), ratio(percentile(ours, 50)), openOurs],
  ];
  // Worker threads are pooled: the first scan of a process also starts them (and, run from the
  // sources, bundles their code) and runs cold code; later scans reuse warm threads.
  if (threads > 1) rows.push([`Portolan, first run of this process only (threads started cold)`, fmt(ours[0], 0), ratio(ours[0]!), '']);
  if (net.length) rows.push([`Portolan (net.Socket fallback, 1 run)`, fmt(net[0], 0), ratio(net[0]!), '']);
  printTable(`${title}, median of ${RUNS} wall-clock ms`, ['what', 'ms', 'vs nmap', 'open'], rows);
}

export async function benchScan(): Promise<void> {
  const hasNmap = !spawnSync('nmap', ['--version']).error;
  if (!hasNmap) console.log('\n(nmap is not installed: apt-get install nmap; Portolan figures only)');
  await compare('Full TCP connect scan of 127.0.0.1 (ports 1-65535)', '127.0.0.1', range(65535), 5, ['-n', '-Pn', '-sT', '-T5', '-p-', '127.0.0.1'], true);

  const missing = missingPrerequisite(['nmap', 'nft', 'ip', 'socat']);
  if (missing) console.log(`\n(namespace-host benchmark skipped: ${missing})`);
  else {
    const ns = await up();
    try {
      await compare(`Namespace host ${HOST}: 4 open, 104 filtered (dropped), 1 ICMP-rejected, the rest closed (ports 1-10000)`, HOST, range(10000), 4, ['-n', '-Pn', '-sT', '-T4', '-p', '1-10000', HOST], false);
    } finally {
      await ns.down();
    }
  }

  const top = await loadTopPorts(ASSETS_DIR);
  const hosts = parseTargets('127.0.0.0/24').map((p) => host(p.kind === 'address' ? p.address : ''));
  global.gc?.();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 20);
  const start = performance.now();
  const scan = new PortScan({ hosts, ports: top.tcp.slice(0, 100), protocol: 'tcp', timing: 5 });
  await scan.run();
  const ms = performance.now() - start;
  clearInterval(sampler);
  const mb = (n: number) => (n / 1048576).toFixed(1);
  printTable('Memory of a 127.0.0.0/24 x top:100 scan (25,600 probes; every loopback address answers)', ['what', 'value'], [
    ['wall time ms', fmt(ms, 0)],
    ['open ports found', scan.open],
    ['RSS before / peak MB', `${mb(before.rss)} / ${mb(peakRss)}`],
    ['heap before / peak MB', `${mb(before.heapUsed)} / ${mb(peakHeap)}`],
    ['results kept (non-closed only)', scan.listResults().length],
  ]);
}
