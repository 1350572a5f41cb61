/**
 * One scan: TCP connect or UDP probes over hosts x ports with adaptive timing, the open-file limit
 * respected, pause / resume / cancel, and optional service detection of open TCP ports.
 *
 * The hot path allocates one small probe object per port and no closures: probes are produced
 * from an index (host-major), completions come back through one shared function, and only
 * non-closed results are kept (closed ports are counted), so memory stays bounded on big scans.
 *
 * A big TCP scan is shared between worker threads, one per core (scan-workers.ts says why and
 * when): each worker runs a PortScan over every n-th probe (`shard`) and posts batched counters
 * and results; the PortScan the caller holds then only adds them up, runs service detection and
 * relays pause / resume / cancel, so its API and events are the same either way.
 */
import type { PortReason, PortResult, PortState, ScanHost, ScanProtocol, ScanState, ServiceInfo, StateCounts } from '../../contract/scan.js';
import { socketBudget } from './fd-limit.js';
import { InflightList, type Linked } from './inflight.js';
import { FDS_PER_WORKER, planWorkers, scanWorkerEntry, SHARD_FLUSH_MS, type ShardCommand, type ShardMessage, type ShardProgress, type ShardSpec } from './scan-workers.js';
import { ShardCoordinator } from './shard-coordinator.js';
import type { ServiceDetector } from './service-detect.js';
import { createTcpConnector, type TcpConnector, type TcpProbe } from './tcp-connect.js';
import { isLoopbackAddress } from '../net/address.js';
import { CongestionWindow, loopbackPreset, RateLimiter, RttEstimator, shardPreset, TIMING_PRESETS, type TimingPreset } from './timing.js';
import { portStrategy, type PortOrder, type PortStrategy } from './port-strategy.js';
import { decodeUdpReply, type UdpProbe } from './udp-probes.js';
import { closeUdpProbe, resendUdpProbe, startUdpProbe } from './udp-probing.js';

/** What a scan needs. */
export interface PortScanOptions {
  hosts: ScanHost[];
  ports: number[];
  protocol: ScanProtocol;
  timing: number;
  rateLimit?: number;
  /** Runs service detection on open TCP ports when given. */
  detector?: ServiceDetector;
  /** The dictionary's expected service for a port, for the mismatch flag. */
  expected?: (port: number, protocol: ScanProtocol) => string | undefined;
  /** A new or updated non-closed result. Called synchronously from the hot path: keep it cheap. */
  onResult?: (result: PortResult) => void;
  /** The state changed (paused, resumed, finished). */
  onState?: (state: ScanState) => void;
  /** Most sockets at once; by default read from the open-file limit. */
  maxSockets?: number;
  /** The order probes go out in (port-strategy.ts): host by host in port order (default), or random. */
  order?: PortOrder;
  /** The random order's key; a random one by default (shards get their owner's, so they share one order). */
  seed?: number;
  /** 'net' forces the net.Socket connector (tests compare both). */
  connector?: 'raw' | 'net';
  /**
   * Threads for a TCP scan: 1 keeps it on this thread; more shares it between worker threads.
   * By default one per core for scans of many thousands of probes (see planWorkers), else 1.
   * Rate-limited and delayed (timing 0-2) scans always run on this thread.
   */
  workers?: number;
  /**
   * A scan shared between threads runs one of its shards on this thread, instead of only adding
   * up: for a process with nothing else to do meanwhile, one worker fewer to start and hold, with
   * as many threads probing. The desktop app and serve keep this thread free for their windows;
   * one CLI command scans with `workers: 1` instead, as even one worker (about 10 MB) keeps a full
   * scan from staying under 64 MiB (ScanServiceOptions.singleThread).
   */
  callerShard?: boolean;
  /**
   * Internal (set by a scan worker): this scan is shard `index` of `count`, probing every
   * `count`-th (host, port) pair from `index`, with a `count`-th of the preset's window.
   */
  shard?: { index: number; count: number };
}

/** Errno names that mean "out of resources here, try again later", not an answer from the host. */
const RESOURCE_ERRORS = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'EADDRNOTAVAIL', 'EAGAIN', 'ENOMEM']);
/** Errno names that mean an ICMP unreachable (or a local firewall rejection): nmap calls these filtered. */
const UNREACHABLE_ERRORS = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EACCES', 'EPERM', 'ENONET', 'EPROTO']);
/** How long resource errors may persist with nothing in flight before the scan fails. */
const RESOURCE_GIVE_UP_MS = 15000;

