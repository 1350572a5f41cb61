/**
 * The Sockets view's state: the live table (a snapshot, then one diff per tick applied in place),
 * the watch lease renewed while the view is open, pause and tick period, filter, toggles, sort,
 * grouping, selection, and the names (dictionary, reverse DNS) of what is on screen.
 */
import type { SocketDiff, SocketElevation, SocketMonitorSettings, SocketRow, SocketSnapshot, SocketTrafficSample } from '../../../../src-main/contract/sockets.js';
import { errorMessage, type Api } from '../api/client.js';
import { ReverseNames } from '../sockets/dns.js';
import { isListening, matchesFilter, parseFilter, type MatchContext, type ParsedFilter } from '../sockets/filter.js';
import { listenerKey } from '../sockets/alerts.js';
import { localRole, type LocalRole } from '../sockets/columns.js';
import { groupKey, groupLines, isHeader, type Line } from '../sockets/group.js';
import { lineHolds, lineSocketId, pairLines, type PairsLine } from '../sockets/pairs.js';
import { ConnectionTraffic } from '../sockets/traffic.js';
import { decodeOptions, DEFAULT_OPTIONS, encodeOptions, hidesTimeWait, passesToggles, type Column, type ViewOptions } from '../sockets/options.js';
import { PortNames } from '../sockets/ports.js';
import { compareRows } from '../sockets/sort.js';
import { observeAll, SocketTable, type Entry, type MarkDurations } from '../sockets/table.js';
import { PairIndex } from '../sockets/pair-index.js';
import { RowTally } from '../sockets/tally.js';
import { SocketActionsState } from './socket-actions.svelte.js';
import { SnapshotSync } from './snapshot-sync.js';

/** Tick periods offered in the toolbar, in ms. */
export const INTERVALS = [500, 1000, 2000, 5000] as const;

/** Told of what the table sees, for the listener alerts. */
export interface ListenerObserver {
  onSnapshot(rows: readonly SocketRow[]): void;
  onAdded(rows: readonly SocketRow[]): void;
}

export interface SocketsOptions {
  /** How often the watch lease is renewed while the view is open, and for how long, in ms. */
  renewMs?: number;
  leaseMs?: number;
  durations?: MarkDurations;
  /** Told of every new filter text and of every new set of options (the app remembers them). */
  onFilter?: (text: string) => void;
  onOptions?: (encoded: string) => void;
  listeners?: ListenerObserver;
  /** The clock of marks (tests pass a fake). */
  now?: () => number;
}

/** One load's answers: the watch lease (with the monitor's settings) and the whole table. */
type TableRead = { monitor: SocketMonitorSettings; snapshot: SocketSnapshot };

/** The name of the User Timing measure of each diff from its arrival to the next painted frame. */
export const PAINT_MEASURE = 'portolan:sockets-diff-to-paint';

export class SocketsState {
  /** The lines of the table: rows, and group headers when grouped (sockets mode). */
  lines = $state.raw<readonly Line[]>([]);
  /** The lines of pairs mode: listeners heading their pairs, then pairs without a listener here. */
  pairLines = $state.raw<readonly PairsLine[]>([]);
  loaded = $state(false);
  loading = $state(false);
  error = $state<string | null>(null);
  tick = $state(0);
  at = $state(0);
  source = $state('');
  hiddenOwners = $state(0);
  /** Whether "Show all owners" is offered (an elevated reader), and the engine's last word on it. */
  elevation = $state.raw<SocketElevation | null>(null);
  /** True while the engine waits for the user's answer at the password prompt. */
  elevating = $state(false);
  /** Open sockets in the table. */
  total = $state(0);
  /** Open rows the filter and toggles let through. */
  shown = $state(0);
  /** Open TIME_WAIT rows, and whether they are hidden now (see {@link hidesTimeWait}). */
  timeWaitCount = $state(0);
  timeWaitHidden = $state(false);
  paused = $state(false);
  intervalMs = $state(1000);
  filterText = $state('');
  filter = $state.raw<ParsedFilter>(parseFilter(''));
  options = $state.raw<ViewOptions>(DEFAULT_OPTIONS);
  collapsed = $state.raw<ReadonlySet<string>>(new Set());
  selectedId = $state<string | null>(null);
  /**
   * The group heading the grouped table's keys rest on (Enter or a click opens or closes it), or
   * null: the selected row's line is the active one. Selecting a row leaves the heading.
   */
  activeGroup = $state<string | null>(null);
  /** The selected entry; kept, marked closed, after its row leaves the table. */
  selected = $state.raw<Entry | null>(null);
  detailOpen = $state(false);
  /** Bumped when traffic arrives, so cells that show it redraw. */
  trafficVersion = $state(0);
  /** Where per-connection traffic comes from, or why there is none on this OS. */
  trafficSource = $state('');
  trafficAvailable = $state(true);
  /**
   * Bumped each time a row asked for by a link (`#/sockets?focus=`) is selected, so the view
   * scrolls to its line (the table's row, or in pairs mode the line of its pair or listener).
   */
  focusSeq = $state(0);
  /** Bumped when dictionary or DNS names arrive, so cells that show names redraw. */
  namesVersion = $state(0);

