/**
 * A link's row (`#/sockets?focus=<socket id or listener key>`, a notification's click) in pairs
 * mode: the line of the pair holding the socket (either end) or of the listener is selected with
 * its details open, whether the row is there at once or comes with a later diff, past a filter
 * that hides the whole pair (one that shows the other half is kept), and again after the
 * remembered filter and mode come back. Switching modes keeps the same connection selected, and
 * the table's keys step over pairs mode's section head. The view scrolls the pairs table to it.
 */
import { describe, expect, it, vi } from 'vitest';
import { flushSync, tick } from 'svelte';
import type { SocketRow } from '../../src-main/contract/sockets.js';
import { Api } from '../../src-renderer/src/lib/api/client.js';
import type { PairsLine } from '../../src-renderer/src/lib/sockets/pairs.js';
import { AppState } from '../../src-renderer/src/lib/state/app.svelte.js';
import { SocketsState } from '../../src-renderer/src/lib/state/sockets.svelte.js';
import { ok } from './fake-transport.js';
import { listenerWithPair, row } from './socket-rows.js';
import { diff, engine, layout, socketsViews } from './sockets-view-harness.js';

/** The selected line of pairs mode in words: "L srv:8080", "curl:51000 > srv:8080", or null. */
function selectedLine(s: SocketsState): string | null {
  const line: PairsLine | undefined = s.pairLines[s.selectedIndex()];
  if (!line) return null;
  if (line.kind === 'listener') return `L ${line.listener.process}:${line.listener.port}`;
  if (line.kind === 'section') return 'section';
  return `${line.pair.client.process}:${line.pair.client.port} > ${line.pair.server.process}:${line.pair.server.port}`;
}

/** Two listeners with a local pair each, and an outgoing connection (the "No listener here" section). */
function machine() {
  const a = listenerWithPair(8080, 51000);
  const b = listenerWithPair(9090, 52000, 11, 'api');
  const outgoing = row({ localPort: 53000, remoteAddress: '192.0.2.9', remotePort: 443, pid: 30, process: 'firefox' });
  return { a, b, outgoing, rows: [a.listener, a.server, a.client, b.listener, b.server, b.client, outgoing] };
}

/** {@link machine}'s table read in pairs mode. */
async function inPairsMode(rows: SocketRow[]): Promise<SocketsState> {
  const s = new SocketsState(new Api(engine(rows)));
  s.setOptions({ mode: 'pairs' });
  await s.load();
  return s;
}

describe('a link to a socket in pairs mode', () => {
  it('selects the pair holding either end, or the listener, with its details, when the row is there at once', async () => {
    const { a, rows } = machine();
    const s = await inPairsMode(rows);
    s.focus(a.server.id);
    expect([s.selectedId, s.detailOpen, s.focusSeq]).toEqual([a.server.id, true, 1]);
    expect(selectedLine(s)).toBe('curl:51000 > srv:8080');
    s.focus(a.client.id);
    expect([selectedLine(s), s.focusSeq]).toEqual(['curl:51000 > srv:8080', 2]);
    s.focus('tcp|127.0.0.1|9090');
    expect([s.selectedId, selectedLine(s), s.focusSeq]).toEqual([rows[3]!.id, 'L api:9090', 3]);
  });

  it('lands on a pair whose rows come a tick later, through the diffs that arrive while the view loads', async () => {
    const { a, rows } = machine();
    const s = new SocketsState(new Api(engine(rows.filter((r) => r !== a.server && r !== a.client))));
    s.setOptions({ mode: 'pairs' });
    // Followed before the table is read: nothing to select yet, and nothing is selected.
    s.focus(a.server.id);
    await s.load();
    expect([s.selectedId, s.detailOpen, s.focusSeq]).toEqual([null, false, 0]);
    s.onDiff(diff(2, [row({ localPort: 7000 })]));
    expect(s.focusSeq).toBe(0);
    s.onDiff(diff(3, [a.server, a.client]));
    expect([s.selectedId, s.detailOpen, s.focusSeq]).toEqual([a.server.id, true, 1]);
    expect(selectedLine(s)).toBe('curl:51000 > srv:8080');
    // Landed once: later diffs do not select it again.
    s.select(null);
    s.onDiff(diff(4, [row({ localPort: 7001 })]));
    expect([s.selectedId, s.focusSeq]).toEqual([null, 1]);
  });

  it('clears a filter or toggle that hides the whole pair, and keeps one that shows its other half', async () => {
    const { a, b, rows } = machine();
    const s = await inPairsMode(rows);
    s.setFilter('port:9090');
    s.focus(a.client.id);
    expect([s.filterText, selectedLine(s), s.detailOpen]).toEqual(['', 'curl:51000 > srv:8080', true]);
    s.setOptions({ only: 'listening' });
    s.focus(b.server.id);
    expect([s.options.only, selectedLine(s)]).toEqual(['all', 'curl:52000 > api:9090']);
    // pid:10 lets only srv's rows through: the pair shows through its server half, so the filter stays.
    s.setFilter('pid:10');
    s.focus(a.client.id);
    expect([s.filterText, s.selectedId, selectedLine(s)]).toEqual(['pid:10', a.client.id, 'curl:51000 > srv:8080']);
  });

  it('lands again when the remembered filter and mode come back after it did (the settings were read late)', async () => {
    const { a, rows } = machine();
    const s = new SocketsState(new Api(engine(rows)));
    s.focus(a.server.id);
    await s.load();
    expect([s.options.mode, s.selectedId, s.focusSeq]).toEqual(['sockets', a.server.id, 1]);
    s.restore('port:9090', 'mode:pairs');
    expect([s.options.mode, s.filterText, selectedLine(s), s.detailOpen, s.focusSeq]).toEqual(['pairs', '', 'curl:51000 > srv:8080', true, 2]);
    // Only that once: settings read again later do not move the selection.
    s.select(null);
    s.restore('', 'mode:pairs');
    expect([s.selectedId, s.focusSeq]).toEqual([null, 2]);
  });
});

