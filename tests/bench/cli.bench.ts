/**
 * The `portolan` command as whole processes, against the standard tools in the same run: start-up
 * (`--help`, `port 22`) against `node -e 0`, the socket table against `ss -tanp` with about 10,000
 * sockets, and a connect scan of 127.0.0.1 in a fresh network namespace against nmap (its fast
 * -T5 mode for 1-65535, its default for 1-1000), with each process's peak memory. Runs the built
 * CLI (bin/portolan.js): `npm run build:main` first. CLI_BENCH_BASE=/path/to/another/checkout adds
 * the rows of that checkout's build (a before/after comparison in one run).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fmt, percentile, printTable } from './stats.js';

const RUNS = Number(process.env.CLI_BENCH_RUNS ?? 10);
const NS = 'portolan-clibench';
const CONNECTIONS = 5000;

/** One measured process: wall time, CPU time and peak resident memory (from GNU time). */
interface Sample {
  wallMs: number;
  cpuMs: number;
  maxRssKb: number;
}

/** A command of one comparison, with its label in the table. */
interface Contender {
  label: string;
  argv: string[];
}

const hasTime = existsSync('/usr/bin/time');

/** Runs argv once under /usr/bin/time (when present) and returns its figures, or undefined when it failed to start. */
function measure(argv: string[], env: NodeJS.ProcessEnv): Sample | undefined {
  const start = performance.now();
  const [cmd, ...args] = hasTime ? ['/usr/bin/time', '-f', 'PORTOLAN_BENCH %U %S %M', ...argv] : argv;
  const r = spawnSync(cmd!, args, { env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
  const wallMs = performance.now() - start;
  if (r.error) return undefined;
  const m = /PORTOLAN_BENCH ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr ?? '');
  if (hasTime && !m) return undefined;
  return { wallMs, cpuMs: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN, maxRssKb: m ? Number(m[3]) : NaN };
}

/** Runs the contenders in turn, RUNS rounds, so that a busy moment of the machine touches them all alike. */
function compare(title: string, contenders: Contender[], env: NodeJS.ProcessEnv, baseline: (wall: number[]) => number, baselineNote: string): void {
  const samples = contenders.map(() => [] as Sample[]);
  for (let round = 0; round < RUNS; round++) {
    contenders.forEach((c, i) => {
      const s = measure(c.argv, env);
      if (s) samples[i]!.push(s);
    });
  }
  const base = samples[0]!.length ? baseline(samples[0]!.map((s) => s.wallMs)) : undefined;
  const rows = contenders.map((c, i) => {
    const list = samples[i]!;
    if (!list.length) return [c.label, 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a'];
    const wall = list.map((s) => s.wallMs);
    const med = percentile(wall, 50);
    return [
      c.label,
      fmt(Math.min(...wall), 0),
      fmt(med, 0),
      fmt(Math.max(...wall), 0),
      fmt(percentile(list.map((s) => s.cpuMs), 50), 0),
      fmt(Math.max(...list.map((s) => s.maxRssKb)) / 1024, 1),
      base ? (i === 0 ? '1.00x' : `**${(med / base).toFixed(2)}x**`) : 'n/a',
    ];
  });
  printTable(`${title} (${RUNS} runs each, interleaved; wall ms min / median / max, CPU ms median, peak RSS)`, ['command', 'min', 'median', 'max', 'CPU', 'peak MiB', `median vs ${baselineNote}`], rows);
}

const median = (wall: number[]) => percentile(wall, 50);

export async function benchCli(): Promise<void> {
  const builds: { label: string; bin: string }[] = [{ label: 'portolan', bin: path.resolve('bin/portolan.js') }];
  if (process.env.CLI_BENCH_BASE) builds.push({ label: 'portolan (base build)', bin: path.resolve(process.env.CLI_BENCH_BASE, 'bin/portolan.js') });
  if (!existsSync(path.resolve('dist/main/cli.js'))) return console.log('\n(CLI benchmark skipped: build the CLI first with npm run build:main)');
  if (!hasTime) console.log('\n(/usr/bin/time is missing: no CPU or memory figures; apt-get install time)');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'portolan-clibench-'));
  const env = { ...process.env, PORTOLAN_DATA_DIR: dataDir };
  const node = process.execPath;
  const portolan = (...args: string[]) => builds.map((b) => ({ label: `\`${b.label} ${args.join(' ')}\``, argv: [node, b.bin, ...args] }));
  try {
    compare('CLI start-up', [{ label: '`node -e 0`', argv: [node, '-e', '0'] }, ...portolan('--help'), ...portolan('port', '22')], env, median, '`node -e 0`');
    await socketTable(env, portolan);
    scanInNamespace(env, builds.map((b) => b.bin));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function socketTable(env: NodeJS.ProcessEnv, portolan: (...args: string[]) => Contender[]): Promise<void> {
  if (process.platform !== 'linux' || spawnSync('ss', ['-V']).error) return console.log('\n(CLI socket-table comparison skipped: Linux with ss only)');
  const load = spawn(process.execPath, [path.resolve('tests/bench/load/connections.mjs'), String(CONNECTIONS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    load.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    load.once('exit', (code) => reject(new Error(`load generator exited with ${code} (raise ulimit -n?)`)));
  });
  try {
    compare(`Socket table with ~${2 * CONNECTIONS} sockets`, [{ label: '`ss -tanp`', argv: ['ss', '-tanp'] }, ...portolan('sockets', '--json')], env, median, '`ss -tanp`');
  } finally {
    load.stdin.end();
    load.kill();
  }
}

function scanInNamespace(env: NodeJS.ProcessEnv, bins: string[]): void {
  const missing = ['nmap', 'ip'].find((tool) => spawnSync(tool, ['-V']).error);
  if (missing || process.getuid?.() !== 0) return console.log(`\n(CLI scan comparison skipped: needs root and ${missing ?? 'nmap, ip'})`);
  spawnSync('ip', ['netns', 'del', NS]); // left over by a crashed run
  if (spawnSync('ip', ['netns', 'add', NS]).status !== 0) return console.log('\n(CLI scan comparison skipped: cannot create a network namespace)');
  try {
    spawnSync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    const inNs = (argv: string[]) => ['ip', 'netns', 'exec', NS, ...argv];
    const scan = (ports: string) => bins.map((bin, i) => ({ label: `\`portolan${i ? ' (base build)' : ''} scan 127.0.0.1 -p ${ports}\``, argv: inNs([process.execPath, bin, 'scan', '127.0.0.1', '-p', ports, '--json']) }));
    // nmap's fast mode is the yardstick; its minimum over the runs, as the goal is stated.
    compare(
      'TCP connect scan of 127.0.0.1, ports 1-65535, in a fresh namespace',
      [{ label: '`nmap -n -Pn -sT -T5 -p-`', argv: inNs(['nmap', '-n', '-Pn', '-sT', '-T5', '-p-', '127.0.0.1']) }, { label: '`nmap -n -Pn -sT -p-` (default timing)', argv: inNs(['nmap', '-n', '-Pn', '-sT', '-p-', '127.0.0.1']) }, ...scan('1-65535')],
      env,
      (wall) => Math.min(...wall),
      'nmap -T5 min',
    );
    compare('TCP connect scan of 127.0.0.1, ports 1-1000, in a fresh namespace', [{ label: '`nmap -n -Pn -sT -p 1-1000`', argv: inNs(['nmap', '-n', '-Pn', '-sT', '-p', '1-1000', '127.0.0.1']) }, ...scan('1-1000')], env, median, 'nmap');
  } finally {
    spawnSync('ip', ['netns', 'del', NS]);
  }
}