  readonly table: SocketTable;
  /** Listening ports and TIME_WAIT rows, counted as the table changes. */
  private readonly tally = new RowTally();
  /** The table's pairs, re-paired only where rows changed (pairs mode). */
  private readonly pairIndex = new PairIndex();
  /** Close connection and End process (the detail panel's buttons). */
  readonly actions: SocketActionsState;
  readonly traffic = new ConnectionTraffic();
  readonly names: PortNames;
  readonly dns: ReverseNames;
  /** Names as the filter, sort and export see them. */
  readonly ctx: MatchContext;

  private open = false;
  /** A row a link asked to show (a socket id, or a listener's "tcp|0.0.0.0|22"), until it is in the table. */
  private focusWanted: string | null = null;
  /**
   * A link's row that landed before the remembered filter and options came back ({@link restore},
   * once the settings are read): they may hide it again or switch to pairs, so it lands again then.
   */
  private focusBeforeRestore: string | null = null;
  private restored = false;
  /** Whether what is on screen shows traffic (pairs, graph, a connection's details): only then is it sampled. */
  private trafficWanted = false;
  private renewTimer: ReturnType<typeof setInterval> | undefined;
  private markTimer: ReturnType<typeof setInterval> | undefined;
  private rebuildTimer: ReturnType<typeof setTimeout> | undefined;
  /** `sockets.watch` and `sockets.snapshot`, then one `sockets.diff` per tick (kept while a read is on its way). */
  private readonly sync = new SnapshotSync<TableRead, SocketDiff>({
    read: () => this.readTable(),
    adopt: (read, crossed) => this.adopt(read, crossed),
    apply: (diff) => this.applyLive(diff),
    fail: (err) => {
      this.loading = false;
      this.error = errorMessage(err);
    },
  });
  /** Ports listened on now, as "tcp|8080" (a role of each row follows from it). */
  private listening = $state.raw<ReadonlySet<string>>(new Set());
  private readonly now: () => number;

  constructor(
    private readonly api: Api,
    private readonly config: SocketsOptions = {},
  ) {
    this.now = config.now ?? (() => Date.now());
    this.names = new PortNames(
      (ports) => api.call('dictionary.summaries', { ports }),
      () => this.namesArrived('service'),
    );
    this.dns = new ReverseNames(
      (addresses) => api.call('dns.reverse', { addresses }),
      () => this.namesArrived('host'),
    );
    this.ctx = {
      serviceName: (port) => this.names.name(port),
      hostName: (address) => (this.options.dns ? (this.dns.get(address) ?? undefined) : undefined),
    };
    this.table = new SocketTable(this.tableView(), config.durations, observeAll(this.tally, this.pairIndex));
    this.actions = new SocketActionsState(api);
  }

  /** Starts following the table (the view calls this when it opens); returns the stop function. */
  start(): () => void {
    this.open = true;
    const stops = [
      this.api.on('sockets.diff', (diff) => this.onDiff(diff)),
      this.api.on('sockets.traffic', (sample) => this.onTraffic(sample)),
      this.sync.reloadOnConnect(this.api),
    ];
    this.renewTimer = setInterval(() => void this.renew(), this.config.renewMs ?? 10_000);
    return () => {
      this.open = false;
      clearInterval(this.renewTimer);
      clearInterval(this.markTimer);
      this.markTimer = undefined;
      stops.forEach((stop) => stop());
    };
  }

