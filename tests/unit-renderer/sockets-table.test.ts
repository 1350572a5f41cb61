import { describe, expect, it } from 'vitest';
import type { SocketRow } from '../../src-main/contract/sockets.js';
import { compareRows } from '../../src-renderer/src/lib/sockets/sort.js';
import { SocketTable } from '../../src-renderer/src/lib/sockets/table.js';
import { noNames, row } from './socket-rows.js';

const byPort = { accept: () => true, compare: compareRows('lport', 'asc', noNames) };
const ports = (t: SocketTable) => t.rows().map((e) => e.row.localPort);
const marks = (t: SocketTable) => t.rows().map((e) => `${e.row.localPort}:${e.mark ?? '-'}`);

describe('SocketTable', () => {
  it('applies added, changed and removed rows in place, marking each', () => {
    const a = row({ localPort: 10 });
    const b = row({ localPort: 30 });
    const t = new SocketTable(byPort);
    t.load([b, a]);
    expect(marks(t)).toEqual(['10:-', '30:-']);
    const c = row({ localPort: 20 });
    const touched = t.apply({ added: [c], removed: [a.id], changed: [{ ...b, rxQueue: 5 }] }, 1000);
    expect(touched).toBe(3);
    expect(marks(t)).toEqual(['10:removed', '20:added', '30:changed']);
    expect(t.get(b.id)?.row.rxQueue).toBe(5);
    expect(t.liveCount).toBe(2);
    expect(t.size).toBe(3);
  });

  it('keeps a closed row visible for its time, then drops it; other marks just end', () => {
    const a = row({ localPort: 10 });
    const b = row({ localPort: 20 });
    const t = new SocketTable(byPort, { added: 3000, changed: 1500, removed: 2000 });
    t.load([a, b]);
    t.apply({ added: [], removed: [a.id], changed: [{ ...b, state: 'CLOSE_WAIT' }] }, 0);
    expect(t.expire(1000)).toBe(false);
    expect(marks(t)).toEqual(['10:removed', '20:changed']);
    expect(t.expire(1600)).toBe(true);
    expect(marks(t)).toEqual(['10:removed', '20:-']);
    t.expire(2000);
    expect(marks(t)).toEqual(['20:-']);
    expect(t.get(a.id)).toBeUndefined();
    expect(t.hasMarks).toBe(false);
    // A repeated removal of a row already gone changes nothing.
    expect(t.apply({ added: [], removed: [a.id], changed: [] }, 3000)).toBe(0);
  });

  it('keeps a new row green when it changes before its highlight ends, and counts marks', () => {
    const t = new SocketTable(byPort);
    t.load([]);
    const a = row({ localPort: 10 });
    t.apply({ added: [a], removed: [], changed: [] }, 0);
    const first = t.get(a.id)!;
    t.apply({ added: [], removed: [], changed: [{ ...a, txQueue: 9 }] }, 500);
    const second = t.get(a.id)!;
    expect(second.mark).toBe('added');
    expect(second.markedAt).toBe(0);
    expect(second.seq).toBeGreaterThan(first.seq);
  });

  it('leaves unchanged entries as the same objects (only changed rows redraw)', () => {
    const rows = [10, 20, 30].map((localPort) => row({ localPort }));
    const t = new SocketTable(byPort);
    t.load(rows);
    const before = t.rows().slice();
    t.apply({ added: [], removed: [], changed: [{ ...rows[1]!, rxQueue: 1 }] }, 0);
    const after = t.rows();
    expect(after[0]).toBe(before[0]);
    expect(after[2]).toBe(before[2]);
    expect(after[1]).not.toBe(before[1]);
  });

  it('stays sorted and filtered like a full rebuild after many random diffs', () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const view = { accept: (r: SocketRow) => r.localPort % 3 !== 0, compare: compareRows('rx', 'desc', noNames) };
    const t = new SocketTable(view);
    let live = Array.from({ length: 300 }, () => row({ localPort: rand(1000), rxQueue: rand(50) }));
    t.load(live);
    for (let tick = 1; tick <= 40; tick++) {
      const removed = live.filter(() => rand(10) === 0);
      const changed = live.filter((r) => !removed.includes(r) && rand(8) === 0).map((r) => ({ ...r, rxQueue: rand(50) }));
      const added = Array.from({ length: rand(12) }, () => row({ localPort: rand(1000), rxQueue: rand(50) }));
      t.apply({ added, removed: removed.map((r) => r.id), changed }, tick * 1000);
      t.expire(tick * 1000);
      const changedById = new Map(changed.map((r) => [r.id, r]));
      live = [...live.filter((r) => !removed.includes(r)).map((r) => changedById.get(r.id) ?? r), ...added];
      const shownLive = t.rows().filter((e) => e.mark !== 'removed');
      const expected = live.filter(view.accept).sort(view.compare);
      expect(shownLive.map((e) => e.row)).toEqual(expected);
      const all = t.rows().map((e) => e.row);
      expect(all).toEqual([...all].sort(view.compare));
    }
  });

  it('rebuilds when the view changes; closed rows the new filter hides go at once', () => {
    const a = row({ localPort: 10 });
    const b = row({ localPort: 20, remotePort: 99 });
    const t = new SocketTable(byPort);
    t.load([a, b]);
    t.apply({ added: [], removed: [a.id], changed: [] }, 0);
    t.setView({ accept: (r) => r.state === 'ESTABLISHED', compare: compareRows('lport', 'desc', noNames) });
    expect(ports(t)).toEqual([20]);
    t.setView(byPort);
    expect(marks(t)).toEqual(['10:removed', '20:-']);
  });
});
