/** Reconnect delays for SSH tunnels: exponential from 1 s to 60 s, with jitter so clients do not retry in step. */

/** Shortest and longest delay, in ms. */
export const BACKOFF_MIN_MS = 1000;
export const BACKOFF_MAX_MS = 60000;

/**
 * The delay before retry number `attempt` (0 for the first retry): 1 s, 2 s, 4 s ... capped at
 * 60 s, each scaled by a random factor in [0.8, 1.2) and kept within [1 s, 60 s].
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.max(0, Math.min(attempt, 30)));
  const jittered = base * (0.8 + 0.4 * random());
  return Math.round(Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_MIN_MS, jittered)));
}