  /** Takes remembered filter and options (no echo back to the settings). */
  restore(filterText: string, options: string): void {
    this.filterText = filterText;
    this.filter = parseFilter(filterText);
    this.options = decodeOptions(options);
    this.timeWaitHidden = hidesTimeWait(this.options.timeWait, this.timeWaitCount, this.total);
    this.refilter();
    this.restored = true;
    const key = this.focusBeforeRestore;
    this.focusBeforeRestore = null;
    // A link that has not landed yet lands later, under these options.
    if (key !== null && this.focusWanted === null) this.focus(key);
  }

  /**
   * "Show all owners": asks the engine to restart only its socket reader elevated (the user's
   * click is the only way it happens). Once it runs, the table is read again: hiddenOwners and
   * the source come with snapshots only. Refused or cancelled, the engine's sentence is shown.
   */
  async showAllOwners(): Promise<void> {
    if (this.elevating) return;
    this.elevating = true;
    try {
      this.elevation = await this.api.call('sockets.elevate', {});
      if (this.elevation.state === 'elevated') await this.load();
    } catch (err) {
      this.elevation = { state: this.elevation?.state ?? 'offered', note: errorMessage(err) };
    } finally {
      this.elevating = false;
    }
  }

  /** Renews the lease and reads the whole table. */
  load(): Promise<void> {
    return this.sync.load();
  }

  private async readTable(): Promise<TableRead> {
    this.loading = true;
    const monitor = await this.api.call('sockets.watch', this.lease());
    const snapshot = await this.api.call('sockets.snapshot', {});
    return { monitor, snapshot };
  }

  /** Takes the table read by {@link load}, then the diffs that crossed it (older ticks are skipped by applyDiff). */
  private adopt({ monitor, snapshot }: TableRead, crossed: SocketDiff[]): void {
    this.loading = false;
    this.paused = monitor.paused;
    this.intervalMs = monitor.intervalMs;
    this.table.load(snapshot.rows);
    // 'auto' decides once per load, so that the toggle does not flip with every tick.
    const timeWait = snapshot.rows.filter((r) => r.state === 'TIME_WAIT').length;
    this.setTimeWaitHidden(hidesTimeWait(this.options.timeWait, timeWait, snapshot.rows.length));
    this.tick = snapshot.tick;
    this.at = snapshot.at;
    this.source = snapshot.source;
    this.hiddenOwners = snapshot.hiddenOwners;
    // Where it is not available, the button says so when clicked (sockets.elevate's answer), not at every load.
    this.elevation = snapshot.elevation ? (snapshot.elevation.state === 'unavailable' ? { state: 'unavailable' } : snapshot.elevation) : null;
    this.loaded = true;
    this.error = null;
    for (const diff of crossed) this.applyDiff(diff);
    this.publish();
    this.config.listeners?.onSnapshot(snapshot.rows);
  }

  /** The watch lease asked for: traffic too while something on screen shows it. */
  private lease(): { leaseMs: number; trafficMs?: number } {
    const leaseMs = this.config.leaseMs ?? 30_000;
    // Past the next renewal by half a period, so that it never lapses while wanted and ends soon after.
    return this.trafficWanted ? { leaseMs, trafficMs: Math.max(1000, Math.round((this.config.renewMs ?? 10_000) * 1.5)) } : { leaseMs };
  }

  /**
   * Says whether the screen shows traffic now (pairs or graph mode, or a connection's details):
   * the engine samples it (`ss -tin`, megabytes of parsing a tick with 10,000 connections) only
   * then. Asking starts it at once; not asking lets the traffic lease run out.
   */
  wantTraffic(wanted: boolean): void {
    if (wanted === this.trafficWanted) return;
    this.trafficWanted = wanted;
    if (wanted && this.loaded) void this.renew();
  }

  private async renew(): Promise<void> {
    if (!this.open) return;
    try {
      const monitor = await this.api.call('sockets.watch', this.lease());
      this.paused = monitor.paused;
      this.intervalMs = monitor.intervalMs;
    } catch {
      // The link is down; the table reloads when it comes back.
    }
  }

  /** One tick's diff from the engine. */
  onDiff(diff: SocketDiff): void {
    this.sync.push(diff);
  }

  private applyLive(diff: SocketDiff): void {
    if (!this.loaded || diff.tick <= this.tick) return;
    const start = performance.now();
    this.applyDiff(diff);
    this.publish();
    measurePaint(start);
  }

