/**
 * The live socket table: reads the provider once per tick while someone watches, diffs against
 * the previous tick by socket identity and reports only what changed, as one batch per tick.
 */
import type { SocketDiff, SocketMonitorPatch, SocketMonitorSettings, SocketRow, SocketSnapshot } from '../../contract/index.js';
import { diffSockets } from './diff.js';
import type { SocketProvider } from './provider.js';

/** Names the part of Portolan that made a socket, or undefined for everyone else's sockets. */
export type SocketTagger = (row: SocketRow) => string | undefined;

/** Options of the monitor. */
export interface SocketMonitorOptions {
  provider: SocketProvider;
  /** Receives one diff per tick that changed something. */
  onDiff: (diff: SocketDiff) => void;
  tagger?: SocketTagger;
  intervalMs?: number;
}

/** Ticks the socket table while watched; snapshots on demand. */
export class SocketMonitor {
  private settings: SocketMonitorSettings;
  private current = new Map<string, SocketRow>();
  private last: SocketSnapshot | undefined;
  private tickNo = 0;
  private inFlight: Promise<SocketSnapshot> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private leaseUntil = 0;
  private closed = false;

  constructor(private readonly options: SocketMonitorOptions) {
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

  /** Keeps the monitor ticking for `leaseMs` more milliseconds (views renew while open). */
  watch(leaseMs: number): void {
    const wasIdle = !this.timer;
    this.leaseUntil = Math.max(this.leaseUntil, Date.now() + leaseMs);
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
        const reading = await this.options.provider.read();
        const next = new Map<string, SocketRow>();
        for (const row of reading.rows) {
          const tag = this.options.tagger?.(row);
          if (tag) row.ownedBy = tag;
          next.set(row.id, row);
        }
        const at = Date.now();
        const tick = ++this.tickNo;
        const change = diffSockets(this.current, next);
        this.current = next;
        this.last = { tick, at, rows: reading.rows, hiddenOwners: reading.hiddenOwners, source: this.options.provider.source };
        if (tick > 1 && (change.added.length || change.removed.length || change.changed.length)) this.options.onDiff({ tick, at, ...change });
        return this.last;
      } finally {
        this.inFlight = undefined;
      }
    })();
    return this.inFlight;
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
      this.reschedule(this.settings.intervalMs);
    }, delayMs);
    this.timer.unref();
  }

  /** Stops ticking for good. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
