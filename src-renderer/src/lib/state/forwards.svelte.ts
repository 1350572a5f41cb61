/**
 * The Forwards view's state: the saved forwards with live state and counters (one
 * `forwards.list`, then `forwards.changed` and `forwards.traffic`), rate sparklines sampled twice a
 * second, connection logs, the new/edit form, SSH host keys waiting for the user's answer, and the
 * delete confirmation. It runs from the start of the app so that a host-key prompt or a failure
 * is never missed while another view is shown.
 */
import type { ForwardInfo, ForwardsChanged, HostKeyPrompt } from '../../../../src-main/contract/forwards.js';
import { errorMessage, problemOf, type Api, type Problem as BaseProblem } from '../api/client.js';
import {
  checkForm,
  decodeRemembered,
  DEFAULT_FORM,
  encodeRemembered,
  fieldOfMessage,
  formFromInfo,
  formFromIntent,
  type ForwardForm,
} from '../forwards/form.js';
import { isRunning, lastTargetError, stateLabel, type StateLabel } from '../forwards/format.js';
import { checkListen, listenTarget, type ListenCheck } from '../forwards/listen-check.js';
import { HostResolver, hostsToResolve, RESOLVE_FIELDS, type ResolveField, type Resolutions } from '../forwards/resolve.js';
import { applyChanged, applyConnection, applyTraffic, closeAll, EMPTY_LOG, logFromList, type ConnectionLog } from '../forwards/model.js';
import { TrafficHistory, type RateSeries } from '../forwards/traffic.js';

/** A failure shown next to what caused it. */
export interface Problem extends BaseProblem {
  /** The forward was saved, and then could not start. */
  afterSave?: boolean;
  /** A new forward that could not start, and so was not saved: the form offers "Save anyway". */
  notStarted?: boolean;
}

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

/** Settings key under which the view remembers the last new forward's kind, listen address and SSH login. */
export const REMEMBER_FORM = 'forwards.form';


export class ForwardsState {
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

  /** The form: closed, a new forward, or editing one (by id). */
  formMode = $state<'closed' | 'new' | 'edit'>('closed');
  /** The forward a link names (a notification's `#/forwards?focus=<id>`): its card is scrolled to and focused. */
  focusedId = $state<string | null>(null);
  editingId = $state<string | null>(null);
  form = $state<ForwardForm>({ ...DEFAULT_FORM });
  /** What the engine answered to the last save or start from the form. */
  formProblem = $state.raw<Problem | null>(null);
  saving = $state(false);
  /** Whether the names typed in the form resolve on this machine (dns.resolve), by field. */
  resolutions = $state.raw<Resolutions>({});
  /** Whether the form's listen port is free on this machine (checked while typing), with the next free port when busy. */
  listenCheck = $state.raw<ListenCheck | null>(null);

  /** SSH host keys waiting for the user's answer, oldest first. */
  hostKeys = $state.raw<readonly HostKeyPrompt[]>([]);
  hostKeyProblem = $state.raw<Problem | null>(null);
  /** The forward the user asked to delete, until confirmed or cancelled. */
  deleting = $state<string | null>(null);
  /** Failures of list actions (start, stop, duplicate...) by forward id. */
  problems = $state.raw<Record<string, Problem>>({});
  /** The outcome of the last import or export, or a failure not tied to one forward. */
  notice = $state.raw<{ tone: 'ok' | 'bad'; message: string } | null>(null);
  /** Forwards with a start or stop under way. */
  pending = $state.raw<ReadonlySet<string>>(new Set());

  readonly editing = $derived(this.editingId ? (this.forwards.find((f) => f.id === this.editingId) ?? null) : null);
  readonly check = $derived(
    checkForm(this.form, {
      takenNames: this.forwards.filter((f) => f.id !== this.editingId).map((f) => f.spec.name),
      secretStored: this.editing?.secretStored ?? false,
    }),
  );