interface Probe extends TcpProbe, Linked<Probe> {
  hostIndex: number;
  attempt: number;
  sentAt: number;
  deadline: number;
  udp?: UdpProbe;
}

const STATE_INDEX: Record<PortState, number> = { open: 0, closed: 1, filtered: 2, 'open|filtered': 3, error: 4 };

/** A scan in progress. Create it, call run(), and await the promise. */
export class PortScan {
  state: ScanState = 'running';
  readonly total: number;
  done = 0;
  open = 0;
  /** Why the scan failed, or a warning (open-file limit reached). */
  message: string | undefined;
  /** Which connector ran (raw libuv handles or net.Socket; 'net' if any thread fell back to it). */
  connectorKind: 'raw' | 'net' | 'udp';
  /** Threads probing: 1 on this thread, or the number of worker threads sharing the scan. */
  readonly threads: number;

  private readonly preset: TimingPreset;
  private readonly rtt: RttEstimator[];
  private readonly window: CongestionWindow;
  private readonly limiter: RateLimiter | undefined;
  private readonly connector: TcpConnector<Probe> | undefined;
  private readonly counts: Int32Array;
  private readonly results = new Map<string, PortResult>();
  private readonly inflight = new InflightList<Probe>();
  private readonly retries: Probe[] = [];
  private readonly families: (4 | 6)[];
  /** Next position in the probe order, every `stride`-th up to `all` (the whole scan's probe count). */
  private next = 0;
  /** Which probe (host-major number) goes out at each position. */
  private readonly strategy: PortStrategy;
  private readonly seed: number;
  private readonly stride: number;
  private readonly all: number;
  private readonly shards: ShardCoordinator;
  private blockedUntil = 0;
  private backoffMs = 20;
  private resourceSince = 0;
  private answersSinceCap = 0;
  private timer: NodeJS.Timeout | undefined;
  private wake: NodeJS.Timeout | undefined;
  private finish!: () => void;
  private readonly finished: Promise<void>;
  private detections = 0;
  private readonly detectQueue: PortResult[] = [];
  private rateSamples: { at: number; done: number }[] = [];
  private pumping = false;
  private tickMs = 25;
  private lastTick = 0;
  private readonly started = Date.now();

  constructor(private readonly options: PortScanOptions) {
    const named = TIMING_PRESETS[options.timing] ?? TIMING_PRESETS[4]!;
    const loopback = options.protocol === 'tcp' && options.hosts.length > 0 && options.hosts.every((h) => isLoopbackAddress(h.address));
    const preset = loopback ? loopbackPreset(named) : named;
    const { shard } = options;
    this.preset = shard ? shardPreset(preset, shard.count) : preset;
    this.all = options.hosts.length * options.ports.length;
    this.seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
    this.strategy = portStrategy(options.order ?? 'sequential', this.all, this.seed);
    this.stride = shard?.count ?? 1;
    this.next = shard?.index ?? 0;
    this.total = shard ? Math.max(0, Math.ceil((this.all - shard.index) / shard.count)) : this.all;
    this.rtt = options.hosts.map(() => new RttEstimator(this.preset));
    this.families = options.hosts.map((h) => (h.address.includes(':') ? 6 : 4));
    this.window = new CongestionWindow(this.preset);
    const budget = options.maxSockets ?? socketBudget();
    this.window.cap = budget;
    if (options.protocol === 'udp') this.window.cap = Math.min(this.window.cap, Math.max(16, Math.floor(this.preset.maxWindow / 8)));
    const shardable = options.protocol === 'tcp' && !shard && !options.rateLimit && this.preset.scanDelayMs === 0;
    const threads = shardable ? planWorkers(this.total, budget, options.workers) : 1;
    this.threads = threads > 1 && scanWorkerEntry() ? threads : 1;
    this.limiter = options.rateLimit ? new RateLimiter(options.rateLimit, performance.now()) : undefined;
    this.counts = new Int32Array(options.hosts.length * 5);
    this.connector = options.protocol === 'tcp' ? createTcpConnector<Probe>((p, code, la, lp) => this.onTcpDone(p, code, la, lp), options.connector) : undefined;
    this.connectorKind = this.connector?.kind ?? 'udp';
    this.finished = new Promise((resolve) => (this.finish = resolve));
    this.shards = new ShardCoordinator(
      {
        counts: this.counts,
        isFinal: () => this.isFinal(),
        isPaused: () => this.state === 'paused',
        add: (done, open) => {
          this.done += done;
          this.open += open;
        },
        keep: (result) => this.keep(result),
        note: (message) => (this.message ??= message),
        usedNetConnector: () => (this.connectorKind = 'net'),
        fail: (message) => {
          this.message = message;
          this.end('failed');
        },
        progressed: () => this.maybeFinish(),
      },
      runShard,
    );
  }

