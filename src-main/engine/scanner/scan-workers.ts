/**
 * Scan threads: how a big TCP connect scan is shared between worker threads, and how a worker
 * is found and started in every way this code runs (bundled app and CLI, tsx, vitest).
 *
 * Why threads: a connect probe costs little JavaScript but six system calls (socket, connect,
 * epoll_ctl twice, getsockopt, close), and on loopback the kernel answers inside connect() itself
 * (the SYN and its RST are handled on the sending CPU). A full 65,535-port loopback scan is thus
 * bound by one core's system-call time. Measured on 2 cores: a bare libuv loop on one thread
 * takes about 460 ms (PortScan on one thread about 450 ms, 630 ms before the loopback window of
 * timing.ts); nmap -sT -T5 -p-, paying the same calls in C, 330-390 ms. Two threads, each with
 * its own libuv loop and lean connector on every other probe, take about 330 ms for the first
 * scan of a process (threads started, code cold) and 270-300 ms after (threads reused, see
 * ScanThread). A thread costs about 20 ms to start, so only scans of many thousands of probes
 * use them (planWorkers); small ones stay on the calling thread.
 *
 * Each worker runs an ordinary PortScan over its shard (every n-th probe, see `shard` in
 * PortScanOptions), so timing, retries, EMFILE back-off and the self-connect check are the same
 * code as on one thread; it posts batched updates (counters and non-closed results, about 40 a
 * second) to the thread that owns the scan, which keeps the API, events, service detection and
 * pause / resume / cancel as they were. The tcp_wrap binding the lean connector uses is reachable
 * in a worker (each reports which connector it got; net.Socket is the fallback there too).
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { lazyBuiltin } from '../builtin.js';
import type { PortResult, ScanHost, ScanState } from '../../contract/scan.js';
import { workerEntry, type WorkerEntry } from '../worker-script.js';
import type { PortOrder } from './port-strategy.js';

/** Threads only for scans big enough to share (planWorkers). */
const workerThreads = lazyBuiltin<typeof import('node:worker_threads')>('node:worker_threads');

/** Fewest probes per worker: below this, starting a thread costs more than it saves. */
export const MIN_PROBES_PER_WORKER = 8192;
/** Most workers for one scan, however many cores. */
export const MAX_WORKERS = 8;
/** Descriptors a worker thread holds itself (its libuv loop's epoll and wake-up descriptors, with room). */
export const FDS_PER_WORKER = 8;
/** Fewest sockets a worker should be allowed at once; under that (a low ulimit -n) one thread does better. */
export const MIN_WORKER_SOCKETS = 32;

/** What one worker scans: the same hosts and ports as the whole scan, every `count`-th probe from `index`. */
export interface ShardSpec {
  hosts: ScanHost[];
  ports: number[];
  timing: number;
  /** This worker's share of the open-file budget. */
  maxSockets: number;
  connector?: 'raw' | 'net';
  index: number;
  count: number;
  /** The scan's probe order and its key: every shard walks the same order (port-strategy.ts). */
  order?: PortOrder;
  seed?: number;
}

/** Counters of a shard so far (not deltas): probes finished and the per-host counts (5 per host, in STATE_INDEX order). */
export interface ShardProgress {
  done: number;
  counts: Int32Array;
  /** Non-closed results since the last message. */
  results: PortResult[];
  message?: string;
}

/** Worker to owner. */
export type ShardMessage =
  | { t: 'ready'; connector: 'raw' | 'net' }
  | ({ t: 'update' } & ShardProgress)
  | ({ t: 'end'; state: Extract<ScanState, 'done' | 'cancelled' | 'failed'> } & ShardProgress);

/** Owner to worker. */
export type ShardCommand = 'pause' | 'resume' | 'cancel';

/** How often a shard posts its progress, in ms: batched, so messages stay few (about 40 a second). */
export const SHARD_FLUSH_MS = 25;

