/** The scan's list of probes in flight (inflight.ts): launch order, O(1) removal, no links left on removed probes. */
import { describe, expect, it } from 'vitest';
import { InflightList, type Linked } from '../../../../src-main/engine/scanner/inflight.js';

interface Entry extends Linked<Entry> {
  id: number;
}
const entry = (id: number): Entry => ({ id, prev: undefined, next: undefined, listed: false });
const ids = (list: InflightList<Entry>) => [...list].map((e) => e.id);

describe('InflightList', () => {
  it('keeps launch order through removals at the head, the middle and the tail', () => {
    const list = new InflightList<Entry>();
    const e = [1, 2, 3, 4, 5].map(entry);
    for (const x of e) list.add(x);
    expect(ids(list)).toEqual([1, 2, 3, 4, 5]);
    expect(list.delete(e[0]!)).toBe(true);
    expect(list.delete(e[2]!)).toBe(true);
    expect(list.delete(e[4]!)).toBe(true);
    expect(ids(list)).toEqual([2, 4]);
    expect(list.size).toBe(2);
    list.add(e[0]!); // a retried probe goes to the end
    expect(ids(list)).toEqual([2, 4, 1]);
  });

  it('ignores removing an entry twice and adding one already in', () => {
    const list = new InflightList<Entry>();
    const a = entry(1);
    const b = entry(2);
    list.add(a);
    list.add(b);
    list.add(a);
    expect(ids(list)).toEqual([1, 2]);
    expect(list.delete(a)).toBe(true);
    expect(list.delete(a)).toBe(false);
    expect(list.size).toBe(1);
    expect(ids(list)).toEqual([2]);
  });

  it('leaves no links on a removed entry, so a dead probe references nothing', () => {
    const list = new InflightList<Entry>();
    const e = [1, 2, 3].map(entry);
    for (const x of e) list.add(x);
    list.delete(e[1]!);
    expect(e[1]).toEqual({ id: 2, prev: undefined, next: undefined, listed: false });
    list.clear();
    expect(list.size).toBe(0);
    expect(ids(list)).toEqual([]);
    for (const x of e) expect([x.prev, x.next, x.listed]).toEqual([undefined, undefined, false]);
  });

  it('lets the entry being visited be removed, as a scan does when its probes time out', () => {
    const list = new InflightList<Entry>();
    const e = [1, 2, 3, 4].map(entry);
    for (const x of e) list.add(x);
    const seen: number[] = [];
    for (const x of list) {
      seen.push(x.id);
      if (x.id % 2 === 1) list.delete(x);
    }
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(ids(list)).toEqual([2, 4]);
    for (const x of list) list.delete(x);
    expect(list.size).toBe(0);
  });
});
