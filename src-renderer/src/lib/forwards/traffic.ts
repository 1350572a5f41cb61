/**
 * Rates for the sparklines: the engine sends byte totals (forwards.traffic, about 4 Hz, only when
 * they move); the view samples them once per period into a bounded series per forward, so an idle
 * forward draws a flat line and memory does not grow with time.
 */

/** Bytes per second in each direction, oldest first, at most `capacity` samples. */
export interface RateSeries {
  /** Client towards target. */
  in: readonly number[];
  /** Target back to clients. */
  out: readonly number[];
}

/** A forward's totals at a sampling instant. */
export interface TotalsRow {
  id: string;
  bytesIn: number;
  bytesOut: number;
  /** False when stopped or failed: its series stays as it was. */
  running: boolean;
  /** When the forward (re)started: its counters were zero then. */
  startedAt?: number;
}

/** Appends a value, dropping the oldest beyond `capacity` (a new array: the state keeps them raw). */
export function pushBounded(values: readonly number[], value: number, capacity: number): number[] {
  const next = values.length >= capacity ? values.slice(values.length - capacity + 1) : values.slice();
  next.push(value);
  return next;
}

/** The increase of a counter; a counter that went down was reset (the forward restarted), so all of it is new. */
const grown = (now: number, before: number): number => (now >= before ? now - before : now);

/** Per-forward rate history, sampled at the caller's pace. */
export class TrafficHistory {
  private last = new Map<string, { bytesIn: number; bytesOut: number; at: number }>();
  private series: Record<string, RateSeries> = {};
  private previousAt: number | undefined;

  constructor(readonly capacity = 60) {}

  /** Takes one sample of every running forward; returns the series (a new object when anything moved). */
  sample(rows: readonly TotalsRow[], at: number): Record<string, RateSeries> {
    const next: Record<string, RateSeries> = {};
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.id);
      const previous = this.series[row.id];
      if (!row.running) {
        this.last.delete(row.id);
        if (previous) next[row.id] = previous;
        continue;
      }
      let last = this.last.get(row.id);
      this.last.set(row.id, { bytesIn: row.bytesIn, bytesOut: row.bytesOut, at });
      // Started since the previous sample: its counters were zero then, so what it carried
      // meanwhile counts (a short burst right after the start is not lost in the baseline).
      if (!last && this.previousAt !== undefined && row.startedAt !== undefined && row.startedAt >= this.previousAt) {
        last = { bytesIn: 0, bytesOut: 0, at: this.previousAt };
      }
      // Otherwise the first sample of a run sets the baseline; the line starts from rest.
      if (!last || at <= last.at) {
        next[row.id] = { in: pushBounded(previous?.in ?? [], 0, this.capacity), out: pushBounded(previous?.out ?? [], 0, this.capacity) };
        continue;
      }
      const seconds = (at - last.at) / 1000;
      next[row.id] = {
        in: pushBounded(previous?.in ?? [], grown(row.bytesIn, last.bytesIn) / seconds, this.capacity),
        out: pushBounded(previous?.out ?? [], grown(row.bytesOut, last.bytesOut) / seconds, this.capacity),
      };
    }
    for (const id of this.last.keys()) if (!seen.has(id)) this.last.delete(id);
    this.series = next;
    this.previousAt = at;
    return next;
  }

  /** Forgets a forward (deleted). */
  forget(id: string): void {
    this.last.delete(id);
    const { [id]: _gone, ...rest } = this.series;
    this.series = rest;
  }
}

/** SVG paths of a sparkline. */
export interface SparkPaths {
  /** The line through the samples ("" when there are fewer than two). */
  line: string;
  /** The same line closed down to the baseline, for a filled area. */
  area: string;
}

/**
 * Paths for `values` drawn in a `width` x `height` box, newest at the right edge, one step per
 * sample slot (`capacity` slots across), scaled so that `max` touches the top. A one-pixel
 * margin keeps the stroke inside the box; any traffic at all rises at least `minRise` pixels
 * off the baseline, so a 6 B/s trickle beside a 1 MiB/s peak is still seen.
 */
export function sparkPaths(values: readonly number[], capacity: number, width: number, height: number, max: number, minRise = 2): SparkPaths {
  if (values.length < 2 || capacity < 2) return { line: '', area: '' };
  const step = width / (capacity - 1);
  const top = 1;
  const bottom = height - 1;
  const scale = max > 0 ? (bottom - top) / max : 0;
  const start = width - (values.length - 1) * step;
  const rise = (v: number) => (v > 0 ? Math.min(bottom - top, Math.max(minRise, v * scale)) : 0);
  const points = values.map((v, i) => `${round(start + i * step)},${round(bottom - rise(v))}`);
  const line = `M${points.join('L')}`;
  const area = `${line}L${round(width)},${bottom}L${round(start)},${bottom}Z`;
  return { line, area };
}

const round = (n: number) => Math.round(n * 10) / 10;

/** The largest value of the series (at least 1, so an idle line lies flat on the baseline). */
export function seriesMax(series: RateSeries | undefined): number {
  if (!series) return 1;
  let max = 1;
  for (const v of series.in) if (v > max) max = v;
  for (const v of series.out) if (v > max) max = v;
  return max;
}
