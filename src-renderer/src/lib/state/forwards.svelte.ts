/**
 * The Forwards view's state: the saved forwards with live state and counters (one
 * `forwards.list`, then `forwards.changed` and `forwards.traffic`), rate sparklines sampled twice a
 * second, connection logs, and the delete confirmation. The new/edit form (`editor`,
 * forward-editor.svelte.ts) and the SSH host keys waiting for an answer (`hostKeys`,
 * host-key-queue.svelte.ts) live in their own classes. It runs from the start of the app so that a
 * host-key prompt or a failure is never missed while another view is shown.
 */
import type { ForwardInfo, ForwardsChanged } from '../../../../src-main/contract/forwards.js';
import { errorMessage, problemOf, type Api, type Problem } from '../api/client.js';
import { isRunning, lastTargetError, stateLabel, type StateLabel } from '../forwards/format.js';
import { applyChanged, applyConnection, applyTraffic, closeAll, EMPTY_LOG, logFromList, type ConnectionLog } from '../forwards/model.js';
import { TrafficHistory, type RateSeries } from '../forwards/traffic.js';
import { ForwardEditor, type EditedList } from './forward-editor.svelte.js';
import { HostKeyQueue } from './host-key-queue.svelte.js';
import { SnapshotSync } from './snapshot-sync.js';
import type { CallOutput } from '../../../../src-main/contract/api.js';

/** The answer of forwards.list. */
type ForwardsList = CallOutput<'forwards.list'>;

export { REMEMBER_FORM, type FormProblem } from './forward-editor.svelte.js';

export interface ForwardsStateOptions {
  /** Told of form settings and filters to remember (key, encoded value). */
  onRemember?: (key: string, value: string) => void;
  /** Sampling period of the sparklines and the retry countdown, ms (default 500; 0: the caller drives `tick`, as tests do). */
  tickMs?: number;
  /** Samples kept per sparkline (default 120: a minute at the default period). */
  historySize?: number;
  /** Pause in typing before the listen port is checked (a bind attempt on this machine), ms (default 250). */
  bindCheckDelayMs?: number;
}

export class ForwardsState implements EditedList {
  forwards = $state.raw<readonly ForwardInfo[]>([]);
  loaded = $state(false);
  /** Reading the list failed. */
  error = $state<string | null>(null);
  /** Where the profiles are saved, and a problem the engine found reading them. */
  file = $state<{ path: string; problem?: string } | null>(null);
  /** Rate series per forward id, for the sparklines. */
  rates = $state.raw<Record<string, RateSeries>>({});
  /** Connection logs per forward id. */
  logs = $state.raw<Record<string, ConnectionLog>>({});
  /** Forwards whose connection log is shown. */
  expanded = $state.raw<ReadonlySet<string>>(new Set());
  /** The clock of countdowns ("retrying in 3s"), moved once per tick. */
  now = $state(Date.now());

  /** The forward a link names (a notification's `#/forwards?focus=<id>`): its card is scrolled to and focused. */
  focusedId = $state<string | null>(null);
  /** The forward the user asked to delete, until confirmed or cancelled. */
  deleting = $state<string | null>(null);
  /** Failures of list actions (start, stop, duplicate...) by forward id. */
  problems = $state.raw<Record<string, Problem>>({});
  /** The outcome of the last import or export, or a failure not tied to one forward. */
  notice = $state.raw<{ tone: 'ok' | 'bad'; message: string } | null>(null);
  /** Forwards with a start or stop under way. */
  pending = $state.raw<ReadonlySet<string>>(new Set());

  /** The new/edit form. */
  readonly editor: ForwardEditor;
  /** SSH host keys waiting for the user's answer. */
  readonly hostKeys: HostKeyQueue;

  private readonly history: TrafficHistory;
  /** When each forward's info arrived (retryInMs counts from then). */
  private readonly receivedAt = new Map<string, number>();
  /** The list call, with the changes that cross it held back until its answer is in. */
  private readonly sync: SnapshotSync<ForwardsList, ForwardsChanged>;
  private readonly polling = new Set<string>();
  private lastPoll = 0;

  constructor(
    readonly api: Api,
    readonly options: ForwardsStateOptions = {},
  ) {
    this.history = new TrafficHistory(options.historySize ?? 120);
    this.editor = new ForwardEditor(api, this, options);
    this.hostKeys = new HostKeyQueue(api, (info) => this.upsert(info));
    this.sync = new SnapshotSync({
      read: () => this.api.call('forwards.list', {}),
      adopt: (state, crossed) => this.adopt(state, crossed),
      apply: (change) => this.applyChange(change),
      fail: (err) => {
        this.error = `Could not read the forwards: ${errorMessage(err)}`;
      },
    });
  }

  /** Samples per sparkline. */
  get historySize(): number {
    return this.history.capacity;
  }

