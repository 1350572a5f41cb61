/** The change batcher shared by the listener and forward engines: next-turn reports, periodic counters, one report per batch. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChangeBatcher, ChangeSet } from '../../../src-main/engine/change-batcher.js';

describe('ChangeSet', () => {
  it('reports changed and removed ids once, a removed id no longer as changed', () => {
    const set = new ChangeSet();
    set.mark('a');
    set.mark('b');
    set.mark('a');
    set.remove('b');
    expect(set.take()).toEqual({ changed: ['a'], removed: ['b'] });
    expect(set.take()).toEqual({ changed: [], removed: [] });
  });
});

describe('ChangeBatcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('flushes once on the next turn however many soon changes came', () => {
    const flush = vi.fn();
    const batcher = new ChangeBatcher(flush, 250);
    batcher.schedule(true);
    batcher.schedule(true);
    batcher.schedule(false);
    expect(flush).not.toHaveBeenCalled();
    vi.advanceTimersToNextTimer();
    expect(flush).toHaveBeenCalledTimes(1);
    // The soon flush also covered the counters: nothing more is due.
    vi.runAllTimers();
    expect(flush).toHaveBeenCalledTimes(1);
  });

  it('flushes counter-only changes once per period', () => {
    const flush = vi.fn();
    const batcher = new ChangeBatcher(flush, 250);
    batcher.schedule(false);
    vi.advanceTimersByTime(249);
    batcher.schedule(false);
    expect(flush).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(flush).toHaveBeenCalledTimes(1);
  });

  it('flushes at once when asked, and after stop only what is due soon', () => {
    const flush = vi.fn();
    const batcher = new ChangeBatcher(flush, 250);
    batcher.schedule(false);
    batcher.flushNow();
    expect(flush).toHaveBeenCalledTimes(1);
    vi.runAllTimers();
    expect(flush).toHaveBeenCalledTimes(1);
    batcher.stop();
    batcher.schedule(false);
    vi.runAllTimers();
    expect(flush).toHaveBeenCalledTimes(1);
    batcher.schedule(true);
    vi.runAllTimers();
    expect(flush).toHaveBeenCalledTimes(2);
  });
});
