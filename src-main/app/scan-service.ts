/**
 * The scanner as contract handlers: starts scans from the engine, batches their events (at most
 * about 10 a second per scan), saves finished scans to the history, and serves diffs, exports and
 * profiles.
 */
import path from 'node:path';
import type { Handlers } from '../contract/index.js';
import { PortolanError } from '../contract/errors.js';
import type { PortResult, ScanHost, ScanInfo, ScanProtocol, ScanResults, ScanSpec } from '../contract/scan.js';
import type { Dictionary } from '../engine/dictionary/dictionary.js';
import { diffScans, toCsv, toNmapXml } from '../engine/scanner/export.js';
import { PortScan } from '../engine/scanner/port-scan.js';
import { compactPorts, loadTopPorts, parsePorts, type TopPorts } from '../engine/scanner/ports.js';
import { TcpServiceDetector, type ServiceDetector } from '../engine/scanner/service-detect.js';
import { isPrivateAddress } from '../contract/ip-address.js';
import { expandTargets, type Resolver } from '../engine/scanner/targets.js';
import type { EventBus } from './event-bus.js';
import type { ProblemSink } from './problem-log.js';
import { ProfileStore, ScanStore } from './scan-store.js';

type ScanCalls =
  | 'scan.start'
  | 'scan.pause'
  | 'scan.resume'
  | 'scan.cancel'
  | 'scan.results'
  | 'scan.history'
  | 'scan.get'
  | 'scan.wait'
  | 'scan.delete'
  | 'scan.diff'
  | 'scan.export'
  | 'scan.profiles.list'
  | 'scan.profiles.save'
  | 'scan.profiles.delete';

/** What the scan service needs from the rest of the app. */
export interface ScanServiceOptions {
  bus: EventBus;
  /** The port dictionary (expected services, service names as ports), loaded when a scan starts. */
  dictionary: () => Promise<Dictionary>;
  assetsDir: string;
  dataDir: string;
  version: string;
  /** Name resolution (dns.lookup with all: true by default; tests pass their own). */
  resolve?: Resolver;
  detector?: ServiceDetector;
  /** Most scans kept in the history. */
  maxHistory?: number;
  /** Most sockets one scan may hold (default: from the open-file limit). */
  maxSockets?: number;
  /** Where problems with the saved scans and profiles go. */
  problems?: ProblemSink;
  /**
   * This process does nothing else while it scans (one CLI command): every scan runs on this
   * thread alone, with no worker thread. A connect scan is bound by its system calls, and a worker
   * costs about 10 MB (its own V8 heap and Node's start-up in it), which one command cannot afford
   * under 64 MB; the desktop app and serve share big scans between threads to keep this thread
   * free for their windows (PortScanOptions.workers).
   */
  singleThread?: boolean;
}

/** A started scan: its info at the start, and its final info once it has ended and been saved. */
export interface ScanHandle {
  info: ScanInfo;
  /** Resolves when the scan is done, cancelled or failed, after its record was saved. */
  finished: Promise<ScanInfo>;
}

/** Events of a scan are flushed this often at most. */
const FLUSH_MS = 100;

interface Running {
  info: Omit<ScanInfo, 'state' | 'done' | 'open' | 'rate' | 'etaMs'>;
  scan: PortScan;
  pending: Map<string, PortResult>;
  timer: NodeJS.Timeout | undefined;
  finished: Promise<void>;
}

// node:dns is loaded when a name is to be resolved: a scan of addresses needs none.
const defaultResolve: Resolver = async (name) => (await (await import('node:dns')).promises.lookup(name, { all: true, verbatim: true })).map((a) => a.address);

/** A new scan id: sortable by time, safe as a file name. */
function newScanId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The scanner part of the app. */
export class ScanService {
  readonly handlers: Pick<Handlers, ScanCalls>;
  private readonly running = new Map<string, Running>();
  private readonly store: ScanStore;
  private readonly profiles: ProfileStore;
  private readonly expectedCache = new Map<string, string | undefined>();
  private readonly detector: ServiceDetector;

