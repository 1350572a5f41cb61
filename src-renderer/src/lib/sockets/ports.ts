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

/** Finds many ports' dictionary summaries in one call; null where the dictionary has nothing. */
export type PortLookup = (ports: number[]) => Promise<Record<string, PortSummary | null>>;

/**
 * Dictionary summaries of ports, cached. Ports asked for within one frame go out as one call
 * (a screen of 40 rows costs one round trip, not 80), with one batch in flight at a time.
 */
export class PortNames {
  private readonly cache = new Map<number, PortSummary | null>();
  private readonly queue = new Set<number>();
  private inFlight = false;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly lookup: PortLookup,
    /** Told that some names arrived. */
    private readonly onUpdate: () => void,
    private readonly batchMs = 16,
    private readonly maxBatch = 2000,
  ) {}

  /** The summary when known; null when the dictionary has none; undefined when not looked up yet. */
  get(port: number): PortSummary | null | undefined {
    return this.cache.get(port);
  }

  /** The service name when known. */
  name(port: number): string | undefined {
    return serviceNameOf(this.cache.get(port));
  }

  /** Asks for these ports' names (those not known or on their way yet). */
  request(ports: Iterable<number>): void {
    for (const port of ports) {
      if (port > 0 && !this.cache.has(port)) this.queue.add(port);
    }
    if (this.queue.size && !this.flushTimer && !this.inFlight) this.flushTimer = setTimeout(() => void this.flush(), this.batchMs);
  }

  private async flush(): Promise<void> {
    this.flushTimer = undefined;
    const batch = [...this.queue].slice(0, this.maxBatch);
    if (!batch.length) return;
    this.inFlight = true;
    try {
      const found = await this.lookup(batch);
      for (const port of batch) {
        this.cache.set(port, found[port] ?? null);
        this.queue.delete(port);
      }
      this.onUpdate();
    } catch {
      // Not cached: asked again the next time the port is on screen.
      for (const port of batch) this.queue.delete(port);
    } finally {
      this.inFlight = false;
    }
    if (this.queue.size) this.flushTimer = setTimeout(() => void this.flush(), this.batchMs);
  }
}
