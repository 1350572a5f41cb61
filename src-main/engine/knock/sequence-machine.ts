/**
 * The knock guard's state machine, per source address, with no sockets and no clock of its own
 * (every call takes `now`), so it is tested exhaustively.
 *
 * - A source's progress starts with the sequence's first step; each next correct knock advances it.
 * - A knock out of order resets that source (and, if it is the first step, starts it again).
 * - The whole sequence must be knocked within `windowMs` of its first step.
 * - A source that finishes is open for `openForMs`; sources never share progress.
 * - Progress and open entries are kept in bounded maps (least recently used evicted first), and
 *   expired entries are swept, so a flood of random knocks costs bounded memory.
 */
import type { KnockProtocol } from '../../contract/index.js';

/** One knock seen by the guard. */
export interface Knock {
  port: number;
  protocol: KnockProtocol;
}

/** What one knock (or a sweep) did to a source, for the attempt log. */
export interface MachineEvent {
  source: string;
  outcome: 'progress' | 'opened' | 'reset-wrong-port' | 'expired';
  stepsMatched: number;
  step?: Knock;
  at: number;
}

/** Settings of a machine. */
export interface MachineOptions {
  sequence: readonly Knock[];
  windowMs: number;
  openForMs: number;
  /** Most sources with progress kept at once (the least recently seen is dropped beyond). */
  maxSources?: number;
  /** Most open sources kept at once (the oldest opening is dropped beyond). */
  maxOpen?: number;
}

interface Progress {
  stage: number;
  startedAt: number;
}

const same = (a: Knock, b: Knock) => a.port === b.port && a.protocol === b.protocol;

/** Per-source knock progress and open gates. */
export class SequenceMachine {
  private readonly progress = new Map<string, Progress>();
  private readonly open = new Map<string, number>();
  readonly maxSources: number;
  readonly maxOpen: number;

  constructor(private readonly options: MachineOptions) {
    if (options.sequence.length === 0) throw new Error('empty sequence');
    this.maxSources = options.maxSources ?? 4096;
    this.maxOpen = options.maxOpen ?? 1024;
  }

  /** True when the knock is one of the sequence's (port, protocol) pairs. */
  isKnockPort(k: Knock): boolean {
    return this.options.sequence.some((s) => same(s, k));
  }

  /** Feeds one knock from `source`; returns what it did (one or two entries: a reset may restart). */
  hit(source: string, knock: Knock, now: number): MachineEvent[] {
    const events: MachineEvent[] = [];
    const step = { port: knock.port, protocol: knock.protocol };
    let p = this.progress.get(source);
    if (p && now - p.startedAt > this.options.windowMs) {
      this.progress.delete(source);
      events.push({ source, outcome: 'expired', stepsMatched: p.stage, at: now });
      p = undefined;
    }
    const seq = this.options.sequence;
    if (p && same(seq[p.stage]!, knock)) {
      p.stage++;
      // Most recently seen last: eviction takes the oldest first.
      this.progress.delete(source);
      if (p.stage === seq.length) {
        this.openFor(source, now);
        events.push({ source, outcome: 'opened', stepsMatched: p.stage, step, at: now });
      } else {
        this.progress.set(source, p);
        events.push({ source, outcome: 'progress', stepsMatched: p.stage, step, at: now });
      }
      return events;
    }
    if (p || !same(seq[0]!, knock)) {
      // Out of order: this source starts over.
      this.progress.delete(source);
      events.push({ source, outcome: 'reset-wrong-port', stepsMatched: p?.stage ?? 0, step, at: now });
    }
    if (same(seq[0]!, knock)) {
      if (seq.length === 1) {
        this.openFor(source, now);
        events.push({ source, outcome: 'opened', stepsMatched: 1, step, at: now });
      } else {
        this.progress.set(source, { stage: 1, startedAt: now });
        while (this.progress.size > this.maxSources) this.progress.delete(this.progress.keys().next().value!);
        events.push({ source, outcome: 'progress', stepsMatched: 1, step, at: now });
      }
    }
    return events;
  }

  private openFor(source: string, now: number): void {
    this.open.delete(source);
    this.open.set(source, now + this.options.openForMs);
    while (this.open.size > this.maxOpen) this.open.delete(this.open.keys().next().value!);
  }

  /** True while `source` may connect. */
  isOpen(source: string, now: number): boolean {
    const until = this.open.get(source);
    return until !== undefined && until > now;
  }

  /** Sources open now, with the time their gate closes. */
  openSources(now: number): { address: string; until: number }[] {
    return [...this.open].filter(([, until]) => until > now).map(([address, until]) => ({ address, until }));
  }

  /** Drops expired progress (reported) and closed gates (returns whether a gate closed). */
  sweep(now: number): { expired: MachineEvent[]; closed: string[] } {
    const expired: MachineEvent[] = [];
    for (const [source, p] of this.progress) {
      if (now - p.startedAt > this.options.windowMs) {
        this.progress.delete(source);
        expired.push({ source, outcome: 'expired', stepsMatched: p.stage, at: now });
      }
    }
    const closed: string[] = [];
    for (const [source, until] of this.open) {
      if (until <= now) {
        this.open.delete(source);
        closed.push(source);
      }
    }
    return { expired, closed };
  }

  /** Sources with progress and open gates held now (for tests of the bounds). */
  get size(): { progress: number; open: number } {
    return { progress: this.progress.size, open: this.open.size };
  }
}
