/**
 * The live socket table: reads the provider once per tick while someone watches, diffs against
 * the previous tick by socket identity and reports only what changed, as one batch per tick.
 */
import type { SocketDiff, SocketMonitorPatch, SocketMonitorSettings, SocketRow, SocketSnapshot, SocketTrafficSample } from '../../contract/index.js';
import { diffSockets } from './diff.js';
import type { SocketChange, SocketProvider, SocketReading } from './provider.js';

/** Names the part of Portolan that made a socket, or undefined for everyone else's sockets. */
export type SocketTagger = (row: SocketRow) => string | undefined;

/** Options of the monitor. */
export interface SocketMonitorOptions {
  provider: SocketProvider;
  /** Receives one diff per tick that changed something. */
  onDiff: (diff: SocketDiff) => void;
  tagger?: SocketTagger;
  intervalMs?: number;
  /** Receives per-connection traffic after ticks, read apart from them (never delays a tick). */
  onTraffic?: (sample: SocketTrafficSample) => void;
}

/** What the traffic sample says where the provider cannot read per-connection counters. */
export const NO_TRAFFIC =
  "Per-connection traffic is read on Linux only (the kernel's TCP info through ss); macOS (nettop) and Windows (GetPerTcpConnectionEStats, which needs elevation) are not read yet.";

/** Ticks the socket table while watched; snapshots on demand. */
export class SocketMonitor {
  private settings: SocketMonitorSettings;
  private current = new Map<string, SocketRow>();
  private last: SocketSnapshot | undefined;
  private tickNo = 0;
  private inFlight: Promise<SocketSnapshot> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private leaseUntil = 0;
  /** Traffic is sampled only while some watcher asks for it (pairs, graph, a connection's details). */
  private trafficUntil = 0;
  private trafficTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private trafficInFlight = false;
  private trafficSaidUnavailable = false;

  constructor(private options: SocketMonitorOptions) {
    this.settings = { intervalMs: options.intervalMs ?? 1000, paused: false };
  }

  /** The monitor's settings now. */
  getSettings(): SocketMonitorSettings {
    return { ...this.settings };
  }

  /** Changes the tick period or pauses; a resumed monitor ticks at once. */
  configure(patch: SocketMonitorPatch): SocketMonitorSettings {
    this.settings = { ...this.settings, ...patch };
    this.reschedule(0);
    return this.getSettings();
  }

  /**
   * Keeps the monitor ticking for `leaseMs` more milliseconds (views renew while open), and
   * samples per-connection traffic for `trafficMs` more when given. Traffic costs a run of
   * `ss -tin` and megabytes of parsing per tick with 10,000 connections, so a view that shows none
   * (the plain socket table) does not ask for it.
   */
  watch(leaseMs: number, trafficMs = 0): void {
    const wasIdle = !this.timer;
    this.leaseUntil = Math.max(this.leaseUntil, Date.now() + leaseMs, Date.now() + trafficMs);
    if (trafficMs > 0) this.trafficUntil = Math.max(this.trafficUntil, Date.now() + trafficMs);
    if (wasIdle) this.reschedule(this.last ? this.settings.intervalMs : 0);
  }

  /**
   * The table now. While the monitor ticks for a watcher, that is the last tick (what the views
   * show, at most one period old); while paused, the frozen table; otherwise a fresh read.
   */
  async snapshot(): Promise<SocketSnapshot> {
    if (this.last && (this.settings.paused || this.timer)) return this.last;
    return this.tick();
  }

  /** Reads, tags and diffs once; emits the diff when something changed. */
  tick(): Promise<SocketSnapshot> {
    if (this.inFlight) return this.inFlight;
    this.inFlight = (async () => {
      try {
        const provider = this.options.provider;
        const { change, hiddenOwners } = provider.readChange ? this.apply(await provider.readChange()) : this.replace(await provider.read());
        const at = Date.now();
        const tick = ++this.tickNo;
        this.last = { tick, at, rows: [...this.current.values()], hiddenOwners, source: provider.source };
        if (tick > 1 && (change.added.length || change.removed.length || change.changed.length)) this.options.onDiff({ tick, at, ...change });
        return this.last;
      } finally {
        this.inFlight = undefined;
      }
    })();
    return this.inFlight;
  }

