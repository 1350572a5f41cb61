/**
 * The TCP and UDP forwards against direct loopback and socat, measured in the same run:
 * throughput with iperf3 (client -t 5, both directions), 64-byte ping-pong latency (p50/p99, once
 * every path is warm; the warm-up itself in a table of its own), UDP loss at the same offered rate
 * (no sysctl changed: socat and Portolan get the same kernel limits), and the engine's memory with
 * 1,000 idle connections.
 * Portolan's engine runs in its own Node process (load/forward-child.ts), as socat does.
 *
 * Environment, for focused runs while working on the forwards (the tables stay the same):
 * - FORWARD_BENCH: comma-separated parts to run, of throughput, latency, memory, udp (default all;
 *   memory reuses the latency part's engine, so it runs the latency part too).
 * - FORWARD_BENCH_BLOCKS: interleaved ping-pong blocks per path (default 10), after
 *   FORWARD_BENCH_WARMUP_BLOCKS (default 4) reported in a table of their own.
 * - FORWARD_BENCH_UDP_RUNS: interleaved iperf3 -u runs per path and rate (default 3; the median and the worst are shown).
 * - FORWARD_BENCH_DETAIL=1: also prints each latency block's p99 and the slow samples' counts.
 * - FORWARD_BENCH_CHILD_FLAGS: extra Node flags for the engine's process, e.g. "--trace-gc"
 *   (its stderr is this process's).
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { fmt, percentile, printTable } from './stats.js';

const CHILD = path.join(import.meta.dirname, 'load', 'forward-child.ts');
// The child is bundled with esbuild and run by plain Node (no TypeScript loader in its memory), as
// the built app runs; the bundle sits under node_modules so that its dependencies resolve.
const CHILD_BUNDLE = path.resolve(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'portolan-bench', 'forward-child.mjs');
let bundled: Promise<unknown> | undefined;
const bundle = () =>
  (bundled ??= Promise.all([
    build({
      entryPoints: [CHILD],
      outfile: CHILD_BUNDLE,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['ssh2', 'zod'],
      logLevel: 'warning',
    }),
    // The UDP forward's relay thread, next to the bundle as in the built app (udp-forward.ts finds it there).
    build({
      entryPoints: [path.resolve(import.meta.dirname, '..', '..', 'src-main', 'engine', 'forwards', 'udp-worker.ts')],
      outfile: path.join(path.dirname(CHILD_BUNDLE), 'udp-worker.cjs'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'warning',
    }),
  ]));
const parts = new Set((process.env.FORWARD_BENCH ?? 'throughput,latency,memory,udp').split(',').map((x) => x.trim()));
const BLOCKS = Number(process.env.FORWARD_BENCH_BLOCKS ?? 10);
const UDP_RUNS = Number(process.env.FORWARD_BENCH_UDP_RUNS ?? 3);
const WARMUP_BLOCKS = Number(process.env.FORWARD_BENCH_WARMUP_BLOCKS ?? 4);
const DETAIL = !!process.env.FORWARD_BENCH_DETAIL;
const CHILD_FLAGS = (process.env.FORWARD_BENCH_CHILD_FLAGS ?? '').split(/\s+/).filter(Boolean);
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitListening(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on ${port}`);
}

/** Starts Portolan's forward engine in a child process; resolves with its port and a line reader. */
async function startPortolan(targetPort: number, udp = false): Promise<{ port: number; child: ChildProcess; ask(line: string): Promise<string> }> {
  await bundle();
  const child = spawn(process.execPath, ['--expose-gc', ...CHILD_FLAGS, CHILD_BUNDLE, String(targetPort), ...(udp ? ['udp'] : [])], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const queue: ((line: string) => void)[] = [];
  // V8's traces (FORWARD_BENCH_CHILD_FLAGS=--trace-gc ...) print to stdout too: passed on to stderr.
  lines.on('line', (l) => (l.startsWith('[') ? console.error(l) : queue.shift()?.(l)));
  const next = () => new Promise<string>((r) => queue.push(r));
  const ready = await next();
  return { port: Number(ready.split(' ')[1]), child, ask: (line) => (child.stdin!.write(`${line}\n`), next()) };
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    if (child.stdin) child.stdin.end();
    else child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

/** One iperf3 client run; Gbit/s received (TCP) or { gbps, lossPercent } (UDP). */
function iperf(port: number, args: string[]): Promise<{ gbps: number; lossPercent?: number } | undefined> {
  return new Promise((resolve) => {
    execFile('iperf3', ['-c', '127.0.0.1', '-p', String(port), '-J', ...args], { maxBuffer: 1 << 24 }, (_err, stdout) => {
      try {
        const j = JSON.parse(stdout);
        if (j.error) return resolve(undefined);
        const sum = j.end.sum_received ?? j.end.sum;
        resolve({ gbps: sum.bits_per_second / 1e9, ...(j.end.sum?.lost_percent !== undefined ? { lossPercent: j.end.sum.lost_percent } : {}) });
      } catch {
        resolve(undefined);
      }
    });
  });
}

/** 64-byte ping-pong round trips through `port` to an echo server; microseconds. */
async function pingPong(port: number, rounds = 3000): Promise<number[]> {
  const sock = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(s));
    s.once('error', reject);
  });
  const payload = Buffer.alloc(64, 7);
  const samples: number[] = [];
  let got = 0;
  let start = 0n;
  let done: () => void = () => undefined;
  sock.on('data', (d: Buffer) => {
    got += d.length;
    if (got < 64) return;
    got -= 64;
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
    done();
  });
  for (let i = 0; i < rounds; i++) {
    const round = new Promise<void>((r) => (done = r));
    start = process.hrtime.bigint();
    sock.write(payload);
    await round;
  }
  sock.destroy();
  return samples.slice(200); // warm-up dropped
}