  /** Seconds a sparkline spans. */
  get historySeconds(): number {
    return Math.round((this.history.capacity * (this.options.tickMs || 500)) / 1000);
  }

  /** Starts following the engine's events; returns a stop function. */
  start(): () => void {
    const stops = [
      this.api.on('forwards.changed', (change) => this.onChanged(change)),
      this.api.on('forwards.traffic', (traffic) => {
        this.forwards = applyTraffic(this.forwards, traffic);
      }),
      this.api.on('forwards.connection', (event) => {
        const id = event.connection.forwardId;
        this.logs = { ...this.logs, [id]: applyConnection(this.logs[id] ?? EMPTY_LOG, event) };
      }),
      this.api.on('forwards.hostKey', (prompt) => this.hostKeys.add(prompt)),
      this.sync.reloadOnConnect(this.api),
    ];
    const period = this.options.tickMs ?? 500;
    const timer = period > 0 ? setInterval(() => this.tick(), period) : undefined;
    return () => {
      stops.forEach((stop) => stop());
      if (timer) clearInterval(timer);
      this.editor.stop();
    };
  }

  /** Reads every forward; events that arrive meanwhile are applied after it. */
  load(): Promise<void> {
    return this.sync.load();
  }

  /** Applies forwards.changed (held back while a load is on its way). */
  onChanged(change: ForwardsChanged): void {
    this.sync.push(change);
  }

  /** Takes the list call's answer, with the changes that crossed it folded in. */
  private adopt(state: ForwardsList, crossed: ForwardsChanged[]): void {
    let list: ForwardInfo[] = state.forwards;
    for (const change of crossed) list = applyChanged(list, change);
    const at = Date.now();
    for (const f of list) this.receivedAt.set(f.id, at);
    this.forwards = list;
    this.file = { path: state.path, ...(state.problem ? { problem: state.problem } : {}) };
    this.loaded = true;
    this.error = null;
  }

  /** One change while no load is on its way: the list, then the logs, rates and dialogs of what halted or went. */
  private applyChange(change: ForwardsChanged): void {
    const at = Date.now();
    for (const f of change.forwards) this.receivedAt.set(f.id, at);
    this.forwards = applyChanged(this.forwards, change);
    const halted = change.forwards.filter((f) => !isRunning(f) && this.logs[f.id]?.open.length);
    if (halted.length) this.logs = { ...this.logs, ...Object.fromEntries(halted.map((f) => [f.id, closeAll(this.logs[f.id]!, at)])) };
    if (!change.removed.length) return;
    for (const id of change.removed) {
      this.receivedAt.delete(id);
      this.history.forget(id);
    }
    const gone = new Set(change.removed);
    const keep = <T>(record: Record<string, T>) => Object.fromEntries(Object.entries(record).filter(([id]) => !gone.has(id)));
    this.logs = keep(this.logs);
    this.rates = keep(this.rates);
    this.problems = keep(this.problems);
    if ([...this.expanded].some((id) => gone.has(id))) this.expanded = new Set([...this.expanded].filter((id) => !gone.has(id)));
    this.hostKeys.forget(gone);
    this.editor.forget(gone);
    if (this.deleting && gone.has(this.deleting)) this.deleting = null;
  }

  /** Once per period (500 ms by default): a sparkline sample per running forward, the countdown clock, live bytes of shown connections. */
  tick(at = Date.now()): void {
    this.now = at;
    this.rates = this.history.sample(
      this.forwards.map((f) => ({ id: f.id, bytesIn: f.bytesIn, bytesOut: f.bytesOut, running: isRunning(f), startedAt: f.startedAt })),
      at,
    );
    // Live bytes of shown connections, once a second at most.
    if (at - this.lastPoll < 1000) return;
    this.lastPoll = at;
    for (const id of this.expanded) {
      const info = this.forwards.find((f) => f.id === id);
      if (info && (info.activeConnections > 0 || this.logs[id]?.open.length)) void this.refreshConnections(id);
    }
  }

  /** The state in words, with the retry countdown at the current clock. */
  stateOf(info: ForwardInfo): StateLabel {
    return stateLabel(info, this.now - (this.receivedAt.get(info.id) ?? this.now), lastTargetError(this.logs[info.id]?.closed ?? []));
  }

  /**
   * Follows another view's link: a notification about a forward (`focus`) shows that forward's
   * card; anything else ("forward this port") opens the new-forward form filled from it.
   */
  openFromIntent(params: Record<string, string>): void {
    if (params.focus) this.focusedId = params.focus;
    else this.editor.openFromIntent(params);
  }

  // --- the list -------------------------------------------------------------------------------

  /** Starts a stopped (or failed) forward, stops a running one. */
  toggle(id: string): Promise<void> {
    const info = this.forwards.find((f) => f.id === id);
    if (!info) return Promise.resolve();
    return isRunning(info) ? this.stopForward(id) : this.startForward(id);
  }

