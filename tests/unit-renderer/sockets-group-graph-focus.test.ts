/**
 * A link's row (`#/sockets?focus=`) in the grouped table and in Graph mode, and the grouped
 * table's keys. Grouped: a collapsed group holding the row opens (that one only, also for a link
 * that lands in another mode), the row is selected with its details open and scrolled to. The
 * arrows stop on a group heading without opening or closing it; Enter or a click does that. Graph:
 * the edge holding the socket is chosen as a click chooses it (its pairs listed, the socket's
 * marked), "Hide idle connections" is unticked only when it hides that edge, a listener's process
 * node is marked, the details open, and the graph scrolls to it.
 */
import { describe, expect, it, vi } from 'vitest';
import { flushSync, tick } from 'svelte';
import type { SocketRow } from '../../src-main/contract/sockets.js';
import { Api } from '../../src-renderer/src/lib/api/client.js';
import { isHeader } from '../../src-renderer/src/lib/sockets/group.js';
import { AppState } from '../../src-renderer/src/lib/state/app.svelte.js';
import { SocketsState } from '../../src-renderer/src/lib/state/sockets.svelte.js';
import { listenerWithPair, row } from './socket-rows.js';
import { diff, engine, layout, socketsViews } from './sockets-view-harness.js';

/** The active line of the table in words: "#port:8080" for a heading, the row's id, or null. */
function activeLine(s: SocketsState): string | null {
  const line = s.lines[s.selectedIndex()];
  return !line ? null : isHeader(line) ? `#${line.key}` : line.row.id;
}

/** Two listeners with a local pair each, grouped by port, their groups collapsed (8080's pair left for a later tick when `pairLater`). */
async function collapsedGroups(pairLater = false) {
  const a = listenerWithPair(8080, 51000);
  const b = listenerWithPair(9090, 52000, 11, 'api');
  const all = [a.listener, ...(pairLater ? [] : [a.server, a.client]), b.listener, b.server, b.client];
  const s = new SocketsState(new Api(engine(all)));
  s.restore('', 'group:port');
  await s.load();
  s.toggleGroup('port:8080');
  s.toggleGroup('port:9090');
  expect(s.lines.map((l) => (isHeader(l) ? l.key : l.row.id))).toEqual(['port:8080', 'port:9090']);
  return { a, b, s };
}

describe('a link to a socket in the grouped table', () => {
  it('opens the collapsed group holding it, that one only, and selects it with its details', async () => {
    const { a, b, s } = await collapsedGroups();
    // The client half is in its server's port group.
    s.focus(a.client.id);
    expect([...s.collapsed]).toEqual(['port:9090']);
    expect([activeLine(s), s.detailOpen, s.focusSeq]).toEqual([a.client.id, true, 1]);
    // Collapsed again by the user, the same link again opens it again.
    s.toggleGroup('port:8080');
    s.focus(a.client.id);
    expect([[...s.collapsed], activeLine(s), s.focusSeq]).toEqual([['port:9090'], a.client.id, 2]);
    // A listener's key, grouped by process.
    s.setOptions({ group: 'process' });
    s.toggleGroup('process:11');
    s.toggleGroup('process:20');
    s.focus('tcp|127.0.0.1|9090');
    expect([...s.collapsed].sort()).toEqual(['port:9090', 'process:20']);
    expect(activeLine(s)).toBe(b.listener.id);
  });

  it('opens it for a row that comes a tick later, and for a link that landed in pairs mode once the table is back', async () => {
    const { a, b, s } = await collapsedGroups(true);
    s.focus(a.server.id);
    expect([activeLine(s), s.focusSeq, [...s.collapsed].sort()]).toEqual([null, 0, ['port:8080', 'port:9090']]);
    s.onDiff(diff(2, [a.server, a.client]));
    expect([activeLine(s), s.detailOpen, s.focusSeq, [...s.collapsed]]).toEqual([a.server.id, true, 1, ['port:9090']]);

    s.setOptions({ mode: 'pairs' });
    s.focus(b.client.id);
    expect(s.collapsed.size).toBe(0);
    s.setOptions({ mode: 'sockets' });
    expect(activeLine(s)).toBe(b.client.id);
  });
});

