/**
 * Live traffic per connection as the Sockets view keeps it: the latest counters of each socket
 * (sockets.traffic sends only connections that moved), and a bounded rate history for the
 * selected one, sampled at every traffic event, for its sparkline.
 */
import { pushBounded, type RateSeries } from '../forwards/traffic.js';
import type { SocketTraffic, SocketTrafficSample } from '../../../../src-main/contract/sockets.js';

/** Samples kept for a sparkline. */
export const HISTORY = 60;

export class ConnectionTraffic {
  private readonly latest = new Map<string, SocketTraffic>();
  private history = new Map<string, RateSeries>();

  /** Takes one sample; `watched` are the sockets whose history grows (the selected pair's). */
  apply(sample: SocketTrafficSample, watched: readonly string[]): void {
    for (const item of sample.items) this.latest.set(item.id, item);
    const next = new Map<string, RateSeries>();
    for (const id of watched) {
      const t = this.latest.get(id);
      const before = this.history.get(id) ?? { in: [], out: [] };
      // A connection absent from the sample did not move: its rate is what was said last (0 after it stopped).
      next.set(id, { in: pushBounded(before.in, t?.recvRate ?? 0, HISTORY), out: pushBounded(before.out, t?.sendRate ?? 0, HISTORY) });
    }
    this.history = next;
  }

  /** The latest counters of a socket, if it ever moved. */
  get(id: string): SocketTraffic | undefined {
    return this.latest.get(id);
  }

  /** Bytes per second both ways now. */
  rate(id: string): number {
    const t = this.latest.get(id);
    return t ? t.sendRate + t.recvRate : 0;
  }

  /** The rate history of a watched socket: in = received, out = sent. */
  series(id: string): RateSeries | undefined {
    return this.history.get(id);
  }

  /** Forgets sockets that left the table. */
  prune(alive: (id: string) => boolean): void {
    for (const id of this.latest.keys()) if (!alive(id)) this.latest.delete(id);
  }
}