  /** Starts probing; resolves when the scan is done, cancelled or failed. */
  run(): Promise<void> {
    if (this.total === 0) this.end('done');
    else if (this.threads > 1) this.startShards();
    else {
      this.tickMs = Math.max(5, Math.min(25, this.preset.minRttMs / 4));
      this.lastTick = performance.now();
      this.timer = setInterval(() => this.onTick(), this.tickMs);
      this.pump();
    }
    return this.finished;
  }

  /** Stops sending new probes; those in flight still finish. */
  pause(): void {
    if (this.state !== 'running') return;
    this.state = 'paused';
    this.connector?.release();
    this.shards.tell('pause');
    this.options.onState?.('paused');
  }

  /** Sends probes again after pause(). */
  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'running';
    this.shards.tell('resume');
    this.options.onState?.('running');
    this.pump();
    this.maybeFinish();
  }

  /** Abandons every probe and ends the scan as cancelled. */
  cancel(): void {
    if (this.state === 'done' || this.state === 'cancelled' || this.state === 'failed') return;
    for (const probe of this.inflight) this.abandon(probe);
    this.inflight.clear();
    this.shards.tell('cancel');
    this.end('cancelled');
  }

  /** Non-closed results, in host then port order. */
  listResults(): PortResult[] {
    const order = new Map(this.options.hosts.map((h, i) => [h.address, i]));
    return [...this.results.values()].sort((a, b) => order.get(a.host)! - order.get(b.host)! || a.port - b.port);
  }

  /** The raw per-host counters (5 per host, in STATE_INDEX order), copied: what a shard posts. */
  countsSnapshot(): Int32Array {
    return this.counts.slice();
  }

  /** Counts per host, in host order. */
  listCounts(): { host: string; counts: StateCounts }[] {
    return this.options.hosts.map((h, i) => {
      const c = this.counts.subarray(i * 5, i * 5 + 5);
      return { host: h.address, counts: { open: c[0]!, closed: c[1]!, filtered: c[2]!, 'open|filtered': c[3]!, error: c[4]! } };
    });
  }

  /** Ports finished per second over about the last second. */
  rate(): number {
    const now = Date.now();
    this.rateSamples.push({ at: now, done: this.done });
    while (this.rateSamples.length > 2 && now - this.rateSamples[1]!.at > 1000) this.rateSamples.shift();
    const first = this.rateSamples[0]!;
    const span = now - first.at;
    if (span < 50) return span === 0 && this.done > 0 ? this.done / Math.max(1, (now - this.started) / 1000) : 0;
    return ((this.done - first.done) * 1000) / span;
  }

  /** Estimated ms to the end at the current rate (0 when finished). */
  etaMs(rate = this.rate()): number {
    if (this.done >= this.total || this.isFinal()) return 0;
    return rate > 0 ? Math.round(((this.total - this.done) / rate) * 1000) : 0;
  }

  private isFinal(): boolean {
    return this.state === 'done' || this.state === 'cancelled' || this.state === 'failed';
  }

  /** Launches probes while the window, the rate limit and the back-off allow. */
  private pump(): void {
    // Completions that happen inside launch() (immediate errors) must not recurse.
    if (this.state !== 'running' || this.pumping) return;
    this.pumping = true;
    try {
      this.pumpLoop();
    } finally {
      this.pumping = false;
    }
  }

  private pumpLoop(): void {
    const { ports, hosts } = this.options;
    const nPorts = ports.length;
    while (this.inflight.size < this.window.limit && (this.retries.length > 0 || this.next < this.all)) {
      const now = performance.now();
      if (now < this.blockedUntil) return this.wakeAt(this.blockedUntil - now);
      if (this.limiter) {
        const wait = this.limiter.take(now);
        if (wait > 0) return this.wakeAt(wait);
      }
      let probe = this.retries.pop();
      if (!probe) {
        const i = this.strategy.probeAt(this.next);
        this.next += this.stride;
        const hostIndex = (i / nPorts) | 0;
        probe = { host: hosts[hostIndex]!.address, family: this.families[hostIndex]!, port: ports[i - hostIndex * nPorts]!, hostIndex, attempt: 1, sentAt: 0, deadline: 0, handle: undefined, prev: undefined, next: undefined, listed: false };
      }
      this.launch(probe, now);
      if (this.preset.scanDelayMs > 0) {
        this.blockedUntil = now + this.preset.scanDelayMs;
        return this.wakeAt(this.preset.scanDelayMs);
      }
    }
  }

  private wakeAt(ms: number): void {
    if (this.wake) return;
    this.wake = setTimeout(() => {
      this.wake = undefined;
      this.pump();
    }, Math.max(1, Math.ceil(ms)));
  }

  private launch(probe: Probe, now: number): void {
    probe.sentAt = now;
    const timeout = this.rtt[probe.hostIndex]!.timeoutMs();
    if (this.connector) {
      probe.deadline = now + timeout;
      const err = this.connector.start(probe);
      this.inflight.add(probe);
      if (err) {
        this.inflight.delete(probe);
        this.onTcpDone(probe, err);
      }
      return;
    }
    probe.deadline = now + Math.max(timeout, this.preset.udpWaitMs);
    this.inflight.add(probe);
    startUdpProbe(probe, (code, reply) => {
      this.inflight.delete(probe);
      this.onUdpDone(probe, code, reply);
    });
  }

  private closeUdp(probe: Probe): void {
    this.inflight.delete(probe);
    closeUdpProbe(probe);
  }

  private abandon(probe: Probe): void {
    if (this.connector) this.connector.cancel(probe);
    else this.closeUdp(probe);
  }

  /** Checks deadlines of probes in flight; samples the rate. */
  private onTick(): void {
    const now = performance.now();
    // A late tick means this process was busy (answers may be waiting in the event queue): that
    // time is ours, not the network's, so it does not count against the probes' deadlines.
    const lag = now - this.lastTick - this.tickMs;
    this.lastTick = now;
    if (lag > this.tickMs) for (const probe of this.inflight) probe.deadline += lag;
    // Probes are kept in launch order and deadlines nearly follow it: stop at the first one still
    // in time, so a tick costs only the expired probes, not the whole window.
    for (const probe of this.inflight) {
      if (probe.deadline > now) break;
      if (this.connector) {
        this.connector.cancel(probe);
        this.inflight.delete(probe);
        this.window.onTimeout(now, this.rtt[probe.hostIndex]!.timeoutMs());
        if (probe.attempt < 2) {
          probe.attempt++;
          this.retries.push(probe);
        } else this.record(probe, 'filtered', 'no-response');
      } else if (probe.attempt < 2 && resendUdpProbe(probe)) {
        // UDP: the datagram went again on the same socket; wait once more.
        probe.attempt++;
        probe.deadline = now + Math.max(this.rtt[probe.hostIndex]!.timeoutMs(), this.preset.udpWaitMs);
      } else {
        this.closeUdp(probe);
        this.record(probe, 'open|filtered', 'no-response');
      }
    }
    if (this.resourceSince && this.inflight.size === 0 && Date.now() - this.resourceSince > RESOURCE_GIVE_UP_MS) {
      this.message = 'The scan stopped: this process ran out of sockets or file descriptors and none became free. Close other programs or raise the limit (ulimit -n), then scan again.';
      for (const probe of this.inflight) this.abandon(probe);
      return this.end('failed');
    }
    this.pump();
    this.maybeFinish();
  }

  /** Resource errors: put the probe back, cap the window under what is in flight, wait a little. */
  private onResourceError(probe: Probe, code: string): void {
    this.retries.push(probe);
    const cap = Math.max(1, Math.floor(this.inflight.size * 0.9));
    if (cap < this.window.cap) this.window.cap = cap;
    this.answersSinceCap = 0;
    this.blockedUntil = performance.now() + this.backoffMs;
    this.backoffMs = Math.min(1000, this.backoffMs * 2);
    if (!this.resourceSince) this.resourceSince = Date.now();
    this.message ??= `The scan slowed down: ${code === 'EMFILE' || code === 'ENFILE' ? 'the open-file limit was reached' : `the system ran short of sockets (${code})`}, so fewer probes run at once.`;
    this.wakeAt(this.backoffMs);
  }

  private onAnswer(probe: Probe, now: number): void {
    this.rtt[probe.hostIndex]!.sample(now - probe.sentAt);
    this.window.onAnswer();
    this.resourceSince = 0;
    this.backoffMs = 20;
    if (this.window.cap !== Infinity && ++this.answersSinceCap >= 64) {
      // Slowly probe upward again after an EMFILE back-off.
      this.answersSinceCap = 0;
      this.window.cap += 1;
    }
  }

  private onTcpDone(probe: Probe, code: string, localAddress?: string, localPort?: number): void {
    this.inflight.delete(probe);
    if (this.isFinal()) return;
    const now = performance.now();
    if (code === 'OK') {
      this.onAnswer(probe, now);
      if (localPort === probe.port && localAddress === probe.host) this.record(probe, 'closed', 'self-connect', now);
      else this.record(probe, 'open', 'syn-ack', now);
    } else if (code === 'ECONNREFUSED') {
      this.onAnswer(probe, now);
      this.record(probe, 'closed', 'conn-refused', now);
    } else if (RESOURCE_ERRORS.has(code)) {
      return this.onResourceError(probe, code);
    } else if (UNREACHABLE_ERRORS.has(code)) {
      this.record(probe, 'filtered', 'icmp-unreachable', now, code);
    } else if (code === 'ETIMEDOUT') {
      this.record(probe, 'filtered', 'no-response', now, code);
    } else {
      this.record(probe, 'error', 'error', now, code);
    }
    this.pump();
    this.maybeFinish();
  }

  private onUdpDone(probe: Probe, code: string, reply?: Buffer): void {
    if (this.isFinal()) return;
    const now = performance.now();
    if (code === 'OK') {
      this.onAnswer(probe, now);
      this.record(probe, 'open', 'udp-response', now, undefined, decodeUdpReply(probe.udp!, reply!));
    } else if (code === 'ECONNREFUSED') {
      this.onAnswer(probe, now);
      this.record(probe, 'closed', 'port-unreachable', now);
    } else if (RESOURCE_ERRORS.has(code)) {
      return this.onResourceError(probe, code);
    } else if (UNREACHABLE_ERRORS.has(code)) {
      this.record(probe, 'filtered', 'icmp-unreachable', now, code);
    } else {
      this.record(probe, 'error', 'error', now, code);
    }
    this.pump();
    this.maybeFinish();
  }

  private record(probe: Probe, state: PortState, reason: PortReason, now?: number, detail?: string, service?: ServiceInfo): void {
    this.done++;
    this.counts[probe.hostIndex * 5 + STATE_INDEX[state]]!++;
    if (state === 'closed') return;
    const result: PortResult = { host: probe.host, port: probe.port, protocol: this.options.protocol, state, reason };
    if (detail) result.detail = detail;
    if (now !== undefined && state !== 'filtered') result.rttMs = Math.round((now - probe.sentAt) * 1000) / 1000;
    if (state === 'open') this.open++;
    this.keep(result, service);
  }

  /** Keeps a non-closed result (already counted): expected service, onResult, service detection. */
  private keep(result: PortResult, service?: ServiceInfo): void {
    const expected = this.options.expected?.(result.port, result.protocol);
    if (expected) result.expectedService = expected;
    if (service) {
      result.service = service;
      if (expected && service.name !== 'unknown') result.mismatch = !sameService(expected, service.name);
    }
    this.results.set(`${result.host} ${result.port}`, result);
    this.options.onResult?.(result);
    if (result.state === 'open' && this.options.detector && result.protocol === 'tcp') {
      this.detectQueue.push(result);
      this.runDetections();
    }
  }

  /** Shares the scan between worker threads (see scan-workers.ts and shard-coordinator.ts); this thread adds up (and, with callerShard, runs one shard). */
  private startShards(): void {
    this.next = this.all;
    const count = this.threads;
    // The open-file budget is the process's, shared by its threads: each gets an equal part, less
    // what a worker thread holds itself. EMFILE back-off stays per shard, as the safety net.
    const maxSockets = Math.max(1, Math.floor((this.window.cap - FDS_PER_WORKER * count) / count));
    const { hosts, ports, timing, connector } = this.options;
    const specs = Array.from({ length: count }, (_, index): ShardSpec => ({
      hosts,
      ports,
      timing,
      maxSockets,
      index,
      count,
      order: this.strategy.order,
      seed: this.seed,
      ...(connector ? { connector } : {}),
    }));
    this.shards.start(specs, this.options.callerShard === true);
  }

  private runDetections(): void {
    const detector = this.options.detector!;
    while (this.detections < this.preset.serviceParallel && this.detectQueue.length > 0 && !this.isFinal()) {
      const result = this.detectQueue.shift()!;
      this.detections++;
      void detector
        .detect(result.host, result.port, result.expectedService, this.preset.serviceWaitMs)
        .then((service) => {
          if (this.isFinal()) return;
          const updated: PortResult = { ...result, service };
          if (result.expectedService && service.name !== 'unknown') updated.mismatch = !sameService(result.expectedService, service.name);
          this.results.set(`${result.host} ${result.port}`, updated);
          this.options.onResult?.(updated);
        })
        .catch(() => undefined)
        .finally(() => {
          this.detections--;
          this.runDetections();
          this.maybeFinish();
        });
    }
  }

  private maybeFinish(): void {
    if (this.state !== 'running') return;
    if (this.done >= this.total && this.inflight.size === 0 && this.shards.running === 0 && this.detections === 0 && this.detectQueue.length === 0) this.end('done');
  }

  private end(state: 'done' | 'cancelled' | 'failed'): void {
    if (this.isFinal()) return;
    this.state = state;
    this.connector?.release();
    if (this.timer) clearInterval(this.timer);
    if (this.wake) clearTimeout(this.wake);
    this.detectQueue.length = 0;
    this.options.onState?.(state);
    this.finish();
  }
}