  private remembered: ForwardForm = { ...DEFAULT_FORM };
  private readonly history: TrafficHistory;
  /** When each forward's info arrived (retryInMs counts from then). */
  private readonly receivedAt = new Map<string, number>();
  private pendingChanges: ForwardsChanged[] | null = null;
  private loadSeq = 0;
  private readonly polling = new Set<string>();
  private lastPoll = 0;
  private readonly resolver: HostResolver;
  private listenTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly api: Api,
    readonly options: ForwardsStateOptions = {},
  ) {
    this.history = new TrafficHistory(options.historySize ?? 120);
    this.resolver = new HostResolver(
      async (host) => (await this.api.call('dns.resolve', { host })).addresses,
      (resolutions) => (this.resolutions = resolutions),
    );
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
      this.api.on('forwards.hostKey', (prompt) => this.onHostKey(prompt)),
      this.api.onStatus((status) => {
        if (status === 'connected') void this.load();
      }),
    ];
    const period = this.options.tickMs ?? 500;
    const timer = period > 0 ? setInterval(() => this.tick(), period) : undefined;
    return () => {
      stops.forEach((stop) => stop());
      if (timer) clearInterval(timer);
      this.resolver.clear();
    };
  }

  /** Restores the remembered parts of the new-forward form (kind, listen address, SSH login; never secrets). */
  restore(get: (key: string) => string): void {
    this.remembered = decodeRemembered(get(REMEMBER_FORM));
    if (this.formMode === 'closed') this.form = { ...this.remembered };
  }

  /** Reads every forward; events that arrive meanwhile are applied after it. */
  async load(): Promise<void> {
    const seq = ++this.loadSeq;
    this.pendingChanges = [];
    try {
      const state = await this.api.call('forwards.list', {});
      if (seq !== this.loadSeq) return;
      let list: ForwardInfo[] = state.forwards;
      for (const change of this.pendingChanges ?? []) list = applyChanged(list, change);
      this.pendingChanges = null;
      const at = Date.now();
      for (const f of list) this.receivedAt.set(f.id, at);
      this.forwards = list;
      this.file = { path: state.path, ...(state.problem ? { problem: state.problem } : {}) };
      this.loaded = true;
      this.error = null;
    } catch (err) {
      if (seq === this.loadSeq) {
        this.pendingChanges = null;
        this.error = `Could not read the forwards: ${errorMessage(err)}`;
      }
    }
  }

  /** Applies forwards.changed. */
  onChanged(change: ForwardsChanged): void {
    if (this.pendingChanges) {
      this.pendingChanges.push(change);
      return;
    }
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
    this.hostKeys = this.hostKeys.filter((k) => !gone.has(k.forwardId));
    if (this.editingId && gone.has(this.editingId)) this.closeForm();
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

  // --- the form -------------------------------------------------------------------------------

  /** Opens the form for a new forward, from the remembered defaults and an optional prefill. */
  openNew(prefill: Partial<ForwardForm> = {}): void {
    this.form = { ...this.remembered, ...prefill, password: '', passphrase: '' };
    this.editingId = null;
    this.formMode = 'new';
    this.formProblem = null;
    this.resolveForm();
    this.checkListenSoon(0);
  }

  /** Opens the form for a new forward filled from another view's link (target host/port, listen port, proto). */
  openFromIntent(params: Record<string, string>): void {
    // A notification about a forward shows that forward, not a new form.
    if (params.focus) {
      this.focusedId = params.focus;
      return;
    }
    this.openNew(formFromIntent(params, this.remembered));
  }

  /** Opens the form on a saved forward. */
  openEdit(id: string): void {
    const info = this.forwards.find((f) => f.id === id);
    if (!info) return;
    this.form = formFromInfo(info);
    this.editingId = id;
    this.formMode = 'edit';
    this.formProblem = null;
    this.resolveForm();
    this.checkListenSoon(0);
  }

  closeForm(): void {
    this.formMode = 'closed';
    this.editingId = null;
    this.formProblem = null;
    // Secrets typed in the form do not outlive it.
    this.form = { ...this.form, password: '', passphrase: '' };
    this.resolver.clear();
    if (this.listenTimer) clearTimeout(this.listenTimer);
    this.listenCheck = null;
  }

  setForm(patch: Partial<ForwardForm>): void {
    const listenChanged = (['kind', 'listenHost', 'listenPort'] as const).some((k) => k in patch && patch[k] !== this.form[k]);
    this.form = { ...this.form, ...patch };
    this.formProblem = null;
    this.resolveForm();
    if (listenChanged) this.checkListenSoon(this.options.bindCheckDelayMs ?? 250);
  }

  /** Records the names the form holds; they are looked up on leaving the field or on save, never while typing. */
  private resolveForm(): void {
    this.resolver.request(hostsToResolve(this.form));
  }

  /** Looks up a host field's name (the user left the field): a warning under it when it does not resolve. */
  resolveField(field: ResolveField): Promise<void> {
    return this.resolver.lookupNow(field);
  }

  /** Puts the offered free port in the form. */
  useListenPort(port: number): void {
    this.setForm({ listenPort: String(port) });
  }

  /** Checks the listen socket after a pause in typing (a bind attempt on this machine only). */
  private checkListenSoon(delayMs: number): void {
    if (this.listenTimer) clearTimeout(this.listenTimer);
    const target = listenTarget(this.form, this.formMode === 'edit' ? this.editing : null);
    if (!target) {
      this.listenCheck = null;
      return;
    }
    if (this.listenCheck?.key !== target.key) this.listenCheck = { key: target.key, status: 'checking', message: '' };
    this.listenTimer = setTimeout(() => void this.runListenCheck(), delayMs);
  }

  private async runListenCheck(): Promise<void> {
    const target = listenTarget(this.form, this.formMode === 'edit' ? this.editing : null);
    if (!target) return;
    let result: ListenCheck | null;
    try {
      result = await checkListen(target, (query) => this.api.call('dictionary.bindCheck', query));
    } catch {
      // No verdict (the engine is gone...): show nothing rather than a wrong one; saving still tells.
      result = null;
    }
    if (this.formMode === 'closed' || listenTarget(this.form, this.formMode === 'edit' ? this.editing : null)?.key !== target.key) return;
    this.listenCheck = result;
  }

  /** True while a host name of the form is known not to resolve. */
  private get anyUnresolved(): boolean {
    return RESOLVE_FIELDS.some((f) => this.resolutions[f]?.status === 'unresolved');
  }

  /**
   * Saves the form. Names not yet looked up are looked up first; one found not to resolve stops
   * this save so the warning is seen (saving again goes ahead). A new forward to start now is
   * saved only if it starts (`onlyIfStarted`): a busy port leaves nothing saved, the form stays
   * "New" with the engine's sentence, and {@link saveAnyway} saves it stopped. An edited forward
   * is saved, then started when asked; if it cannot start, the form stays open with the reason.
   */
  async submit(): Promise<ForwardInfo | null> {
    if (!this.check.spec || this.saving) return null;
    this.saving = true;
    const warnedBefore = this.anyUnresolved;
    await this.resolver.lookupNow();
    const { spec, secrets } = this.check;
    if (!spec || (!warnedBefore && this.anyUnresolved)) {
      this.saving = false;
      return null;
    }
    const editing = this.formMode === 'edit' ? this.editingId : null;
    let info: ForwardInfo;
    try {
      info = editing
        ? await this.api.call('forwards.update', { id: editing, spec, ...(secrets ? { secrets } : {}) })
        : await this.api.call('forwards.create', {
            spec,
            start: this.form.startNow,
            save: true,
            onlyIfStarted: this.form.startNow,
            ...(secrets ? { secrets } : {}),
          });
    } catch (err) {
      this.formProblem = { ...problemOf(err), ...(!editing && this.form.startNow && isStartFailure(err) ? { notStarted: true } : {}) };
      this.saving = false;
      return null;
    }
    this.upsert(info);
    if (!editing) this.rememberForm();
    try {
      if (editing && this.form.startNow && !isRunning(info)) info = await this.api.call('forwards.start', { id: info.id });
      this.upsert(info);
      this.clearProblem(info.id);
      this.closeForm();
      return info;
    } catch (err) {
      // Saved, not started: keep the form open on the saved forward with the reason.
      this.form = { ...this.form, password: '', passphrase: '' };
      this.formProblem = { ...problemOf(err), afterSave: true };
      return null;
    } finally {
      this.saving = false;
    }
  }

  /** Saves a new forward that could not start, stopped, as the user asked ("Save anyway"). */
  async saveAnyway(): Promise<ForwardInfo | null> {
    const { spec, secrets } = this.check;
    if (!spec || this.saving || this.formMode !== 'new') return null;
    this.saving = true;
    try {
      const info = await this.api.call('forwards.create', { spec, start: false, save: true, ...(secrets ? { secrets } : {}) });
      this.upsert(info);
      this.rememberForm();
      this.closeForm();
      return info;
    } catch (err) {
      this.formProblem = problemOf(err);
      return null;
    } finally {
      this.saving = false;
    }
  }

  private rememberForm(): void {
    this.remembered = { ...this.remembered, ...decodeRemembered(encodeRemembered(this.form)) };
    this.options.onRemember?.(REMEMBER_FORM, encodeRemembered(this.form));
  }

  /** The form field an engine error names (to mark it), if any. */
  get problemField() {
    return this.formProblem?.code === 'INVALID_INPUT' ? fieldOfMessage(this.formProblem.message) : undefined;
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

  // --- SSH host keys ---------------------------------------------------------------------------

  private onHostKey(prompt: HostKeyPrompt): void {
    const same = (k: HostKeyPrompt) => k.forwardId === prompt.forwardId;
    this.hostKeys = [...this.hostKeys.filter((k) => !same(k)), prompt];
  }

  /** Trusts the first waiting host key (saved in Portolan's known_hosts); the engine restarts the forward. */
  async acceptHostKey(): Promise<void> {
    const prompt = this.hostKeys[0];
    if (!prompt) return;
    try {
      const info = await this.api.call('forwards.hostKey.accept', { forwardId: prompt.forwardId, fingerprint: prompt.fingerprint });
      this.upsert(info);
      this.hostKeys = this.hostKeys.filter((k) => k !== prompt);
      this.hostKeyProblem = null;
    } catch (err) {
      this.hostKeyProblem = problemOf(err);
    }
  }

  /** Refuses the first waiting host key: nothing is trusted; the forward stays failed. */
  rejectHostKey(): void {
    this.hostKeys = this.hostKeys.slice(1);
    this.hostKeyProblem = null;
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

/** Errors of starting (the socket or the SSH server), as opposed to a refused spec or a file that cannot be written. */
const isStartFailure = (err: unknown): boolean => {
  const code = (err as { code?: string }).code;
  return code !== 'INVALID_INPUT' && code !== 'INTERNAL' && code !== 'DISCONNECTED' && code !== 'UNKNOWN_CALL';
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