export async function benchForward(): Promise<void> {
  if (!has('iperf3') || !has('socat')) {
    console.log('\n### Forwards\n\nSkipped: iperf3 and socat are needed (apt-get install iperf3 socat).');
    return;
  }
  const children: ChildProcess[] = [];
  try {
    // An iperf3 server for the throughput and UDP parts.
    const iperfPort = await freePort();
    const iperfServer = spawn('iperf3', ['-s', '-B', '127.0.0.1', '-p', String(iperfPort)], { stdio: 'ignore' });
    children.push(iperfServer);
    await waitListening(iperfPort);
    if (parts.has('throughput')) {
      // Throughput: direct / socat / Portolan, each direction.
      const socatPort = await freePort();
      const socat = spawn('socat', [`TCP-LISTEN:${socatPort},bind=127.0.0.1,fork,reuseaddr`, `TCP:127.0.0.1:${iperfPort}`], { stdio: 'ignore' });
      children.push(socat);
      await waitListening(socatPort);
      const portolan = await startPortolan(iperfPort);
      children.push(portolan.child);
      const paths = [
        ['direct', iperfPort],
        ['socat', socatPort],
        ['Portolan', portolan.port],
      ] as const;
      const results = new Map<string, number[]>();
      const runs = 3;
      for (const dir of [[], ['-R']]) {
        for (let r = 0; r < runs; r++) {
          for (const [name, port] of paths) {
            const res = await iperf(port, ['-t', '5', ...dir]);
            const key = `${name}${dir.length ? ' -R' : ''}`;
            results.set(key, [...(results.get(key) ?? []), res?.gbps ?? NaN]);
            await sleep(200);
          }
        }
      }
      const med = (k: string) => percentile(results.get(k)!.filter((x) => !Number.isNaN(x)), 50);
      const rows: (string | number)[][] = [];
      for (const suffix of ['', ' -R']) {
        const d = med(`direct${suffix}`);
        const s = med(`socat${suffix}`);
        const p = med(`Portolan${suffix}`);
        rows.push([suffix ? 'target -> client (-R)' : 'client -> target', fmt(d, 2), fmt(s, 2), fmt(p, 2), `${fmt(p / s, 2)}x`, `${fmt((100 * p) / d, 0)} %`]);
      }
      printTable(`TCP forward throughput, iperf3 -t 5, median of ${runs} runs, Gbit/s (all runs: ${JSON.stringify(Object.fromEntries([...results].map(([k, v]) => [k, v.map((x) => +x.toFixed(1))])))})`, ['direction', 'direct', 'socat', 'Portolan', 'Portolan / socat', 'Portolan / direct'], rows);
      await stopChild(portolan.child);
    }

    if (parts.has('latency') || parts.has('memory')) {
      // Latency: 64-byte ping-pong to an echo server in its own process.
      const echoPort = await freePort();
      const echo = spawn(process.execPath, ['-e', `require('net').createServer({noDelay:true},s=>{s.setNoDelay(true);s.pipe(s)}).listen(${echoPort},'127.0.0.1')`], { stdio: 'ignore' });
      children.push(echo);
      await waitListening(echoPort);
      const socatEchoPort = await freePort();
      const socatEcho = spawn('socat', [`TCP-LISTEN:${socatEchoPort},bind=127.0.0.1,fork,reuseaddr,nodelay`, `TCP:127.0.0.1:${echoPort},nodelay`], { stdio: 'ignore' });
      children.push(socatEcho);
      await waitListening(socatEchoPort);
      const viaPortolan = await startPortolan(echoPort);
      children.push(viaPortolan.child);
      // Interleaved blocks, so that a noisy moment of the machine hits every path alike. The first
      // WARMUP_BLOCKS of every path are measured alike too but reported apart: they are the new
      // engine process's first ~2,000 relayed round trips, during which V8 compiles the relay's hot
      // path (Node's stream and socket internals) on helper threads that compete for the 2 cores.
      // A forward in the app runs in a long-lived process; the table after it shows that phase.
      const paths = [['direct', echoPort], ['socat', socatEchoPort], ['Portolan', viaPortolan.port]] as const;
      type PathName = (typeof paths)[number][0];
      const measure = async (count: number) => {
        const blocks: Record<PathName, number[][]> = { direct: [], socat: [], Portolan: [] };
        for (let block = 0; block < count; block++) for (const [name, port] of paths) blocks[name].push(await pingPong(port, 700));
        return blocks;
      };
      const cold = await measure(WARMUP_BLOCKS);
      const blocks = await measure(BLOCKS);
      const p = (xs: number[], q: number) => percentile(xs, q);
      const rowsOf = (bs: Record<PathName, number[][]>) => {
        const direct = bs.direct.flat();
        return Object.entries(bs).map(([name, b]) => {
          const xs = b.flat();
          return [name, fmt(p(xs, 50), 1), fmt(p(xs, 99), 1), fmt(p(xs, 50) - p(direct, 50), 1), fmt(p(xs, 99) - p(direct, 99), 1)];
        });
      };
      if (DETAIL) {
        printTable(
          'Latency detail: p99 of each block (warm-up blocks first, then |), µs; samples over 100 µs and the largest (measured blocks)',
          ['path', 'p99 per block', 'p99.9', '> 100 µs', '> 200 µs', 'max'],
          paths.map(([name]) => {
            const all = blocks[name].flat();
            const perBlock = (bs: number[][]) => bs.map((xs) => fmt(p(xs, 99), 0)).join(' ');
            return [name, `${perBlock(cold[name])} | ${perBlock(blocks[name])}`, fmt(p(all, 99.9), 0), all.filter((x) => x > 100).length, all.filter((x) => x > 200).length, fmt(Math.max(...all), 0)];
          }),
        );
      }
      printTable(
        `64-byte ping-pong round trip, µs (${BLOCKS} interleaved blocks of 500 rounds after warm-up, per path)`,
        ['path', 'p50', 'p99', 'added p50 over direct', 'added p99 over direct'],
        rowsOf(blocks),
      );
      if (WARMUP_BLOCKS > 0) {
        printTable(
          `The warm-up: the same, over the ${WARMUP_BLOCKS} blocks run first (a new engine process, its relay path not yet compiled), µs`,
          ['path', 'p50', 'p99', 'added p50 over direct', 'added p99 over direct'],
          rowsOf(cold),
        );
      }

      if (parts.has('memory')) {
        // Memory: 1,000 idle connections through one forward (to the echo server).
        const before = JSON.parse(await viaPortolan.ask('mem'));
        const idle: net.Socket[] = [];
        for (let i = 0; i < 1000; i += 100) {
          idle.push(...(await Promise.all(Array.from({ length: 100 }, () => new Promise<net.Socket>((resolve, reject) => {
            const s = net.connect(viaPortolan.port, '127.0.0.1', () => resolve(s));
            s.once('error', reject);
          })))));
        }
        let after = JSON.parse(await viaPortolan.ask('mem'));
        for (let i = 0; i < 50 && after.active < 1000; i++) {
          await sleep(50);
          after = JSON.parse(await viaPortolan.ask('mem'));
        }
        printTable('Engine memory with 1,000 idle connections through one TCP forward (engine process only)', ['', 'RSS MB', 'heap used MB', 'external + buffers MB'], [
          ['idle forward', fmt(before.rss / 1e6, 1), fmt(before.heapUsed / 1e6, 1), fmt((before.external + before.arrayBuffers) / 1e6, 1)],
          [`${after.active} connections`, fmt(after.rss / 1e6, 1), fmt(after.heapUsed / 1e6, 1), fmt((after.external + after.arrayBuffers) / 1e6, 1)],
        ]);
        for (const s of idle) s.destroy();
      }
      await stopChild(viaPortolan.child);
    }

    if (parts.has('udp')) {
      // UDP: iperf3 -u at a fixed offered rate; iperf3 needs its TCP control connection forwarded on the same port.
      // socat forks a child per UDP peer; -T 3 makes it exit 3 s after the peer's last datagram.
      const socatUdpPort = await freePort();
      const socatUdp = spawn('socat', ['-T', '3', `UDP-LISTEN:${socatUdpPort},bind=127.0.0.1,fork,reuseaddr`, `UDP:127.0.0.1:${iperfPort}`], { stdio: 'ignore' });
      const socatUdpCtl = spawn('socat', [`TCP-LISTEN:${socatUdpPort},bind=127.0.0.1,fork,reuseaddr`, `TCP:127.0.0.1:${iperfPort}`], { stdio: 'ignore' });
      children.push(socatUdp, socatUdpCtl);
      await waitListening(socatUdpPort);
      const udpPortolan = await startPortolan(iperfPort, true);
      children.push(udpPortolan.child);
      // One 3-second run per path is at the mercy of a noisy moment of a 2-core machine (direct
      // alone has lost 2 % in one): UDP_RUNS interleaved runs, the median and the worst shown,
      // every run listed. A forward's first run is its engine's first traffic (a cold relay).
      const udpRows: (string | number)[][] = [];
      const udpAll: Record<string, number[]> = {};
      for (const rate of ['200M', '1G']) {
        const runs: { lossPercent: number; gbps: number }[][] = [[], [], []];
        for (let r = 0; r < UDP_RUNS; r++) {
          for (const [i, port] of [iperfPort, socatUdpPort, udpPortolan.port].entries()) {
            const res = await iperf(port, ['-u', '-b', rate, '-l', '1400', '-t', '3']);
            if (res?.lossPercent !== undefined) runs[i]!.push({ lossPercent: res.lossPercent, gbps: res.gbps });
            await sleep(300);
          }
        }
        const row: (string | number)[] = [rate];
        for (const [i, name] of ['direct', 'socat', 'Portolan'].entries()) {
          const sorted = [...runs[i]!].sort((a, b) => a.lossPercent - b.lossPercent);
          const median = sorted[Math.floor((sorted.length - 1) / 2)];
          const worst = sorted[sorted.length - 1];
          udpAll[`${name} ${rate}`] = runs[i]!.map((x) => +x.lossPercent.toFixed(2));
          row.push(median && worst ? `${fmt(median.lossPercent, 2)} % (${fmt(median.gbps, 2)} Gbit/s), worst ${fmt(worst.lossPercent, 2)} %` : 'n/a');
        }
        udpRows.push(row);
      }
      printTable(
        `UDP forward: loss at the same offered rate (iperf3 -u -l 1400 -t 3), median of ${UDP_RUNS} runs (all runs, %: ${JSON.stringify(udpAll)})`,
        ['offered', 'direct', 'socat', 'Portolan'],
        udpRows,
      );
      await stopChild(udpPortolan.child);
    }
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  }
}
