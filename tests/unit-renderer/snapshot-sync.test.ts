import { describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../src-renderer/src/lib/api/transport.js';
import { SnapshotSync } from '../../src-renderer/src/lib/state/snapshot-sync.js';
import { deferred } from './fake-transport.js';

/**
 * A list of numbers followed the way the state classes follow the engine: snapshots are the
 * list, events append one number. `reads` holds one deferred answer per load, in call order.
 */
function follow() {
  const reads: ReturnType<typeof deferred<number[] | Error>>[] = [];
  const seen = { list: [] as number[], adopted: [] as { snapshot: number[]; crossed: number[] }[], failures: [] as string[] };
  const sync = new SnapshotSync<number[], number>({
    read: async () => {
      const answer = deferred<number[] | Error>();
      reads.push(answer);
      const value = await answer.promise;
      if (value instanceof Error) throw value;
      return value;
    },
    adopt: (snapshot, crossed) => {
      seen.adopted.push({ snapshot, crossed });
      seen.list = [...snapshot, ...crossed];
    },
    apply: (n) => (seen.list = [...seen.list, n]),
    fail: (err) => seen.failures.push((err as Error).message),
  });
  return { sync, reads, seen };
}

/** A link whose status the test sets, like a transport's onStatus. */
function link() {
  const listeners = new Set<(status: ConnectionStatus) => void>();
  return {
    onStatus(listener: (status: ConnectionStatus) => void) {
      listeners.add(listener);
      listener('connecting');
      return () => listeners.delete(listener);
    },
    set: (status: ConnectionStatus) => listeners.forEach((l) => l(status)),
    get count() {
      return listeners.size;
    },
  };
}

describe('SnapshotSync', () => {
  it('keeps the events that cross a load and hands them over after the answer, in arrival order', async () => {
    const { sync, reads, seen } = follow();
    const loading = sync.load();
    expect(sync.loading).toBe(true);
    sync.push(3);
    sync.push(1);
    sync.push(2);
    expect(seen.list).toEqual([]); // nothing applied before the answer, which would undo it
    reads[0]!.resolve([10, 20]);
    await loading;
    expect(sync.loading).toBe(false);
    expect(seen.adopted).toEqual([{ snapshot: [10, 20], crossed: [3, 1, 2] }]);
    expect(seen.list).toEqual([10, 20, 3, 1, 2]);
    sync.push(4); // no load on its way: applied at once
    expect(seen.list).toEqual([10, 20, 3, 1, 2, 4]);
  });

  it('applies events at once when no load is on its way (before the first one too)', () => {
    const { sync, seen } = follow();
    sync.push(7);
    expect(seen.list).toEqual([7]);
    expect(seen.adopted).toEqual([]);
  });

  it('reloads when the link comes back; the answer of the load it superseded is dropped', async () => {
    const { sync, reads, seen } = follow();
    const l = link();
    const stop = sync.reloadOnConnect(l);
    expect(reads).toHaveLength(0); // 'connecting' reads nothing
    l.set('connected');
    sync.push(1); // before the link dropped: in the second answer
    l.set('reconnecting');
    expect(reads).toHaveLength(1);
    l.set('connected');
    expect(reads).toHaveLength(2);
    sync.push(2); // crossed the second read
    reads[1]!.resolve([1, 5]);
    await Promise.resolve();
    await Promise.resolve();
    expect(seen.list).toEqual([1, 5, 2]);
    reads[0]!.resolve([0]); // the older answer arrives late: ignored
    await Promise.resolve();
    await Promise.resolve();
    expect(seen.adopted).toEqual([{ snapshot: [1, 5], crossed: [2] }]);
    expect(seen.list).toEqual([1, 5, 2]);
    sync.push(6);
    expect(seen.list).toEqual([1, 5, 2, 6]);
    stop();
    expect(l.count).toBe(0);
    l.set('connected');
    expect(reads).toHaveLength(2);
  });

  it('drops the kept events when the read fails, applies the next ones at once, and reads them again on the next load', async () => {
    const { sync, reads, seen } = follow();
    const first = sync.load();
    sync.push(1);
    reads[0]!.resolve(new Error('link down'));
    await first;
    expect(seen.failures).toEqual(['link down']);
    expect(sync.loading).toBe(false);
    expect(seen.list).toEqual([]);
    sync.push(2);
    expect(seen.list).toEqual([2]);
    const second = sync.load();
    reads[1]!.resolve([1, 2]);
    await second;
    expect(seen.list).toEqual([1, 2]);
  });

  it('reports only the latest load failing; a superseded failure is ignored', async () => {
    const { sync, reads, seen } = follow();
    const first = sync.load();
    const second = sync.load();
    reads[0]!.resolve(new Error('old'));
    await first;
    expect(seen.failures).toEqual([]);
    expect(sync.loading).toBe(true); // still keeping events for the second load
    sync.push(9);
    reads[1]!.resolve([8]);
    await second;
    expect(seen.list).toEqual([8, 9]);
  });

  it('reports an answer it could not adopt as a failure, instead of an unhandled rejection', async () => {
    const failures: unknown[] = [];
    const sync = new SnapshotSync<number, number>({
      read: async () => 1,
      adopt: () => {
        throw new Error('bad answer');
      },
      apply: () => undefined,
      fail: (err) => failures.push(err),
    });
    await sync.load();
    expect(failures).toEqual([new Error('bad answer')]);
    expect(sync.loading).toBe(false);
  });
});