  /** Starts a forward; a failure (busy port naming its holder...) shows on its card. */
  startForward(id: string): Promise<void> {
    return this.act(id, () => this.api.call('forwards.start', { id }));
  }

  /** Stops a forward and closes its connections. */
  stopForward(id: string): Promise<void> {
    return this.act(id, () => this.api.call('forwards.stop', { id }));
  }

  /** Copies a forward into a new stopped one (listen port 0 for local kinds). */
  duplicate(id: string): Promise<void> {
    return this.act(id, () => this.api.call('forwards.duplicate', { id }));
  }

  askDelete(id: string): void {
    this.deleting = id;
  }

  cancelDelete(): void {
    this.deleting = null;
  }

  /** Deletes the forward the user confirmed (with its stored secrets). */
  async confirmDelete(): Promise<void> {
    const id = this.deleting;
    if (!id) return;
    this.deleting = null;
    try {
      await this.api.call('forwards.delete', { id });
      this.onChanged({ forwards: [], removed: [id] });
    } catch (err) {
      this.problems = { ...this.problems, [id]: problemOf(err) };
    }
  }

  /** Shows or hides a forward's connections; showing reads its log from the engine. */
  async toggleConnections(id: string): Promise<void> {
    const next = new Set(this.expanded);
    if (next.has(id)) {
      next.delete(id);
      this.expanded = next;
      return;
    }
    next.add(id);
    this.expanded = next;
    await this.refreshConnections(id);
  }

  /** Reads a forward's connections (live bytes of open ones, recent closed ones). */
  async refreshConnections(id: string): Promise<void> {
    if (this.polling.has(id)) return;
    this.polling.add(id);
    try {
      const { connections } = await this.api.call('forwards.connections', { id });
      if (this.forwards.some((f) => f.id === id)) this.logs = { ...this.logs, [id]: logFromList(connections) };
    } catch (err) {
      this.problems = { ...this.problems, [id]: problemOf(err) };
    } finally {
      this.polling.delete(id);
    }
  }

  /** A forward's connections, open ones first. */
  connectionsOf(id: string): ConnectionLog {
    return this.logs[id] ?? EMPTY_LOG;
  }

  /** The export document as JSON text (specs only: no ids, no secrets), or null after a failure (in `notice`). */
  async exportJson(): Promise<string | null> {
    try {
      const doc = await this.api.call('forwards.export', {});
      this.notice = { tone: 'ok', message: `Exported ${plural(doc.forwards.length, 'forward')} (without passwords or passphrases).` };
      return `${JSON.stringify(doc, null, 2)}\n`;
    } catch (err) {
      this.notice = { tone: 'bad', message: `Could not export: ${errorMessage(err)}` };
      return null;
    }
  }

  /** Imports an export document's text; the new forwards arrive stopped, names made unique. */
  async importJson(text: string, fileName = 'the file'): Promise<ForwardInfo[]> {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      this.notice = { tone: 'bad', message: `${fileName} is not JSON (${errorMessage(err)}); choose a file made by Export.` };
      return [];
    }
    try {
      const { imported } = await this.api.call('forwards.import', doc as never);
      for (const info of imported) this.upsert(info);
      this.notice = {
        tone: 'ok',
        message: imported.length
          ? `Imported ${plural(imported.length, 'forward')}, stopped: ${imported.map((f) => f.spec.name).join(', ')}.`
          : `${fileName} holds no forwards.`,
      };
      return imported;
    } catch (err) {
      this.notice = { tone: 'bad', message: `Could not import ${fileName}: ${errorMessage(err)}` };
      return [];
    }
  }

  dismissNotice(): void {
    this.notice = null;
  }

  // --- helpers ---------------------------------------------------------------------------------

  private async act(id: string, call: () => Promise<ForwardInfo>): Promise<void> {
    if (this.pending.has(id)) return;
    this.pending = new Set([...this.pending, id]);
    try {
      this.upsert(await call());
      this.clearProblem(id);
    } catch (err) {
      this.problems = { ...this.problems, [id]: problemOf(err) };
    } finally {
      this.pending = new Set([...this.pending].filter((p) => p !== id));
    }
  }

  /** A forward the form saved or started: shown as the engine answered it, its old failure cleared. */
  saved(info: ForwardInfo): void {
    this.upsert(info);
    this.clearProblem(info.id);
  }

  private upsert(info: ForwardInfo): void {
    this.receivedAt.set(info.id, Date.now());
    this.forwards = applyChanged(this.forwards, { forwards: [info], removed: [] });
  }

  private clearProblem(id: string): void {
    if (!(id in this.problems)) return;
    const { [id]: _done, ...rest } = this.problems;
    this.problems = rest;
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
