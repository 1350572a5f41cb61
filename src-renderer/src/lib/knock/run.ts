/**
 * One knock run as the view shows it: the steps as they are sent (from `knock.step` events, which
 * arrive before the call resolves), then the call's result, which is authoritative, and the check.
 */
import type { KnockResult, KnockStepEvent, KnockStepOutcome, KnockStep } from '../../../../src-main/contract/knock.js';

/** One sent step. */
export interface RunStep {
  index: number;
  port: number;
  protocol: KnockStep['protocol'];
  outcome: KnockStepOutcome;
  error?: string;
  sentAt: number;
  attempt: number;
}

/** A knock run. */
export interface KnockRun {
  runId: string;
  host: string;
  /** Steps of one pass of the sequence (the retry sends them again). */
  planned: KnockStep[];
  steps: RunStep[];
  state: 'running' | 'done' | 'failed';
  result?: KnockResult;
  error?: string;
}

/** A new run before its first step. */
export function startRun(runId: string, host: string, planned: KnockStep[]): KnockRun {
  return { runId, host, planned, steps: [], state: 'running' };
}

/** Adds a step event of this run (ignored when it is another run's, or once the result came). */
export function onStep(run: KnockRun, e: KnockStepEvent): KnockRun {
  if (e.runId !== run.runId || run.state !== 'running' || run.steps.some((s) => s.index === e.index)) return run;
  const step: RunStep = { index: e.index, port: e.step.port, protocol: e.step.protocol, outcome: e.outcome, sentAt: e.sentAt, attempt: e.attempt, ...(e.error ? { error: e.error } : {}) };
  return { ...run, steps: [...run.steps, step].sort((a, b) => a.index - b.index) };
}

/** The run's result: its steps replace what the events said (the same, or more if events were lost). */
export function finishRun(run: KnockRun, result: KnockResult): KnockRun {
  const steps = result.steps.map((s, index) => ({ index, port: s.port, protocol: s.protocol, outcome: s.outcome, sentAt: s.sentAt, attempt: s.attempt, ...(s.error ? { error: s.error } : {}) }));
  return { ...run, steps, state: 'done', result };
}

export function failRun(run: KnockRun, error: string): KnockRun {
  return { ...run, state: 'failed', error };
}

/** Words for a step's outcome. */
export function stepLabel(s: Pick<RunStep, 'outcome' | 'protocol'>): string {
  if (s.outcome === 'error') return 'not sent';
  if (s.outcome === 'refused') return 'sent (closed: reset)';
  return s.protocol === 'udp' ? 'sent (datagram)' : 'sent (SYN)';
}

/** What the check says, in one word for the badge. */
export function checkVerdict(check: NonNullable<KnockResult['check']>): { label: string; tone: 'ok' | 'warn' | 'fail' } {
  if (check.reachable && !check.retried) return { label: 'reachable', tone: 'ok' };
  if (check.reachable) return { label: 'reachable after a retry', tone: 'warn' };
  return { label: check.retried ? 'not reachable, even after a retry' : 'not reachable', tone: 'fail' };
}
