/**
 * Console throughput: a 50 MB burst from a peer into an interactive session whose consumer
 * acknowledges at once (base64 decode + sessions.ack through the dispatcher, as a console does),
 * against socat copying the same burst to /dev/null, measured in the same run. Also the engine's
 * memory high-water mark and its longest event-loop stall during the burst (the window's frames
 * depend on it). The sender is `socat -u OPEN:file TCP:...` in both cases.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { testApp } from '../helpers/app.js';
import { fmt, percentile, printTable } from './stats.js';

const TOTAL = 50 * 1024 * 1024;
const RUNS = 3;

const exited = (child: ReturnType<typeof spawn>) => new Promise<number | null>((r) => child.on('exit', (code) => r(code)));

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** One burst through Portolan: ms, peak rss and heap growth (MB), longest loop stall (ms). */
async function portolanRun(app: Awaited<ReturnType<typeof testApp>>['app'], file: string) {
  const opened = await app.invoke('listeners.open', {});
  if (!opened.ok) throw new Error(opened.error.message);
  const listener = opened.value as { id: string; port: number };
  let received = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  const off = app.bus.on('sessions.data', (d) => {
    const bytes = Buffer.from(d.data, 'base64');
    received += bytes.length;
    void app.invoke('sessions.ack', { id: d.id, bytes: bytes.length });
    if (received >= TOTAL) done();
  });
  global.gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  let stall = 0;
  let last = performance.now();
  const sampler = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last - 5);
    last = now;
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 5);
  const start = performance.now();
  const sender = spawn('socat', ['-u', `OPEN:${file}`, `TCP:127.0.0.1:${listener.port}`], { stdio: 'ignore' });
  await Promise.all([finished, exited(sender)]);
  const ms = performance.now() - start;
  clearInterval(sampler);
  off();
  await app.invoke('listeners.close', { id: listener.id });
  return { ms, rssMB: (peakRss - base.rss) / 2 ** 20, heapMB: (peakHeap - base.heapUsed) / 2 ** 20, stallMs: stall };
}

/** The same burst copied by socat to /dev/null: ms. */
async function socatRun(file: string): Promise<number> {
  const port = await freePort();
  const receiver = spawn('socat', ['-u', `TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr`, 'OPEN:/dev/null'], { stdio: 'ignore' });
  const receiverExit = exited(receiver);
  // Wait until the receiver listens.
  for (let i = 0; i < 200; i++) {
    const probe = spawnSync('ss', ['-Htln', `sport = :${port}`], { encoding: 'utf8' });
    if (!probe.error && probe.stdout.includes(`:${port}`)) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const start = performance.now();
  const sender = spawn('socat', ['-u', `OPEN:${file}`, `TCP:127.0.0.1:${port}`], { stdio: 'ignore' });
  await Promise.all([exited(sender), receiverExit]);
  return performance.now() - start;
}

export async function benchConsole(): Promise<void> {
  if (spawnSync('socat', ['-V']).error) return console.log('\n(console benchmark skipped: socat is not installed; apt-get install socat)');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'portolan-bench-'));
  const file = path.join(dir, 'burst.bin');
  await writeFile(file, randomBytes(TOTAL));
  const ctx = await testApp();
  try {
    const ours = [];
    const theirs = [];
    for (let i = 0; i < RUNS; i++) {
      ours.push(await portolanRun(ctx.app, file));
      theirs.push(await socatRun(file));
    }
    const mbps = (ms: number) => TOTAL / 2 ** 20 / (ms / 1000);
    const oursMs = percentile(ours.map((r) => r.ms), 50);
    const socatMs = percentile(theirs, 50);
    printTable(
      `Console: a 50 MB burst into an interactive session, consumer acks at once (median of ${RUNS})`,
      ['what', 'ms', 'MB/s', 'vs socat'],
      [
        ['`socat -u TCP-LISTEN OPEN:/dev/null` (copy only)', fmt(socatMs, 0), fmt(mbps(socatMs), 0), '1.00x'],
        ['Portolan session -> sessions.data (base64) -> decode + sessions.ack', fmt(oursMs, 0), fmt(mbps(oursMs), 0), `**${(mbps(oursMs) / mbps(socatMs)).toFixed(2)}x**`],
      ],
    );
    printTable(
      'Console: the engine during the burst (worst of the runs)',
      ['peak rss growth (MB)', 'peak heap growth (MB)', 'longest event-loop stall (ms)'],
      [[fmt(Math.max(...ours.map((r) => r.rssMB)), 1), fmt(Math.max(...ours.map((r) => r.heapMB)), 1), fmt(Math.max(...ours.map((r) => r.stallMs)), 1)]],
    );
  } finally {
    await ctx.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}