  private constructor(
    private readonly options: ScanServiceOptions,
    private readonly top: TopPorts,
  ) {
    this.store = new ScanStore(path.join(options.dataDir, 'scans'), options.maxHistory ?? 200, options.problems);
    this.profiles = new ProfileStore(path.join(options.dataDir, 'scan-profiles.json'), options.problems);
    this.detector = options.detector ?? new TcpServiceDetector();
    this.handlers = {
      'scan.start': async (spec) => (await this.start(spec)).info,
      'scan.wait': ({ id }) => this.wait(id),
      'scan.pause': async ({ id }) => {
        this.live(id).scan.pause();
        return this.info(id);
      },
      'scan.resume': async ({ id }) => {
        this.live(id).scan.resume();
        return this.info(id);
      },
      'scan.cancel': async ({ id }) => {
        const run = this.running.get(id);
        if (!run) return this.info(id);
        run.scan.cancel();
        await run.finished;
        return this.info(id);
      },
      'scan.results': ({ id }) => this.results(id),
      'scan.history': () => this.store.list(),
      'scan.get': ({ id }) => this.info(id),
      'scan.delete': async ({ id }) => {
        const run = this.running.get(id);
        if (run) {
          run.scan.cancel();
          await run.finished;
        }
        await this.store.delete(id);
        return { deleted: true as const };
      },
      'scan.diff': async ({ a, b }) => diffScans(await this.results(a), await this.results(b)),
      'scan.export': async ({ id, format }) => {
        const scan = await this.results(id);
        const base = `portolan-scan-${id}`;
        if (format === 'csv') return { filename: `${base}.csv`, mime: 'text/csv', content: toCsv(scan) };
        if (format === 'nmap-xml') return { filename: `${base}.xml`, mime: 'application/xml', content: toNmapXml(scan, this.options.version) };
        return { filename: `${base}.json`, mime: 'application/json', content: `${JSON.stringify(scan, null, 2)}\n` };
      },
      'scan.profiles.list': () => this.profiles.list(),
      'scan.profiles.save': (profile) => this.profiles.save(profile),
      'scan.profiles.delete': ({ name }) => this.profiles.delete(name),
    };
  }

  /** Loads the curated port order and builds the service. */
  static async create(options: ScanServiceOptions): Promise<ScanService> {
    return new ScanService(options, await loadTopPorts(options.assetsDir));
  }

  /** The dictionary's expected service on a port: IANA's name for the protocol, else a common unofficial use. */
  expectedService(dictionary: Dictionary, port: number, protocol: ScanProtocol): string | undefined {
    const key = `${protocol}${port}`;
    if (this.expectedCache.has(key)) return this.expectedCache.get(key);
    const card = dictionary.card(port, { low: 0, high: 0, source: 'scanner' });
    const name = card.assignments.find((a) => a.protocol === protocol && a.name)?.name ?? card.unofficial.find((u) => u.protocols.includes(protocol))?.service;
    this.expectedCache.set(key, name);
    return name;
  }

  /** Ports of a service name, from the dictionary (IANA names first, then unofficial uses). */
  servicePorts(dictionary: Dictionary, name: string, protocol: ScanProtocol): number[] {
    const result = dictionary.lookup({ query: name, pageSize: 500 });
    const exact = result.items.filter((i) => i.names.some((n) => n.toLowerCase() === name) && (i.protocols.length === 0 || i.protocols.includes(protocol) || i.unofficial.some((u) => u.toLowerCase() === name)));
    return exact.map((i) => i.port);
  }

  private live(id: string): Running {
    const run = this.running.get(id);
    if (!run) throw new PortolanError('NOT_FOUND', `The scan "${id}" is not running: only a running scan can be paused or resumed.`);
    return run;
  }

  private snapshot(run: Running): ScanInfo {
    const { scan } = run;
    const rate = scan.rate();
    return {
      ...run.info,
      state: scan.state,
      done: scan.done,
      open: scan.open,
      rate: Math.round(rate * 10) / 10,
      etaMs: scan.etaMs(rate),
      ...(scan.message ? { message: scan.message } : {}),
    };
  }

  private async info(id: string): Promise<ScanInfo> {
    const run = this.running.get(id);
    return run ? this.snapshot(run) : (this.unsaved.get(id) ?? (await this.store.get(id))).info;
  }

  private async results(id: string): Promise<ScanResults> {
    const run = this.running.get(id);
    if (run) return { info: this.snapshot(run), results: run.scan.listResults(), counts: run.scan.listCounts() };
    return this.unsaved.get(id) ?? this.store.get(id);
  }

  /** The final info of a scan: after it ends when it is running, at once when it already ended. */
  private async wait(id: string): Promise<ScanInfo> {
    await this.running.get(id)?.finished;
    return this.info(id);
  }

