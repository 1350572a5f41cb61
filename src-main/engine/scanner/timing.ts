/**
 * Adaptive timing, after nmap's (timing.cc): round-trip estimates per host give the probe timeout
 * (srtt + 4 x rttvar, as RFC 6298 and nmap do, clamped by the preset), and a congestion window
 * bounds the probes in flight: it grows with each answer (by one in slow start, then by 1/window)
 * and shrinks when probes time out, at most once per timeout period (one loss event).
 */

/** The numbers of one timing preset. */
export interface TimingPreset {
  /** Timeout bounds and the timeout before any RTT is known, in ms. */
  minRttMs: number;
  maxRttMs: number;
  initialRttMs: number;
  /** Congestion window bounds: probes in flight. */
  minWindow: number;
  initialWindow: number;
  maxWindow: number;
  /** Delay between probes (paranoid, sneaky, polite), in ms. */
  scanDelayMs: number;
  /** How long a UDP probe waits for an answer before its retry (and after it), in ms. */
  udpWaitMs: number;
  /** Most TCP connections of service detection at a time, and how long it waits for each answer. */
  serviceParallel: number;
  serviceWaitMs: number;
}

/** Presets 0-5 (paranoid .. insane), with nmap's values where nmap has one. */
export const TIMING_PRESETS: readonly TimingPreset[] = [
  { minRttMs: 100, maxRttMs: 10000, initialRttMs: 5000, minWindow: 1, initialWindow: 1, maxWindow: 1, scanDelayMs: 300000, udpWaitMs: 5000, serviceParallel: 1, serviceWaitMs: 5000 },
  { minRttMs: 100, maxRttMs: 10000, initialRttMs: 5000, minWindow: 1, initialWindow: 1, maxWindow: 1, scanDelayMs: 15000, udpWaitMs: 5000, serviceParallel: 1, serviceWaitMs: 5000 },
  { minRttMs: 100, maxRttMs: 10000, initialRttMs: 1000, minWindow: 1, initialWindow: 1, maxWindow: 1, scanDelayMs: 400, udpWaitMs: 2000, serviceParallel: 1, serviceWaitMs: 3000 },
  { minRttMs: 100, maxRttMs: 10000, initialRttMs: 1000, minWindow: 1, initialWindow: 10, maxWindow: 1024, scanDelayMs: 0, udpWaitMs: 1500, serviceParallel: 4, serviceWaitMs: 2000 },
  { minRttMs: 100, maxRttMs: 1250, initialRttMs: 500, minWindow: 10, initialWindow: 64, maxWindow: 2048, scanDelayMs: 0, udpWaitMs: 1000, serviceParallel: 8, serviceWaitMs: 1500 },
  { minRttMs: 50, maxRttMs: 300, initialRttMs: 250, minWindow: 32, initialWindow: 256, maxWindow: 4096, scanDelayMs: 0, udpWaitMs: 500, serviceParallel: 16, serviceWaitMs: 1000 },
];

/**
 * Most TCP probes in flight when every host is on the loopback interface. There the kernel answers a
 * connect inside the connect() call (the SYN and its RST or SYN-ACK are handled on the sending
 * CPU), so a probe's measured round trip is only this process's own queueing: a bigger window
 * adds no parallelism, only more live sockets and longer event-loop turns. Measured on a full
 * 65,535-port loopback scan (one thread, bare libuv loop): 32-128 in flight about 460 ms, 256
 * 490 ms, 1024 590 ms, 4096 (timing 5's maximum) 740 ms. Timeouts still shrink the window as usual.
 */
export const LOOPBACK_MAX_WINDOW = 128;

/** The preset for a TCP scan of loopback hosts only: the window bounded by LOOPBACK_MAX_WINDOW. */
export function loopbackPreset(preset: TimingPreset): TimingPreset {
  const most = Math.min(preset.maxWindow, LOOPBACK_MAX_WINDOW);
  return { ...preset, maxWindow: most, initialWindow: Math.min(preset.initialWindow, most), minWindow: Math.min(preset.minWindow, most) };
}

/**
 * The preset of one of `count` threads sharing a scan (scan-workers.ts): each gets a `count`-th
 * of the window bounds, so the probes in flight across threads stay what one thread would allow.
 */
export function shardPreset(preset: TimingPreset, count: number): TimingPreset {
  if (count <= 1) return preset;
  const share = (n: number) => Math.max(1, Math.ceil(n / count));
  return { ...preset, minWindow: share(preset.minWindow), initialWindow: share(preset.initialWindow), maxWindow: share(preset.maxWindow) };
}

/** Smoothed RTT and its variance for one host (RFC 6298), giving the probe timeout. */
export class RttEstimator {
  srtt = -1;
  rttvar = -1;

  constructor(private readonly preset: TimingPreset) {}

  /** Takes one measured round trip, in ms. */
  sample(rttMs: number): void {
    const r = Math.max(0, rttMs);
    if (this.srtt < 0) {
      this.srtt = r;
      this.rttvar = Math.max(r / 2, 0.1);
      return;
    }
    this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
    this.srtt = 0.875 * this.srtt + 0.125 * r;
  }

  /** The timeout for the next probe, in ms: srtt + 4 x rttvar within the preset's bounds. */
  timeoutMs(): number {
    if (this.srtt < 0) return this.preset.initialRttMs;
    return Math.min(this.preset.maxRttMs, Math.max(this.preset.minRttMs, this.srtt + 4 * this.rttvar));
  }
}

/** The congestion window: how many probes may be in flight. */
export class CongestionWindow {
  window: number;
  threshold: number;
  private lastDecrease = -Infinity;
  /** An upper bound set from outside (open-file limit, EMFILE back-off). */
  cap = Infinity;

  constructor(private readonly preset: TimingPreset) {
    this.window = preset.initialWindow;
    this.threshold = preset.maxWindow;
  }

  /** Probes allowed in flight now. */
  get limit(): number {
    return Math.max(1, Math.min(Math.floor(this.window), this.preset.maxWindow, this.cap));
  }

  /** An answer came back (open or closed): grow. */
  onAnswer(): void {
    if (this.window < this.threshold) this.window += 1;
    else this.window += 1 / this.window;
    if (this.window > this.preset.maxWindow) this.window = this.preset.maxWindow;
  }

  /** A probe timed out at `now` (ms): shrink by half, once per timeout period. */
  onTimeout(now: number, timeoutMs: number): void {
    if (now - this.lastDecrease < timeoutMs) return;
    this.lastDecrease = now;
    this.threshold = Math.max(this.preset.minWindow, this.window / 2);
    this.window = Math.max(this.preset.minWindow, this.window / 2);
  }
}

/** A token bucket for the optional probes-per-second limit. */
export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = Math.min(perSecond, Math.max(1, perSecond / 20));
    this.last = now;
  }

  /** Takes one token if there is one; otherwise returns ms until the next. */
  take(now: number): number {
    this.tokens = Math.min(Math.max(1, this.perSecond / 20), this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
  }
}