  /** One traffic sample: counters of the connections that moved; the selected one's history grows. */
  onTraffic(sample: SocketTrafficSample): void {
    this.trafficSource = sample.source;
    this.trafficAvailable = sample.available;
    const selected = this.selected?.row;
    const watched = selected ? [selected.id, ...(selected.pairId ? [selected.pairId] : [])] : [];
    this.traffic.apply(sample, watched);
    this.traffic.prune((id) => this.table.get(id) !== undefined);
    this.trafficVersion++;
    if (this.options.mode === 'pairs' && this.options.talkers) this.publish();
  }

  private applyDiff(diff: SocketDiff): void {
    if (diff.tick <= this.tick) return;
    this.tick = diff.tick;
    this.at = diff.at;
    this.table.apply(diff, this.now());
    if (diff.added.length) this.config.listeners?.onAdded(diff.added);
    this.ensureMarkTimer();
  }

  /** Copies the table's shown rows into reactive state (grouped when asked). */
  private publish(): void {
    const rows = this.table.rows();
    // The same set until a port starts or stops listening, so that cells reading a row's role
    // redraw only then.
    this.listening = this.tally.listeningPorts();
    if (this.options.mode === 'pairs') {
      this.pairLines = pairLines(this.table, rows, this.options.talkers ? (pair) => this.traffic.rate(pair.id) : undefined, this.pairIndex);
      this.lines = [];
    } else if (this.options.group === 'none') {
      this.pairLines = [];
      this.lines = rows.slice();
    } else {
      this.pairLines = [];
      this.lines = groupLines(rows, this.options.group, this.listening, this.collapsed, (port) => this.names.name(port));
    }
    // Counted over the marks and as the table changes: a publish never walks all 10,000 rows.
    this.shown = rows.length - this.table.fadingShown;
    this.total = this.table.liveCount;
    this.timeWaitCount = this.tally.timeWait;
    if (this.focusWanted !== null) this.landFocus();
    if (this.selectedId !== null) {
      const e = this.table.get(this.selectedId);
      if (e) this.selected = e;
      else if (this.selected && this.selected.mark !== 'removed') this.selected = { ...this.selected, mark: 'removed' };
    }
  }

  private ensureMarkTimer(): void {
    if (this.markTimer || !this.table.hasMarks) return;
    this.markTimer = setInterval(() => {
      if (this.table.expire(this.now())) this.publish();
      if (!this.table.hasMarks) {
        clearInterval(this.markTimer);
        this.markTimer = undefined;
      }
    }, 200);
  }

  private tableView() {
    const toggles = { ...this.options, hideTimeWait: this.timeWaitHidden };
    const filter = this.filter;
    return {
      accept: (row: SocketRow) => passesToggles(row, toggles) && matchesFilter(row, filter, this.ctx),
      compare: compareRows(toggles.sort.column, toggles.sort.dir, this.ctx),
    };
  }

  private refilter(): void {
    this.table.setView(this.tableView());
    this.publish();
  }

  /** Names arrived: redraw, and re-filter or re-sort when they decide what is shown or its order. */
  private namesArrived(kind: 'service' | 'host'): void {
    this.namesVersion++;
    const sortsByName = kind === 'service' && (this.options.sort.column === 'lservice' || this.options.sort.column === 'rservice');
    if (!sortsByName && !this.filter.hasText && !(kind === 'host' && this.filter.terms.some((t) => t.key === 'addr'))) {
      if (this.options.group === 'port' && kind === 'service') this.publish();
      return;
    }
    clearTimeout(this.rebuildTimer);
    this.rebuildTimer = setTimeout(() => this.refilter(), 100);
  }

  /**
   * Shows a row a link names (a notification's "New listening port" opens `#/sockets?focus=`):
   * a socket id, or a listener's baseline key "tcp|0.0.0.0|22". The row is selected with its
   * details open, the filter and the Only toggle let it through, and the view scrolls to it; in
   * pairs mode that is the line of the pair holding it (either end) or of the listener. A row not
   * in the table yet is shown when it comes (a later diff), whatever the mode by then.
   */
  focus(key: string): void {
    this.focusWanted = key;
    if (this.loaded) this.landFocus();
  }

