/** Small helpers for benchmarks: timing, percentiles, and a markdown table. */
import { spawnSync } from 'node:child_process';

/** Milliseconds of one synchronous or asynchronous run. */
export async function timeMs(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** The p-th percentile (0-100) of samples, nearest-rank. */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** Median wall time of running a command `runs` times, or undefined when it is not installed. */
export function commandMedianMs(command: string, args: string[], runs: number): number | undefined {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const result = spawnSync(command, args, { stdio: 'ignore' });
    if (result.error) return undefined;
    samples.push(performance.now() - start);
  }
  return percentile(samples, 50);
}

/** Prints rows as a markdown table. */
export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  console.log(`\n### ${title}\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

/** A number with a fixed number of decimals. */
export const fmt = (n: number | undefined, digits = 3) => (n === undefined ? 'n/a' : n.toFixed(digits));
