/**
 * The owner's side of a scan shared between worker threads (scan-workers.ts says why and when):
 * it leases a thread per shard (or runs a shard on this thread when no worker can start), adds up
 * the counters each shard posts (totals, so a lost message costs nothing), keeps their results,
 * and relays pause / resume / cancel. The PortScan that owns it keeps its API and events.
 */
import type { PortResult } from '../../contract/scan.js';
import { leaseScanThread, type ScanThread, type ShardCommand, type ShardMessage, type ShardSpec } from './scan-workers.js';

/** Index of the open count among a host's five counters (the scan's STATE_INDEX order). */
const OPEN = 0;

/** What the coordinator needs from the scan that owns it. */
export interface ShardOwner {
  /** The scan's per-host counters (5 per host), added to in place. */
  readonly counts: Int32Array;
  isFinal(): boolean;
  isPaused(): boolean;
  /** Probes finished and open ports found grew by these amounts. */
  add(done: number, open: number): void;
  /** A non-closed result of a shard. */
  keep(result: PortResult): void;
  /** A shard's warning (the first one is kept). */
  note(message: string): void;
  /** A shard fell back to the net.Socket connector. */
  usedNetConnector(): void;
  /** The scan failed; the coordinator has cancelled the other shards. */
  fail(message: string): void;
  /** Counters moved or a shard ended: the scan may be done. */
  progressed(): void;
}

/** Runs a shard on the calling thread, as a worker would (port-scan.ts's runShard). */
export type RunShardHere = (spec: ShardSpec, post: (message: ShardMessage) => void) => { command(command: ShardCommand): void };

/** One shard, as its owner sees it. */
interface ShardSlot {
  /** Its last counters (totals, not deltas). */
  done: number;
  counts: Int32Array;
  /** It posted `ready` (its scan exists, no probe sent yet); a thread lost before that moves the shard onto this thread. */
  ready: boolean;
  ended: boolean;
  send: (command: ShardCommand) => void;
}

/** The shards of one scan. */
export class ShardCoordinator {
  private readonly slots: ShardSlot[] = [];
  /** Shards that have not ended yet. */
  running = 0;

  constructor(
    private readonly owner: ShardOwner,
    private readonly runHere: RunShardHere,
  ) {}

  /**
   * Starts one shard per spec, each on a leased thread when one can be had. With `hereFirst`, the
   * first shard runs on this thread: for a process that does nothing else while it scans, that is
   * one worker fewer to start and to hold (about 10 MB each), with as many threads probing.
   */
  start(specs: ShardSpec[], hereFirst = false): void {
    for (const [i, spec] of specs.entries()) {
      this.running++;
      const slot: ShardSlot = { done: 0, counts: new Int32Array(this.owner.counts.length), ready: false, ended: false, send: () => undefined };
      this.slots.push(slot);
      if (hereFirst && i === 0) {
        this.runShardHere(slot, spec);
        continue;
      }
      let thread: ScanThread | null = null;
      try {
        thread = leaseScanThread();
      } catch {
        thread = null;
      }
      if (!thread) {
        this.runShardHere(slot, spec);
        continue;
      }
      const t = thread;
      slot.send = (command) => t.send(command);
      t.start(
        spec,
        (message) => this.onMessage(slot, message),
        (why) => this.onThreadLost(slot, spec, why),
      );
      if (this.owner.isPaused()) slot.send('pause');
    }
  }

  /** Tells every shard still running. */
  tell(command: ShardCommand): void {
    for (const slot of this.slots) if (!slot.ended) slot.send(command);
  }

  private onThreadLost(slot: ShardSlot, spec: ShardSpec, why: string): void {
    if (slot.ended) return;
    // The thread died before its shard began (no script, no loader): scan the shard here.
    if (!slot.ready && !this.owner.isFinal()) return this.runShardHere(slot, spec);
    slot.ended = true;
    this.running--;
    if (this.owner.isFinal()) return;
    this.tell('cancel');
    this.owner.fail(`The scan stopped: one of its threads failed (${why}).`);
  }

  /** Runs a shard on this thread (its worker could not start): same messages, posted directly. */
  private runShardHere(slot: ShardSlot, spec: ShardSpec): void {
    const shard = this.runHere(spec, (message) => this.onMessage(slot, message));
    slot.send = (command) => shard.command(command);
    if (this.owner.isPaused()) shard.command('pause');
  }

  /** Adds a shard's counters and keeps its results. */
  private onMessage(slot: ShardSlot, message: ShardMessage): void {
    if (message.t === 'ready') {
      slot.ready = true;
      if (message.connector === 'net') this.owner.usedNetConnector();
      return;
    }
    if (message.t === 'end') {
      slot.ended = true;
      this.running--;
    }
    if (this.owner.isFinal()) return;
    const counts = this.owner.counts;
    const prev = slot.counts;
    const next = message.counts;
    let open = 0;
    for (let j = 0; j < next.length; j++) {
      const delta = next[j]! - prev[j]!;
      if (delta === 0) continue;
      counts[j] = counts[j]! + delta;
      if (j % 5 === OPEN) open += delta;
    }
    this.owner.add(message.done - slot.done, open);
    slot.done = message.done;
    slot.counts = next;
    for (const result of message.results) this.owner.keep(result);
    if (message.message) this.owner.note(message.message);
    if (message.t === 'end' && message.state === 'failed') {
      this.tell('cancel');
      return this.owner.fail(message.message ?? 'The scan stopped: one of its threads failed.');
    }
    this.owner.progressed();
  }
}
