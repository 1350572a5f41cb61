/**
 * How long the fuzz layer runs. `npm test` runs a short, fixed seed; a long run:
 *   FUZZ_RUNS=2000 FUZZ_SEED=$RANDOM npx vitest run --project integration tests/integration/fuzz
 * (FUZZ_RUNS is the number of cases per property: per call of the contract, per WebSocket test.)
 * A failure prints its seed and path; set FUZZ_SEED (and FUZZ_PATH) to replay it exactly.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

/** The seed of this run (fixed for `npm test`, so that it is repeatable). */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 1313);
/** How many generated cases each property runs; scaled per test. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 0) || undefined;
/** A failing case's path, to replay only it. */
export const FUZZ_PATH = process.env.FUZZ_PATH;

/** fast-check parameters for a property that runs `defaultRuns` cases in `npm test`. */
export function fuzzParameters(defaultRuns: number): { seed: number; numRuns: number; path?: string; endOnFailure: true } {
  return { seed: FUZZ_SEED, numRuns: FUZZ_RUNS ?? defaultRuns, ...(FUZZ_PATH ? { path: FUZZ_PATH } : {}), endOnFailure: true };
}

/** The test timeout for a test that runs `properties` properties of `defaultRuns` cases each (FUZZ_RUNS replaces the count). */
export function fuzzTimeout(properties: number, defaultRuns: number, msPerRun: number): number {
  return Math.max(60_000, properties * (FUZZ_RUNS ?? defaultRuns) * msPerRun);
}

/** Heap in use after a full garbage collection, in bytes. */
export function heapAfterGc(): number {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** The line that lets anyone replay this run. */
export function replayLine(what: string): string {
  return `${what}: seed ${FUZZ_SEED}, runs ${FUZZ_RUNS ?? 'default'} (replay: FUZZ_SEED=${FUZZ_SEED}${FUZZ_RUNS ? ` FUZZ_RUNS=${FUZZ_RUNS}` : ''} npx vitest run --project integration tests/integration/fuzz)`;
}
