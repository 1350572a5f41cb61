/**
 * Reads per-connection traffic on Linux: runs `ss -tinOHe` (the kernel's tcp_info over netlink
 * sock_diag; a child process, so waiting costs nothing) and turns its counters into rates. The
 * socket thread runs one of these, so that parsing megabytes of `ss` output with 10,000
 * connections never happens on the main thread.
 */
import { lazyBuiltin } from '../builtin.js';
import type { SocketTrafficSample } from '../../contract/index.js';
import { parseSsTcpInfo, TrafficSampler } from './tcp-info.js';

/** ss runs when traffic is sampled (a watched table in the app), never for one reading. */
const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process');

/** Where the counters come from, as the UI says it. */
export const TRAFFIC_SOURCE = 'ss -tin (kernel tcp_info)';

/** Samples traffic; each call gives the change since the previous one. */
export class TrafficReader {
  private readonly sampler = new TrafficSampler();

  constructor(private readonly ss = 'ss') {}

  read(): Promise<SocketTrafficSample> {
    return new Promise((resolve) => {
      childProcess().execFile(this.ss, ['-tinOHe'], { maxBuffer: 256 * 1024 * 1024, encoding: 'latin1' }, (err, stdout) => {
        const at = Date.now();
        if (err) {
          const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'ss (iproute2) is not installed: install it to see per-connection traffic' : `ss failed: ${err.message}`;
          resolve({ at, source: why, available: false, items: [] });
          return;
        }
        resolve({ at, source: TRAFFIC_SOURCE, available: true, items: this.sampler.take(parseSsTcpInfo(stdout), at) });
      });
    });
  }
}