describe('the grouped table in the view', () => {
  const { restores, show } = socketsViews();

  /** The view grouped by port over `rows`, with `collapse` collapsed, and `focus` as the link it opened at, loaded. */
  async function view(rows: SocketRow[], collapse: string[], focus?: string) {
    layout(restores);
    const app = new AppState(new Api(engine(rows)));
    app.sockets.restore('', 'group:port');
    for (const key of collapse) app.sockets.toggleGroup(key);
    app.route(focus ? `#/sockets?focus=${encodeURIComponent(focus)}` : '#/sockets');
    show(app);
    await vi.waitFor(() => expect(app.sockets.loaded).toBe(true));
    flushSync();
    await tick();
    await tick();
    const grid = document.querySelector<HTMLElement>('[role=grid][aria-label="Sockets"]')!;
    // A browser tells the table it scrolled; jsdom does not.
    grid.dispatchEvent(new Event('scroll'));
    flushSync();
    return { app, grid };
  }

  it('opens the collapsed group of a linked row far down, selects it with its details and scrolls just enough to show it', async () => {
    // Forty listeners with a pair each: forty groups of four lines, far below a 216 px view.
    const many = Array.from({ length: 40 }, (_, i) => listenerWithPair(2000 + i, 40000 + i));
    const linked = many[38]!;
    const { app, grid } = await view(
      many.flatMap((m) => [m.listener, m.server, m.client]),
      ['port:2038', 'port:2039'],
      linked.server.id,
    );
    expect([...app.sockets.collapsed]).toEqual(['port:2039']);
    const active = grid.querySelector<HTMLElement>('.vt-row.active');
    expect(active?.dataset.key).toBe(linked.server.id);
    const index = Number(active!.dataset.index);
    expect(index).toBeGreaterThan(150);
    expect(grid.scrollTop).toBe((index + 1) * 24 - 216);
    expect(document.querySelector('[data-testid="socket-detail"]')).not.toBeNull();
  });

  it('stops the arrows on a heading without opening or closing it; Enter and a click open and close it', async () => {
    const a = listenerWithPair(8080, 51000);
    const b = listenerWithPair(9090, 52000, 11, 'api');
    const { app, grid } = await view([a.listener, a.server, a.client, b.listener, b.server, b.client], []);
    const s = app.sockets;
    const key = (k: string) => grid.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));
    const activeKey = () => grid.querySelector<HTMLElement>('.vt-row.active')?.dataset.key;
    const heading = s.lines.findIndex((l) => isHeader(l) && l.key === 'port:9090');
    expect(heading).toBe(4);
    s.select((s.lines[3] as { row: SocketRow }).row.id);
    flushSync();

    key('ArrowDown');
    flushSync();
    expect([activeKey(), s.collapsed.size, s.lines.length]).toEqual(['g:port:9090', 0, 8]);
    key('ArrowDown');
    flushSync();
    expect(activeKey()).toBe((s.lines[5] as { row: SocketRow }).row.id);
    expect(s.detailOpen).toBe(true);
    key('ArrowUp');
    flushSync();
    expect([activeKey(), s.collapsed.size]).toEqual(['g:port:9090', 0]);
    // Enter closes it and the heading stays the active line; the arrows go on from there.
    key('Enter');
    flushSync();
    expect([activeKey(), [...s.collapsed], s.lines.length]).toEqual(['g:port:9090', ['port:9090'], 5]);
    key('ArrowUp');
    flushSync();
    expect([activeKey(), [...s.collapsed]]).toEqual([(s.lines[3] as { row: SocketRow }).row.id, ['port:9090']]);
    key('ArrowDown');
    key('Enter');
    flushSync();
    expect([activeKey(), s.collapsed.size, s.lines.length]).toEqual(['g:port:9090', 0, 8]);
    // A click on a heading opens or closes it at once.
    grid.querySelector<HTMLElement>('[data-key="g:port:8080"] .group')!.click();
    flushSync();
    expect([activeKey(), [...s.collapsed]]).toEqual(['g:port:8080', ['port:8080']]);
  });
});