describe('switching between the table and pairs', () => {
  it('keeps the same connection selected, shown by its other half when the filter hides the selected one', async () => {
    const { a, rows } = machine();
    const s = await inPairsMode(rows);
    s.setFilter('pid:10');
    // A click on the pair selects the pair's own socket, the client's, which pid:10 hides in the table.
    s.selectLine(s.pairLines.findIndex((l) => l.kind === 'pair'), 1);
    expect(s.selectedId).toBe(a.client.id);
    s.setOptions({ mode: 'sockets' });
    expect(s.selectedId).toBe(a.server.id);
    expect(s.lines[s.selectedIndex()]).toMatchObject({ row: { id: a.server.id } });
    s.setOptions({ mode: 'pairs' });
    expect([s.selectedId, selectedLine(s)]).toEqual([a.server.id, 'curl:51000 > srv:8080']);
    // A listener stays itself both ways.
    s.select(a.listener.id);
    s.setOptions({ mode: 'sockets' });
    s.setOptions({ mode: 'pairs' });
    expect([s.selectedId, selectedLine(s)]).toEqual([a.listener.id, 'L srv:8080']);
  });

  it("moves with the table's keys through listeners and pairs, over the section head", async () => {
    const { b, outgoing, rows } = machine();
    const s = await inPairsMode(rows);
    const section = s.pairLines.findIndex((l) => l.kind === 'section');
    expect(section).toBe(4);
    s.select(b.client.id);
    // Down onto the head: on to the pair under it; up onto it: back to the pair above.
    expect(s.selectLine(section, 1)).toBe(5);
    expect(s.selectedId).toBe(outgoing.id);
    expect(s.selectLine(section, -1)).toBe(3);
    expect(selectedLine(s)).toBe('curl:52000 > api:9090');
    s.move(1);
    expect(s.selectedId).toBe(outgoing.id);
    s.move(-Infinity);
    expect(selectedLine(s)).toBe('L srv:8080');
  });
});

describe('the view in pairs mode', () => {
  const { restores, show } = socketsViews();

  it('scrolls the pairs table to a linked pair that arrives after the table, opens its details, and scrolls back to it for the link again', async () => {
    layout(restores);
    // Forty listeners with a pair each before the linked one: 80 lines, far below a 216 px view.
    const many = Array.from({ length: 40 }, (_, i) => listenerWithPair(2000 + i, 40000 + i));
    const late = listenerWithPair(9999, 60000, 12, 'late');
    const t = engine(many.flatMap((m) => [m.listener, m.server, m.client]));
    t.handlers['settings.get'] = () => ok({ settings: { theme: 'system', filters: { 'sockets.view': 'mode:pairs', sockets: 'port:1' }, lastView: 'sockets' }, path: '' });
    const app = new AppState(new Api(t));
    app.sockets.restore('port:1', 'mode:pairs');
    app.route(`#/sockets?focus=${encodeURIComponent(late.server.id)}`);
    show(app);
    await vi.waitFor(() => expect(app.sockets.loaded).toBe(true));
    flushSync();
    expect(app.sockets.selectedId).toBeNull();
    t.emit('sockets.diff', diff(2, [late.listener, late.server, late.client]));
    await tick();
    await tick();
    const grid = document.querySelector<HTMLElement>('[role=grid][aria-label="Socket pairs"]')!;
    // Just enough to show it: its row ends at the foot of the 216 px below the header.
    const scrolled = grid.scrollTop;
    expect(scrolled).toBeGreaterThan(0);
    // A browser tells the table it scrolled; jsdom does not.
    grid.dispatchEvent(new Event('scroll'));
    flushSync();
    const active = grid.querySelector<HTMLElement>('.vt-row.active');
    expect(active?.dataset.key).toBe(`p:${late.client.id}`);
    const index = Number(active!.dataset.index);
    expect(index).toBeGreaterThan(60);
    expect(scrolled).toBe((index + 1) * 24 - 216);
    expect(document.querySelector('[data-testid="socket-detail"]')).not.toBeNull();
    expect(app.sockets.filterText).toBe('');

    // Scrolled away by the user, the same link again (the selection is unchanged): back to it.
    grid.scrollTop = 0;
    grid.dispatchEvent(new Event('scroll'));
    flushSync();
    app.route(`#/sockets?focus=${encodeURIComponent(late.client.id)}`);
    flushSync();
    await tick();
    expect(grid.scrollTop).toBe(scrolled);

    // Scrolled away again, rows arrive above the selected pair (a live table): its index moves,
    // the selection stays, and the table stays where the user left it.
    grid.scrollTop = 0;
    grid.dispatchEvent(new Event('scroll'));
    flushSync();
    const earlier = Array.from({ length: 5 }, (_, i) => listenerWithPair(1000 + i, 30000 + i, 20 + i, `early${i}`));
    t.emit('sockets.diff', diff(3, earlier.flatMap((m) => [m.listener, m.server, m.client])));
    await tick();
    await tick();
    flushSync();
    const moved = grid.querySelector<HTMLElement>('.vt-row.active') ?? undefined;
    expect(app.sockets.selectedId).toBe(late.client.id);
    if (moved) expect(Number(moved.dataset.index)).toBeGreaterThan(index);
    expect(grid.scrollTop).toBe(0);
  });
});
