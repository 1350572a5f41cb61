/**
 * The live log of guard knock attempts: a bounded list (a flood of knocks must not grow the page
 * without limit) fed by `knock.log` once and `knock.attempt` batches after, and the words each
 * outcome is shown with.
 */
import type { KnockAttempt } from '../../../../src-main/contract/knock.js';

/** Entries the view keeps (the engine keeps more; `knock.log` gives them). */
export const LOG_LIMIT = 300;

/** One row of the log, with a key for the keyed each block. */
export interface LogEntry extends KnockAttempt {
  key: number;
}

let nextKey = 1;

/** Appends attempts (oldest first) and drops the oldest beyond `limit`. */
export function appendLog(log: readonly LogEntry[], attempts: readonly KnockAttempt[], limit = LOG_LIMIT): LogEntry[] {
  const added = attempts.map((a) => ({ ...a, key: nextKey++ }));
  const all = log.length + added.length > limit ? [...log, ...added].slice(-limit) : [...log, ...added];
  return all;
}

/** How an outcome is shown: its words and whether it is good news, progress or a failure. */
export function outcomeOf(a: Pick<KnockAttempt, 'outcome' | 'stepsMatched'>, total: number | undefined): { label: string; tone: 'ok' | 'progress' | 'fail' } {
  const of = total ? ` of ${total}` : '';
  switch (a.outcome) {
    case 'opened':
      return { label: 'opened', tone: 'ok' };
    case 'progress':
      return { label: `step ${a.stepsMatched}${of} matched`, tone: 'progress' };
    case 'reset-wrong-port':
      return { label: a.stepsMatched ? `wrong port after ${a.stepsMatched}${of}` : 'wrong port', tone: 'fail' };
    case 'expired':
      return { label: `timed out after ${a.stepsMatched}${of}`, tone: 'fail' };
  }
}

/** hh:mm:ss.mmm in local time: knocks come milliseconds apart. */
export function clock(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
