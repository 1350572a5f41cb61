/**
 * Port facts the socket table shows on every row: the IANA range (computed here, RFC 6335) and
 * the dictionary's service name, looked up per port on demand, cached, with few calls at a time.
 */
import type { PortSummary, RangeCategory } from '../../../../src-main/contract/dictionary.js';

/** IANA's range of a port number (RFC 6335): 0-1023, 1024-49151, 49152-65535. */
export function rangeCategory(port: number): RangeCategory {
  return port < 1024 ? 'well-known' : port < 49152 ? 'registered' : 'dynamic';
}

/** The best name of a port's dictionary entry: its IANA name, else its best-known unofficial use. */
export function serviceNameOf(summary: PortSummary | null | undefined): string | undefined {
  return summary ? (summary.names[0] ?? summary.unofficial[0]) : undefined;
}

/** Finds one port's dictionary summary; null when the dictionary has nothing for it. */
export type PortLookup = (port: number) => Promise<PortSummary | null>;

/** Dictionary summaries of ports, cached; asks for missing ones with a limited number of calls in flight. */
export class PortNames {
  private readonly cache = new Map<number, PortSummary | null>();
  private readonly queue: number[] = [];
  private readonly queued = new Set<number>();
  private running = 0;
  private notifyTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly lookup: PortLookup,
    /** Told (at most every `batchMs`) that some names arrived. */
    private readonly onUpdate: () => void,
    private readonly concurrency = 4,
    private readonly batchMs = 50,
  ) {}

  /** The summary when known; null when the dictionary has none; undefined when not looked up yet. */
  get(port: number): PortSummary | null | undefined {
    return this.cache.get(port);
  }

  /** The service name when known. */
  name(port: number): string | undefined {
    return serviceNameOf(this.cache.get(port));
  }

  /** Asks for these ports' names (those not known or on their way yet); the newest requests go first. */
  request(ports: Iterable<number>): void {
    for (const port of ports) {
      if (port <= 0 || this.cache.has(port) || this.queued.has(port)) continue;
      this.queued.add(port);
      this.queue.push(port);
    }
    this.pump();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length) {
      const port = this.queue.shift()!;
      this.running++;
      this.lookup(port)
        .then((summary) => this.cache.set(port, summary))
        .catch(() => {
          // Not cached: asked again the next time the port is on screen.
        })
        .finally(() => {
          this.running--;
          this.queued.delete(port);
          this.scheduleNotify();
          this.pump();
        });
    }
  }

  private scheduleNotify(): void {
    if (this.notifyTimer) return;
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = undefined;
      this.onUpdate();
    }, this.batchMs);
  }
}