  private landFocus(): void {
    const key = this.focusWanted;
    if (key === null) return;
    let found = this.table.get(key);
    if (!found) for (const e of this.table.all()) if (e.mark !== 'removed' && isListening(e.row) && listenerKey(e.row) === key) found = e;
    if (!found) return;
    this.focusWanted = null;
    if (!this.restored) this.focusBeforeRestore = key;
    const id = found.row.id;
    // Pairs mode shows a pair when either half passes the filter: only a pair hidden whole needs it cleared.
    if (this.options.mode === 'pairs' ? this.lineIndexOf(id) < 0 : !this.table.rows().some((e) => e.row.id === id)) {
      if (this.filterText) this.setFilter('');
      if (this.options.only !== 'all' || this.options.hideLoopback) this.setOptions({ only: 'all', hideLoopback: false });
    }
    // A collapsed group holding it opens (that one only), also in pairs or graph mode for the switch back.
    if (this.options.group !== 'none') {
      const group = groupKey(found.row, this.options.group, this.listening);
      if (this.collapsed.has(group)) this.toggleGroup(group);
    }
    this.select(id);
    this.detailOpen = true;
    this.focusSeq++;
  }

  /** Takes new text from the filter box. */
  setFilter(text: string): void {
    if (text === this.filterText) return;
    this.filterText = text;
    this.filter = parseFilter(text);
    this.config.onFilter?.(text);
    this.refilter();
  }

  private setTimeWaitHidden(hidden: boolean): void {
    if (hidden === this.timeWaitHidden) return;
    this.timeWaitHidden = hidden;
    this.table.setView(this.tableView());
  }

  /** Changes mode, toggles, grouping, sort or the DNS switch. */
  setOptions(patch: Partial<ViewOptions>): void {
    const mode = this.options.mode;
    if (patch.group !== undefined && patch.group !== this.options.group) this.activeGroup = null;
    this.options = { ...this.options, ...patch };
    if (patch.timeWait) this.timeWaitHidden = hidesTimeWait(patch.timeWait, this.timeWaitCount, this.total);
    this.config.onOptions?.(encodeOptions(this.options));
    this.refilter();
    if (this.options.mode !== mode) this.keepSelectionShown();
  }

  /**
   * After a mode switch the selection stays on the same socket. A pair shown through one half
   * (the filter let only that one through) may have had its other half selected: in the table,
   * where that half has no row, the shown half is selected instead, so the same connection stays
   * selected and on screen.
   */
  private keepSelectionShown(): void {
    const id = this.selectedId;
    if (id === null || this.lineIndexOf(id) >= 0) return;
    const partner = this.table.get(id)?.row.pairId;
    if (partner && this.lineIndexOf(partner) >= 0) this.select(partner);
  }

  /** Sorts by a column; the same column again reverses the order. */
  sortBy(column: Column): void {
    const { sort } = this.options;
    this.setOptions({ sort: { column, dir: sort.column === column && sort.dir === 'asc' ? 'desc' : 'asc' } });
  }

  /** Opens or closes a group. */
  toggleGroup(key: string): void {
    const next = new Set(this.collapsed);
    if (!next.delete(key)) next.add(key);
    this.collapsed = next;
    this.publish();
  }

  async configure(patch: { paused?: boolean; intervalMs?: number }): Promise<void> {
    try {
      const monitor = await this.api.call('sockets.configure', patch);
      this.paused = monitor.paused;
      this.intervalMs = monitor.intervalMs;
      this.error = null;
    } catch (err) {
      this.error = errorMessage(err);
    }
  }

  togglePause(): Promise<void> {
    return this.configure({ paused: !this.paused });
  }

  /** Selects a row by id (also one the filter hides, e.g. the other half of a pair). */
  select(id: string | null): void {
    this.activeGroup = null;
    this.selectedId = id;
    this.selected = id === null ? null : (this.table.get(id) ?? null);
  }

  /** The socket row each line of the current mode selects (null for group and section heads). */
  private lineIds(): (string | null)[] {
    const selected = this.selectedId;
    return this.options.mode === 'pairs'
      ? this.pairLines.map((l) => lineSocketId(l, selected))
      : this.lines.map((l) => (isHeader(l) ? null : l.row.id));
  }

  /** Moves the selection through the shown lines (heads that are not sockets are skipped). */
  move(delta: number): void {
    const count = this.options.mode === 'pairs' ? this.pairLines.length : this.lines.length;
    if (!count) return;
    const at = this.selectedIndex();
    this.selectLine(at < 0 ? (delta > 0 ? 0 : count - 1) : at + delta, delta > 0 ? 1 : -1);
  }