/** Logical cores this process may use (os.availableParallelism where Node has it). */
export function coreCount(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * How many threads a TCP scan of `probes` probes should use: `requested` when given (tests, a
 * setting), else one per core while each gets at least MIN_PROBES_PER_WORKER probes and
 * MIN_WORKER_SOCKETS sockets of the open-file `budget`. 1 means "on the calling thread".
 */
export function planWorkers(probes: number, budget: number, requested?: number, cores = coreCount()): number {
  if (requested !== undefined) return Math.max(1, Math.min(MAX_WORKERS, Math.floor(requested)));
  const bySize = Math.floor(probes / MIN_PROBES_PER_WORKER);
  const bySockets = Math.floor(budget / (MIN_WORKER_SOCKETS + FDS_PER_WORKER));
  const n = Math.min(cores, MAX_WORKERS, bySize, bySockets);
  return n >= 2 ? n : 1;
}

/** The scan worker's script (see worker-script.ts); null when the scan must run on one thread. */
export function scanWorkerEntry(): WorkerEntry | null {
  return workerEntry(import.meta.url, 'scan-worker');
}

/** Owner to worker: run a shard (the worker runs one at a time), or a command for the running one. */
export type ShardRequest = { t: 'start'; spec: ShardSpec } | ShardCommand;

/** How long an idle scan thread is kept for the next scan, in ms. */
export const IDLE_THREAD_MS = 20_000;

/** The threads of this process: running a shard, or idle and kept for the next scan. */
const pool = {
  idle: [] as ScanThread[],
  busy: new Set<ScanThread>(),
  spawned: 0,
  timer: undefined as NodeJS.Timeout | undefined,
  /** Ends idle threads once they have waited IDLE_THREAD_MS (checked every IDLE_THREAD_MS, so at most twice that). */
  sweep(): void {
    if (pool.timer || pool.idle.length === 0) return;
    pool.timer = setTimeout(() => {
      pool.timer = undefined;
      const now = Date.now();
      pool.idle = pool.idle.filter((t) => !t.endIfStale(now));
      pool.sweep();
    }, IDLE_THREAD_MS);
    pool.timer.unref();
  },
};

/**
 * A scan worker thread, leased to one shard at a time. Threads are kept a while after their
 * shard (a pool): a fresh thread costs about 20 ms to start and runs its first shard's code
 * cold (interpreted, then optimized while it probes), which the next scan then no longer pays:
 * measured, half a full loopback scan takes about 280 ms in a new thread and 255 ms in a reused
 * one. An idle thread is unref'd (it never keeps the process alive), holds about 10 MB, and ends
 * after IDLE_THREAD_MS without work. A thread leased to a shard is free again once it posted
 * that shard's `end` (also after a cancel), never before, so a shard's late messages can never
 * reach the next owner.
 */
export class ScanThread {
  private readonly worker: Worker;
  private owner: ((message: ShardMessage) => void) | undefined;
  private lost: ((why: string) => void) | undefined;
  private dead = false;
  private idleSince = 0;

  constructor(entry: WorkerEntry) {
    this.worker = new (workerThreads().Worker)(entry.code ?? entry.file!, { eval: entry.code !== undefined });
    this.worker.on('message', (message: ShardMessage) => {
      const owner = this.owner;
      // The shard is over: the thread is free before its owner hears so, so it can be leased again.
      if (message.t === 'end') this.release();
      owner?.(message);
    });
    this.worker.on('error', (err) => this.die(err.message));
    this.worker.on('exit', (code) => this.die(`it exited with code ${code}`));
  }

  /** Runs a shard on this thread: `onMessage` gets its messages up to `end`, `onLost` if the thread dies first. */
  start(spec: ShardSpec, onMessage: (message: ShardMessage) => void, onLost: (why: string) => void): void {
    this.owner = onMessage;
    this.lost = onLost;
    pool.busy.add(this);
    this.worker.ref();
    this.worker.postMessage({ t: 'start', spec } satisfies ShardRequest);
  }

  send(command: ShardCommand): void {
    if (this.owner && !this.dead) this.worker.postMessage(command satisfies ShardRequest);
  }

  private release(): void {
    this.owner = undefined;
    this.lost = undefined;
    pool.busy.delete(this);
    if (this.dead) return;
    this.worker.unref();
    this.idleSince = Date.now();
    if (pool.idle.length >= MAX_WORKERS) return void this.worker.terminate();
    pool.idle.push(this);
    pool.sweep();
  }

  private die(why: string): void {
    if (this.dead) return;
    this.dead = true;
    const lost = this.lost;
    this.owner = undefined;
    this.lost = undefined;
    pool.busy.delete(this);
    const at = pool.idle.indexOf(this);
    if (at >= 0) pool.idle.splice(at, 1);
    void this.worker.terminate();
    lost?.(why);
  }

  /** Ends an idle thread that waited longer than IDLE_THREAD_MS; true when it did. */
  endIfStale(now: number): boolean {
    if (now - this.idleSince < IDLE_THREAD_MS) return false;
    this.dead = true;
    void this.worker.terminate();
    return true;
  }
}


/** A scan thread for one shard: an idle one if any, else a new one; null when no worker script is available. */
export function leaseScanThread(): ScanThread | null {
  const reused = pool.idle.pop();
  if (reused) return reused;
  const entry = scanWorkerEntry();
  if (!entry) return null;
  pool.spawned++;
  return new ScanThread(entry);
}

/** Scan threads running a shard, idle in the pool, and started since the process began (tests, diagnostics). */
export function scanThreadStats(): { busy: number; idle: number; spawned: number } {
  return { busy: pool.busy.size, idle: pool.idle.length, spawned: pool.spawned };
}