  /** Takes a whole reading: tags it and diffs it against the current table. */
  private replace(reading: SocketReading): { change: Omit<SocketDiff, 'tick' | 'at'>; hiddenOwners: number } {
    const next = new Map<string, SocketRow>();
    for (const row of reading.rows) {
      this.tag(row);
      next.set(row.id, row);
    }
    // The first reading is all new: a diff against nothing would only copy it (10,000 rows: a few
    // ms of `portolan sockets`, which reads once).
    const change = this.current.size ? diffSockets(this.current, next) : { added: [...next.values()], removed: [], changed: [] };
    this.current = next;
    return { change, hiddenOwners: reading.hiddenOwners };
  }

  /**
   * Takes a change from a provider that diffs by itself (on its own thread). Tags are this
   * thread's knowledge, so every row is tagged again here and a new tag is a change too, as with
   * whole readings.
   */
  private apply(change: SocketChange): { change: Omit<SocketDiff, 'tick' | 'at'>; hiddenOwners: number } {
    if (change.full) return this.replace({ rows: change.added, hiddenOwners: change.hiddenOwners });
    for (const id of change.removed) this.current.delete(id);
    const touched = new Set<string>();
    for (const row of [...change.added, ...change.changed]) {
      this.tag(row);
      this.current.set(row.id, row);
      touched.add(row.id);
    }
    const changed = [...change.changed];
    if (this.options.tagger) {
      for (const [id, row] of this.current) {
        if (touched.has(id)) continue;
        const tag = this.options.tagger(row);
        if (tag === row.ownedBy) continue;
        const next = { ...row };
        if (tag) next.ownedBy = tag;
        else delete next.ownedBy;
        this.current.set(id, next);
        changed.push(next);
      }
    }
    return { change: { added: change.added, removed: change.removed, changed }, hiddenOwners: change.hiddenOwners };
  }

  private tag(row: SocketRow): void {
    const tag = this.options.tagger?.(row);
    if (tag) row.ownedBy = tag;
  }

  private reschedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed || this.settings.paused || Date.now() > this.leaseUntil) return;
    this.timer = setTimeout(async () => {
      this.timer = undefined;
      try {
        await this.tick();
      } catch {
        // A failed read (a /proc race) is retried on the next tick.
      }
      this.scheduleTraffic();
      this.reschedule(this.settings.intervalMs);
    }, delayMs);
    this.timer.unref();
  }

  /**
   * Samples traffic half a period after the tick, while someone wants it: the tick's diff is
   * then painted before `ss` and its parsing take the CPU (on a 2-core machine the two at once
   * tripled the table's diff-to-paint time).
   */
  private scheduleTraffic(): void {
    if (!this.options.onTraffic || this.trafficTimer || Date.now() > this.trafficUntil) return;
    this.trafficTimer = setTimeout(() => {
      this.trafficTimer = undefined;
      if (!this.closed && Date.now() <= this.trafficUntil) this.sampleTraffic();
    }, Math.floor(this.settings.intervalMs / 2));
    this.trafficTimer.unref();
  }

  /** Starts a traffic read unless one is running; the tick does not wait for it. */
  private sampleTraffic(): void {
    const { provider, onTraffic } = this.options;
    if (!onTraffic || this.trafficInFlight) return;
    if (!provider.readTraffic) {
      if (!this.trafficSaidUnavailable) onTraffic({ at: Date.now(), source: NO_TRAFFIC, available: false, items: [] });
      this.trafficSaidUnavailable = true;
      return;
    }
    this.trafficInFlight = true;
    provider.readTraffic().then(
      (sample) => {
        this.trafficInFlight = false;
        if (!this.closed && (sample.items.length || !sample.available)) onTraffic(sample);
      },
      () => {
        this.trafficInFlight = false;
      },
    );
  }

  /**
   * Reads from `provider` from the next tick on (the elevated reader, started by the user) and
   * closes the one before. Its first change is a whole table, diffed against the current one, so
   * the owners it now sees arrive as changed rows.
   */
  replaceProvider(provider: SocketProvider): void {
    const before = this.options.provider;
    this.options = { ...this.options, provider };
    before.close?.();
  }

  /** The provider the monitor reads now. */
  get provider(): SocketProvider {
    return this.options.provider;
  }

  /** Stops ticking for good. */
  close(): void {
    this.closed = true;
    this.options.provider.close?.();
    if (this.timer) clearTimeout(this.timer);
    if (this.trafficTimer) clearTimeout(this.trafficTimer);
  }
}