/** A shard of a scan as run by a worker (or by its owner's thread when the worker cannot start). */
export interface RunningShard {
  command(command: ShardCommand): void;
  /** Resolves once the shard ended and posted its `end` message. */
  finished: Promise<void>;
}

/**
 * Runs one shard: a PortScan over every `count`-th probe, posting `ready`, then its counters and
 * new non-closed results at most every SHARD_FLUSH_MS (batched: one message for hundreds of
 * probes), then `end` with the final counters.
 */
export function runShard(spec: ShardSpec, post: (message: ShardMessage) => void): RunningShard {
  let pending: PortResult[] = [];
  const scan = new PortScan({
    hosts: spec.hosts,
    ports: spec.ports,
    protocol: 'tcp',
    timing: spec.timing,
    maxSockets: spec.maxSockets,
    ...(spec.connector ? { connector: spec.connector } : {}),
    workers: 1,
    shard: { index: spec.index, count: spec.count },
    ...(spec.order ? { order: spec.order } : {}),
    ...(spec.seed !== undefined ? { seed: spec.seed } : {}),
    onResult: (result) => pending.push(result),
  });
  post({ t: 'ready', connector: scan.connectorKind === 'net' ? 'net' : 'raw' });
  let posted = 0;
  const progress = (): ShardProgress => {
    const results = pending;
    pending = [];
    posted = scan.done;
    return { done: scan.done, counts: scan.countsSnapshot(), results, ...(scan.message ? { message: scan.message } : {}) };
  };
  const timer = setInterval(() => {
    if (pending.length > 0 || scan.done !== posted) post({ t: 'update', ...progress() });
  }, SHARD_FLUSH_MS);
  const finished = scan.run().then(() => {
    clearInterval(timer);
    post({ t: 'end', state: scan.state === 'failed' ? 'failed' : scan.state === 'cancelled' ? 'cancelled' : 'done', ...progress() });
  });
  return {
    command(command) {
      if (command === 'pause') scan.pause();
      else if (command === 'resume') scan.resume();
      else scan.cancel();
    },
    finished,
  };
}

/** Groups of names that mean the same service (IANA's, nmap's and everyday spellings). */
const SERVICE_ALIASES: string[][] = [
  ['http', 'www', 'www-http', 'http-alt', 'http-proxy', 'webcache', 'http-mgmt', 'radan-http', 'sunproxyadmin'],
  ['https', 'ssl/http', 'https-alt', 'pcsync-https', 'ssl', 'tls'],
  ['domain', 'dns'],
  ['smtp', 'submission', 'smtps', 'submissions', 'urd'],
  ['imap', 'imap2', 'imap3', 'imaps'],
  ['pop3', 'pop3s'],
  ['postgresql', 'postgres'],
  ['mysql', 'mariadb'],
  ['microsoft-ds', 'smb', 'netbios-ssn'],
  ['ms-wbt-server', 'rdp'],
  ['ftp', 'ftps'],
  ['redis', 'redis-server'],
];

/** True when two service names mean the same service. */
export function sameService(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y) return true;
  return SERVICE_ALIASES.some((group) => group.includes(x) && group.includes(y));
}