  /** Starts a scan; the handle's `finished` resolves when it has ended (what scan.wait answers). */
  async start(spec: ScanSpec): Promise<ScanHandle> {
    const [hosts, dictionary]: [ScanHost[], Dictionary] = await Promise.all([expandTargets(spec.targets, this.options.resolve ?? defaultResolve), this.options.dictionary()]);
    const outside = hosts.filter((h) => !isPrivateAddress(h.address));
    if (outside.length > 0 && !spec.confirmPublic) {
      const names = outside.slice(0, 3).map((h) => (h.target === h.address ? h.address : `${h.target} (${h.address})`));
      const more = outside.length > 3 ? ` and ${outside.length - 3} more` : '';
      throw new PortolanError(
        'CONFIRM_REQUIRED',
        `${names.join(', ')}${more} ${outside.length === 1 ? 'is' : 'are'} outside private, loopback and link-local addresses. Scan only hosts you own or have permission to test; confirm to go on (CLI: --yes).`,
      );
    }
    const ports = parsePorts(spec.ports, spec.protocol, this.top, (name, protocol) => this.servicePorts(dictionary, name, protocol));
    const id = newScanId();
    const pending = new Map<string, PortResult>();
    const scan = new PortScan({
      hosts,
      ports,
      protocol: spec.protocol,
      timing: spec.timing,
      ...(spec.rateLimit ? { rateLimit: spec.rateLimit } : {}),
      ...(spec.portOrder ? { order: spec.portOrder } : {}),
      ...(spec.serviceDetection && spec.protocol === 'tcp' ? { detector: this.detector } : {}),
      ...(this.options.maxSockets ? { maxSockets: this.options.maxSockets } : {}),
      ...(this.options.singleThread ? { workers: 1 } : {}),
      expected: (port, protocol) => this.expectedService(dictionary, port, protocol),
      onResult: (result) => pending.set(`${result.host} ${result.port}`, result),
      onState: (state) => {
        if (state === 'paused' || state === 'running') queueMicrotask(() => this.flush(run, true));
      },
    });
    const run: Running = {
      info: { id, spec, hosts, portCount: ports.length, portList: compactPorts(ports), total: scan.total, startedAt: Date.now() },
      scan,
      pending,
      timer: undefined,
      finished: Promise.resolve(),
    };
    this.running.set(id, run);
    run.timer = setInterval(() => this.flush(run, false), FLUSH_MS);
    run.finished = scan.run().then(() => this.finish(run));
    const finished = run.finished.then(() => this.info(id));
    finished.catch(() => undefined); // a handle nobody waits on must not be an unhandled rejection
    return { info: this.snapshot(run), finished };
  }

  /** Emits pending results and the counters; `force` at state changes. */
  private flush(run: Running, force: boolean): void {
    const id = run.info.id;
    if (run.pending.size > 0) {
      const results = [...run.pending.values()];
      run.pending.clear();
      this.options.bus.emit('scan.found', { id, results });
    }
    if (force || run.scan.state === 'running') {
      const info = this.snapshot(run);
      this.options.bus.emit('scan.progress', { id, done: info.done, total: info.total, open: info.open, rate: info.rate, etaMs: info.etaMs, state: info.state });
    }
  }

  private async finish(run: Running): Promise<void> {
    if (run.timer) clearInterval(run.timer);
    run.info.finishedAt = Date.now();
    const id = run.info.id;
    const record: ScanResults = { info: { ...this.snapshot(run), rate: 0, etaMs: 0 }, results: run.scan.listResults(), counts: run.scan.listCounts() };
    try {
      await this.store.save(record);
    } catch (err) {
      record.info.message = `${record.info.message ? `${record.info.message} ` : ''}The scan could not be saved to the history: ${(err as Error).message}.`;
      this.unsaved.set(id, record);
    }
    // The final progress goes out once the record is saved, so scan.results answers from it.
    this.flush(run, true);
    this.running.delete(id);
  }

  /** Finished scans whose save failed, kept for this session. */
  private readonly unsaved = new Map<string, ScanResults>();

  /** Cancels running scans and waits for their records to be written. */
  async close(): Promise<void> {
    const runs = [...this.running.values()];
    for (const run of runs) run.scan.cancel();
    await Promise.all(runs.map((r) => r.finished.catch(() => undefined)));
    await this.store.flush();
  }
}