  /**
   * Selects the socket the line at `index` stands for (clamped to the lines). A head that is no
   * socket (pairs mode's "No listener here") gives way to the nearest socket line past it in the
   * direction of `step`, else back: the keys of the table move through pairs as through rows.
   * Returns the index selected, or -1 when no line is a socket.
   */
  selectLine(index: number, step: 1 | -1): number {
    const ids = this.lineIds();
    if (!ids.length) return -1;
    let i = Math.min(ids.length - 1, Math.max(0, index));
    while (i >= 0 && i < ids.length && ids[i] === null) i += step;
    if (i < 0 || i >= ids.length) i -= step;
    while (i >= 0 && i < ids.length && ids[i] === null) i -= step;
    const id = ids[i];
    if (!id) return -1;
    this.select(id);
    return i;
  }

  /** The role of a row's local end (listener, server or client), from the ports listened on now. */
  role(row: SocketRow): LocalRole {
    return localRole(row, this.listening);
  }

  /**
   * Makes a group heading of the grouped table the active line (the keys' arrows stop on it),
   * without opening or closing it and without changing the selected row (its details stay).
   */
  selectGroup(key: string): void {
    this.activeGroup = key;
  }

  /**
   * Index of the active line: the group heading the keys rest on ({@link activeGroup}), else the
   * line showing the selected row (in pairs mode, the pair holding it); -1 when none is shown.
   */
  selectedIndex(): number {
    if (this.activeGroup !== null && this.options.mode !== 'pairs') {
      const key = this.activeGroup;
      const at = this.lines.findIndex((l) => isHeader(l) && l.key === key);
      if (at >= 0) return at;
    }
    return this.selectedId === null ? -1 : this.lineIndexOf(this.selectedId);
  }

  /** Index of the line showing the socket row `id` in the current mode (pairs: its pair, either end, or its listener), or -1. */
  private lineIndexOf(id: string): number {
    if (this.options.mode === 'pairs') return this.pairLines.findIndex((l) => lineHolds(l, id));
    return this.lines.findIndex((l) => !isHeader(l) && l.row.id === id);
  }

  /** The rows on screen changed: ask for their ports' names and, when on, their hosts' names. */
  visible(lines: readonly Line[]): void {
    const ports = new Set<number>();
    const hosts = new Set<string>();
    for (const line of lines) {
      if (isHeader(line)) {
        if (line.port !== undefined) ports.add(line.port);
        continue;
      }
      ports.add(line.row.localPort);
      if (line.row.remotePort) ports.add(line.row.remotePort);
      hosts.add(line.row.remoteAddress);
    }
    this.askNames(ports, hosts);
  }

  /** The pairs on screen changed: names of their listeners' and servers' ports, and remote hosts. */
  visiblePairs(lines: readonly PairsLine[]): void {
    const ports = new Set<number>();
    const hosts = new Set<string>();
    for (const line of lines) {
      if (line.kind === 'listener') ports.add(line.listener.port);
      if (line.kind !== 'pair') continue;
      ports.add(line.pair.server.port);
      for (const end of [line.pair.client, line.pair.server]) if (!end.here) hosts.add(end.address);
    }
    this.askNames(ports, hosts);
  }

  private askNames(ports: Set<number>, hosts: Set<string>): void {
    this.names.request(ports);
    if (this.options.dns) this.dns.request(hosts);
  }

  /** The shown rows that are still open (what an export writes). */
  exportRows(): SocketRow[] {
    return this.table
      .rows()
      .filter((e) => e.mark !== 'removed')
      .map((e) => e.row);
  }

  /** Every open row, shown or not (the baseline is made of these). */
  allRows(): SocketRow[] {
    return [...this.table.all()].filter((e) => e.mark !== 'removed').map((e) => e.row);
  }
}

/** Records, as a User Timing measure, the time from `start` to the frame that shows the change. */
function measurePaint(start: number): void {
  if (typeof requestAnimationFrame !== 'function' || typeof performance.measure !== 'function') return;
  requestAnimationFrame(() =>
    setTimeout(() => {
      performance.measure(PAINT_MEASURE, { start, end: performance.now() });
      if (performance.getEntriesByName(PAINT_MEASURE).length > 2000) performance.clearMeasures(PAINT_MEASURE);
    }, 0),
  );
}
