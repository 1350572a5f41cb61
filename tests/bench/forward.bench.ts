/**
 * The TCP and UDP forwards against direct loopback and socat, measured in the same run:
 * throughput with iperf3 (client -t 5, both directions), 64-byte ping-pong latency (p50/p99),
 * UDP loss at the same offered rate, and the engine's memory with 1,000 idle connections.
 * Portolan's engine runs in its own Node process (load/forward-child.ts), as socat does.
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
  (bundled ??= build({
    entryPoints: [CHILD],
    outfile: CHILD_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['ssh2', 'zod'],
    logLevel: 'warning',
  }));
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
  const child = spawn(process.execPath, ['--expose-gc', CHILD_BUNDLE, String(targetPort), ...(udp ? ['udp'] : [])], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const queue: ((line: string) => void)[] = [];
  lines.on('line', (l) => queue.shift()?.(l));
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
    // Throughput: iperf3 server, then direct / socat / Portolan, each direction.
    const iperfPort = await freePort();
    const iperfServer = spawn('iperf3', ['-s', '-B', '127.0.0.1', '-p', String(iperfPort)], { stdio: 'ignore' });
    children.push(iperfServer);
    await waitListening(iperfPort);
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
    // Interleaved blocks, so that a noisy moment of the machine hits every path alike.
    const lat: Record<'direct' | 'socat' | 'Portolan', number[]> = { direct: [], socat: [], Portolan: [] };
    for (let block = 0; block < 10; block++) {
      lat.direct.push(...(await pingPong(echoPort, 700)));
      lat.socat.push(...(await pingPong(socatEchoPort, 700)));
      lat.Portolan.push(...(await pingPong(viaPortolan.port, 700)));
    }
    const p = (xs: number[], q: number) => percentile(xs, q);
    printTable(
      '64-byte ping-pong round trip, µs (10 interleaved blocks of 500 rounds after warm-up, per path)',
      ['path', 'p50', 'p99', 'added p50 over direct', 'added p99 over direct'],
      Object.entries(lat).map(([name, xs]) => [name, fmt(p(xs, 50), 1), fmt(p(xs, 99), 1), fmt(p(xs, 50) - p(lat.direct, 50), 1), fmt(p(xs, 99) - p(lat.direct, 99), 1)]),
    );

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
    await stopChild(viaPortolan.child);

    // UDP: iperf3 -u at a fixed offered rate; iperf3 needs its TCP control connection forwarded on the same port.
    // socat forks a child per UDP peer; -T 3 makes it exit 3 s after the peer's last datagram.
    const socatUdpPort = await freePort();
    const socatUdp = spawn('socat', ['-T', '3', `UDP-LISTEN:${socatUdpPort},bind=127.0.0.1,fork,reuseaddr`, `UDP:127.0.0.1:${iperfPort}`], { stdio: 'ignore' });
    const socatUdpCtl = spawn('socat', [`TCP-LISTEN:${socatUdpPort},bind=127.0.0.1,fork,reuseaddr`, `TCP:127.0.0.1:${iperfPort}`], { stdio: 'ignore' });
    children.push(socatUdp, socatUdpCtl);
    await waitListening(socatUdpPort);
    const udpPortolan = await startPortolan(iperfPort, true);
    children.push(udpPortolan.child);
    const udpRows: (string | number)[][] = [];
    for (const rate of ['200M', '1G']) {
      const row: (string | number)[] = [rate];
      for (const port of [iperfPort, socatUdpPort, udpPortolan.port]) {
        const res = await iperf(port, ['-u', '-b', rate, '-l', '1400', '-t', '3']);
        row.push(res ? `${fmt(res.lossPercent, 2)} % (${fmt(res.gbps, 2)} Gbit/s)` : 'n/a');
        await sleep(300);
      }
      udpRows.push(row);
    }
    printTable('UDP forward: loss at the same offered rate (iperf3 -u -l 1400 -t 3)', ['offered', 'direct', 'socat', 'Portolan'], udpRows);
    await stopChild(udpPortolan.child);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  }
}
