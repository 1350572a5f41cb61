/**
 * Linux's socket table read on a worker thread (socket-worker.ts): the main thread only applies
 * the change the thread posts. Without a worker script (no build, no esbuild), after the thread
 * failed to start, or when told not to use one (one CLI command), the same reading runs on the
 * calling thread, as before.
 */
import type { Worker } from 'node:worker_threads';
import { lazyBuiltin } from '../builtin.js';
import { workerEntry } from '../worker-script.js';
import { ChangeReader } from './change-reader.js';
import { LinuxSocketProvider } from './linux-provider.js';
import { ReaderReplies } from './reader-replies.js';
import type { SocketTrafficSample } from '../../contract/index.js';
import type { SocketChange, SocketProvider, SocketReading } from './provider.js';
import { TrafficReader } from './traffic-reader.js';

/** The thread starts with the first watched read, not when the provider is made. */
const workerThreads = lazyBuiltin<typeof import('node:worker_threads')>('node:worker_threads');

/** Owner to thread: read once and post the change. */
export type SocketRequest = { t: 'read' | 'traffic'; seq: number };
/** Thread to owner: the change of one read, or why it failed. */
export type SocketReply =
  | { t: 'change'; seq: number; change: SocketChange }
  | { t: 'traffic'; seq: number; sample: SocketTrafficSample }
  | { t: 'failed'; seq: number; message: string };

/** Reads the socket table on a thread of its own; whole readings (read()) stay on this thread. */
export class ThreadedSocketProvider implements SocketProvider {
  readonly source = '/proc/net';
  private worker: Worker | undefined;
  private fallback: ChangeReader | undefined;
  private readonly replies = new ReaderReplies();
  private fallbackTraffic: TrafficReader | undefined;
  private closed = false;

  constructor(
    private readonly procRoot = '/proc',
    /** False: every read on the calling thread, as without a worker script (one CLI command; see select-provider.ts). */
    private readonly useThread = true,
  ) {}

  /** True while the reads run on the worker thread (false: on this thread). */
  get threaded(): boolean {
    return this.worker !== undefined;
  }

  /** A whole reading on this thread (the CLI's one-off snapshot, the interop tests). */
  read(): Promise<SocketReading> {
    return new LinuxSocketProvider(this.procRoot).read();
  }

  readChange(): Promise<SocketChange> {
    if (this.closed) return Promise.reject(new Error('The socket reader is closed.'));
    const worker = this.worker ?? this.start();
    if (!worker) return (this.fallback ??= new ChangeReader(new LinuxSocketProvider(this.procRoot))).readChange();
    return this.ask(worker, 'read').then((reply) => (reply as Extract<SocketReply, { t: 'change' }>).change);
  }

  /** Per-connection traffic, sampled and parsed on the thread. */
  readTraffic(): Promise<SocketTrafficSample> {
    if (this.closed) return Promise.reject(new Error('The socket reader is closed.'));
    const worker = this.worker ?? this.start();
    if (!worker) return (this.fallbackTraffic ??= new TrafficReader()).read();
    return this.ask(worker, 'traffic').then((reply) => (reply as Extract<SocketReply, { t: 'traffic' }>).sample);
  }

  private ask(worker: Worker, t: SocketRequest['t']): Promise<SocketReply> {
    return this.replies.ask((request) => worker.postMessage(request), t);
  }

  private start(): Worker | undefined {
    if (this.fallback || !this.useThread) return undefined;
    const entry = workerEntry(import.meta.url, 'socket-worker');
    if (!entry) return undefined;
    let worker: Worker;
    try {
      worker = new (workerThreads().Worker)(entry.code ?? entry.file!, { eval: entry.code !== undefined, workerData: { procRoot: this.procRoot } });
    } catch {
      return undefined;
    }
    // The thread never keeps the process alive; the monitor's own timer decides that.
    worker.unref();
    worker.on('message', (reply: SocketReply) => this.replies.settle(reply));
    const lost = (why: string) => {
      if (this.worker !== worker) return;
      // A new thread starts on the next read; its first change is a full table (full: true).
      this.worker = undefined;
      this.replies.rejectAll(why);
    };
    worker.on('error', (err) => lost(`The socket reader thread failed: ${err.message}`));
    worker.on('exit', (code) => lost(`The socket reader thread ended (exit code ${code}).`));
    this.worker = worker;
    return worker;
  }

  close(): void {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.replies.rejectAll('The socket reader is closed.');
    void worker?.terminate();
  }
}