describe('a link to a socket in Graph mode', () => {
  const { restores, show } = socketsViews();

  const busy = (id: string) => ({ id, bytesSent: 5000, bytesReceived: 0, sendRate: 500, recvRate: 0, rttMs: 1, retrans: 0 });

  it('chooses the edge holding it as a click does, opens its details, unticks Hide idle only when it hides the edge, and scrolls to it', async () => {
    layout(restores);
    // curl -> srv moves bytes; twenty idle outgoing connections, process 1xx to host 192.0.2.1xx.
    const a = listenerWithPair(8080, 51000);
    const out = Array.from({ length: 20 }, (_, i) => row({ localPort: 41000 + i, remoteAddress: `192.0.2.${101 + i}`, remotePort: 443, pid: 101 + i, process: `p${101 + i}` }));
    const t = engine([a.listener, a.server, a.client, ...out]);
    const app = new AppState(new Api(t));
    app.sockets.restore('', 'mode:graph');
    show(app);
    await vi.waitFor(() => expect(app.sockets.loaded).toBe(true));
    t.emit('sockets.traffic', { at: 2, source: 'ss -tin', available: true, items: [busy(a.client.id)] });
    flushSync();
    const box = document.querySelector<HTMLElement>('[data-testid="sockets-graph"]')!;
    const hideIdle = box.querySelector<HTMLInputElement>('input[type=checkbox]')!;
    const chosenEdge = () => box.querySelector('.edge.on')?.getAttribute('aria-label');
    const chosenPairs = () => box.querySelector('[data-testid="graph-chosen"]');
    const go = async (id: string) => {
      app.route(`#/sockets?focus=${encodeURIComponent(id)}`);
      flushSync();
      await tick();
      await tick();
    };
    expect([hideIdle.checked, box.querySelectorAll('.edge').length, chosenEdge()]).toEqual([true, 1, undefined]);

    // The busy pair's server half: its edge, shown already.
    await go(a.server.id);
    expect(chosenEdge()).toMatch(/^curl \(20\) to srv \(10\): 1 pair/);
    expect(chosenPairs()?.querySelector('.sel')?.textContent).toContain(`127.0.0.1:8080 → 127.0.0.1:51000`);
    expect([hideIdle.checked, app.sockets.selectedId, app.sockets.detailOpen]).toEqual([true, a.server.id, true]);
    expect(document.querySelector('[data-testid="socket-detail"]')).not.toBeNull();

    // A listener is on no edge: its process's node is marked, and Hide idle stays.
    await go('tcp|127.0.0.1|8080');
    expect([chosenEdge(), box.querySelector('.node.on')?.getAttribute('data-node'), hideIdle.checked]).toEqual([undefined, 'pid:10', true]);
    expect(app.sockets.selectedId).toBe(a.listener.id);

    // An idle connection far down: Hide idle is unticked to show its edge, which is scrolled to.
    const last = out[19]!;
    await go(last.id);
    expect([hideIdle.checked, chosenEdge(), box.querySelector('.node.on')]).toEqual([false, 'p120 (120) to 192.0.2.120: 1 pair, 0 B/s', null]);
    expect(chosenPairs()?.querySelector('.sel')?.textContent).toContain('192.0.2.120:443');
    const y = (node: string) => Number(/translate\(\S+ (\S+)\)/.exec(box.querySelector(`[data-node="${node}"]`)!.getAttribute('transform')!)![1]);
    const ends = [y('pid:120'), y('host:192.0.2.120')];
    expect(box.scrollTop).toBeGreaterThan(0);
    // Both ends in the 200 px box, the lower one's row at its foot.
    expect(Math.min(...ends) - 17).toBeGreaterThanOrEqual(box.scrollTop);
    expect(Math.max(...ends) + 17).toBe(box.scrollTop + 200);
  });
});
