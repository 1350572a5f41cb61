/**
 * The counts a publish reads without walking every row (listening ports, TIME_WAIT rows, closed
 * rows still shown) and the pairs of pairs mode agree with a full recount through random diffs and expiries, and many rows
 * closing at once leave the shown list as a rebuild would.
 */
import { describe, expect, it } from 'vitest';
import type { SocketRow } from '../../src-main/contract/sockets.js';
import { listeningPorts } from '../../src-renderer/src/lib/sockets/group.js';
import { compareRows } from '../../src-renderer/src/lib/sockets/sort.js';
import { SocketTable } from '../../src-renderer/src/lib/sockets/table.js';
import { RowTally } from '../../src-renderer/src/lib/sockets/tally.js';
import { PairIndex } from '../../src-renderer/src/lib/sockets/pair-index.js';
import { pairLines, type PairsLine } from '../../src-renderer/src/lib/sockets/pairs.js';
import { pairRows } from '../../src-main/contract/socket-pairs.js';
import { noNames, row } from './socket-rows.js';

const view = { accept: (r: SocketRow) => r.localPort % 7 !== 0, compare: compareRows('lport', 'asc', noNames) };

/** A small deterministic random source (the test must replay the same way). */
function random(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

function anyRow(rnd: () => number): SocketRow {
  const states = ['LISTEN', 'ESTABLISHED', 'TIME_WAIT', 'CLOSE_WAIT'] as const;
  const state = states[Math.floor(rnd() * states.length)]!;
  return row({ localPort: 1 + Math.floor(rnd() * 40), remotePort: state === 'LISTEN' ? 0 : 40000 + Math.floor(rnd() * 1000), state });
}

describe('RowTally', () => {
  it('keeps listening ports, open TIME_WAIT rows and fading rows equal to a recount', () => {
    const rnd = random(7);
    const tally = new RowTally();
    const t = new SocketTable(view, { added: 300, changed: 200, removed: 500 }, tally);
    t.load(Array.from({ length: 60 }, () => anyRow(rnd)));
    let now = 0;
    for (let step = 0; step < 300; step++) {
      const ids = [...t.all()].filter((e) => e.mark !== 'removed').map((e) => e.row.id);
      const pick = () => ids[Math.floor(rnd() * ids.length)]!;
      const removed = rnd() < 0.5 && ids.length ? [pick()] : [];
      const changed = rnd() < 0.5 && ids.length ? [{ ...t.get(pick())!.row, state: rnd() < 0.5 ? ('TIME_WAIT' as const) : ('LISTEN' as const) }].filter((r) => !removed.includes(r.id)) : [];
      const added = Array.from({ length: Math.floor(rnd() * 3) }, () => anyRow(rnd));
      // Sometimes a burst: most open rows close at once (one pass instead of a splice each).
      const burst = step % 97 === 96 ? ids.filter(() => rnd() < 0.8) : [];
      t.apply({ added, removed: [...new Set([...removed, ...burst])], changed: changed.filter((r) => !burst.includes(r.id)) }, now);
      now += 100 + Math.floor(rnd() * 200);
      t.expire(now);

      const all = [...t.all()];
      expect([...tally.listeningPorts()].sort()).toEqual([...listeningPorts(all.map((e) => e.row))].sort());
      expect(tally.timeWait).toBe(all.filter((e) => e.row.state === 'TIME_WAIT' && e.mark !== 'removed').length);
      expect(t.fadingShown).toBe(t.rows().filter((e) => e.mark === 'removed').length);
      const shown = t.rows().map((e) => e.row.id);
      t.rebuild();
      expect(shown).toEqual(t.rows().map((e) => e.row.id));
    }
  });

  it('hands out the same set until a port starts or stops listening', () => {
    const tally = new RowTally();
    const t = new SocketTable(view, undefined, tally);
    const listener = row({ localPort: 80 });
    const conn = row({ localPort: 80, remotePort: 50000 });
    t.load([listener, conn]);
    const first = tally.listeningPorts();
    expect([...first]).toEqual(['tcp|80']);
    t.apply({ added: [row({ localPort: 81, remotePort: 50001 })], removed: [], changed: [{ ...conn, rxQueue: 3 }] }, 1);
    expect(tally.listeningPorts()).toBe(first);
    t.apply({ added: [row({ localPort: 443 })], removed: [], changed: [] }, 2);
    expect([...tally.listeningPorts()].sort()).toEqual(['tcp|443', 'tcp|80']);
  });
});

describe('PairIndex', () => {
  it('re-pairs only what changed and ends up with the pairs a full pass gives', () => {
    const rnd = random(11);
    const index = new PairIndex();
    const t = new SocketTable(view, { added: 300, changed: 200, removed: 500 }, index);
    const port = () => 8000 + Math.floor(rnd() * 4);
    /** A listener, a connection with both halves here, or one with a remote end. */
    const fresh = (): SocketRow[] => {
      const k = rnd();
      if (k < 0.15) return [row({ localPort: port(), localAddress: rnd() < 0.5 ? '0.0.0.0' : '127.0.0.1', pid: 1 + Math.floor(rnd() * 3) })];
      if (k < 0.7) {
        const server = port();
        const client = 40000 + Math.floor(rnd() * 20000);
        const a = row({ localPort: server, remotePort: client, pid: 1 });
        const b = row({ localPort: client, remotePort: server, pid: 2 });
        a.pairId = b.id;
        b.pairId = a.id;
        return [a, b];
      }
      return [row({ localPort: 50000 + Math.floor(rnd() * 1000), remoteAddress: '127.0.0.9', remotePort: port(), pid: 3 })];
    };
    t.load(Array.from({ length: 30 }, fresh).flat());
    let now = 0;
    for (let step = 0; step < 300; step++) {
      const open = [...t.all()].filter((e) => e.mark !== 'removed').map((e) => e.row);
      const pick = () => open[Math.floor(rnd() * open.length)]!;
      const removed = new Set(rnd() < 0.6 && open.length ? [pick().id] : []);
      const changed: SocketRow[] = [];
      if (rnd() < 0.6 && open.length) {
        const r = pick();
        // A queue moves, a half loses its other half, or a listener changes hands.
        const c = rnd();
        if (!removed.has(r.id)) changed.push(c < 0.5 ? { ...r, rxQueue: r.rxQueue + 1 } : c < 0.8 ? { ...r, pairId: undefined } : { ...r, pid: (r.pid ?? 0) + 1 });
      }
      t.apply({ added: Array.from({ length: Math.floor(rnd() * 3) }, fresh).flat(), removed: [...removed], changed }, now);
      now += 100 + Math.floor(rnd() * 200);
      t.expire(now);

      const full = pairRows([...t.all()].map((e) => e.row));
      const key = (p: { id: string }) => JSON.stringify(p);
      expect([...index.all()].map(key).sort()).toEqual(full.pairs.map(key).sort());
      expect([...index.listeners()].map((r) => r.id).sort()).toEqual(full.listeners.map((l) => l.id).sort());
      // And pairs mode's lines from the index are those of a fresh pairing.
      const said = (lines: PairsLine[]) => lines.map((l) => `${l.key}${l.kind === 'listener' ? ` ${l.shownPairs}/${l.pairs}` : ''}${l.kind === 'pair' ? ` ${l.mark}` : ''}`);
      expect(said(pairLines(t, t.rows(), undefined, index))).toEqual(said(pairLines(t, t.rows())));
    }
  });
});
