/**
 * The Scanner view's state: the form and its check, the scan started here (followed through
 * `scan.progress` and `scan.found`), a saved scan opened from the history, profiles, the diff of
 * two scans, and exports. It runs from the start of the app, so a scan keeps being followed while
 * the user is in another view, and the scan of a reloaded window is picked up again.
 */
import type {
  ExportFormat,
  PortResult,
  PortState,
  ScanDiff,
  ScanExport,
  ScanProfile,
  ScanProgress,
  ScanSpecInput,
  ScanSummary,
} from '../../../../src-main/contract/scan.js';
import { errorMessage, problemOf, type Api, type Problem } from '../api/client.js';
import { checkForm, decodeForm, DEFAULT_FORM, encodeForm, formFromIntent, formFromProfile, profileFromForm, type ScanForm } from '../scan/form.js';
import { inOrder } from '../scan/history.js';
import { applyProgress, buildRows, fromInfo, fromResults, isFinal, mergeFound, type ScanModel } from '../scan/results.js';

/** A failure shown next to what caused it. */
/** A failed call as this view keeps it (one definition, in the API client). */
export type { Problem };

/** A start the engine wants confirmed: the spec to send again, and its sentence naming the hosts. */
export interface PendingConfirm {
  spec: ScanSpecInput;
  message: string;
}

export interface ScanStateOptions {
  /** Told of form settings and filters to remember (key, encoded value). */
  onRemember?: (key: string, value: string) => void;
}

/** Settings keys under which the view remembers its form and the scan it follows. */
export const REMEMBER = { form: 'scan.form', current: 'scan.current' } as const;

/** The panes of the view's right side. */
export type ScanTab = 'results' | 'history' | 'compare';

/** States listed in the results table by default: every non-closed one. */
export const DEFAULT_SHOWN: ReadonlySet<PortState> = new Set<PortState>(['open', 'open|filtered', 'filtered', 'error']);


type Early = { kind: 'progress'; p: ScanProgress } | { kind: 'found'; id: string; results: PortResult[] };

export class ScanState {
  form = $state<ScanForm>({ ...DEFAULT_FORM });
  readonly check = $derived(checkForm(this.form));
  /** The scan started (or picked up) here. */
  live = $state.raw<ScanModel | null>(null);
  /** A saved scan opened from the history, shown instead of the live one. */
  opened = $state.raw<ScanModel | null>(null);
  readonly model = $derived(this.opened ?? this.live);
  readonly running = $derived(!!this.live && !isFinal(this.live.info.state));
  shown = $state.raw<ReadonlySet<PortState>>(DEFAULT_SHOWN);
  readonly rows = $derived(this.model ? buildRows(this.model, this.shown) : []);
  tab = $state<ScanTab>('results');

  busy = $state<'start' | 'pause' | 'resume' | 'cancel' | null>(null);
  startProblem = $state.raw<Problem | null>(null);
  confirm = $state.raw<PendingConfirm | null>(null);
  /** The last failure of an action on a scan (pause, export, delete, open…). */
  notice = $state<string | null>(null);

  history = $state.raw<ScanSummary[]>([]);
  historyLoaded = $state(false);
  /** A damaged history file the engine moved aside, or a failure to read the history. */
  historyProblem = $state<string | null>(null);

  profiles = $state.raw<ScanProfile[]>([]);
  profilesProblem = $state<string | null>(null);

  compareA = $state<string>('');
  compareB = $state<string>('');
  diff = $state.raw<ScanDiff | null>(null);
  diffProblem = $state<string | null>(null);
  diffBusy = $state(false);

  /** The user or a link changed the form: remembered settings must not overwrite it. */
  private formTouched = false;
  /** Events that came while scan.start was on its way (their scan id is not known yet). */
  private early: Early[] | null = null;
  private resultsSeq = 0;

  constructor(
    readonly api: Api,
    readonly options: ScanStateOptions = {},
  ) {}

  /** Starts following the engine's events; returns a stop function. */
  start(): () => void {
    const stops = [
      this.api.on('scan.progress', (p) => this.onProgress(p)),
      this.api.on('scan.found', (f) => this.onFound(f.id, f.results)),
      this.api.onStatus((status) => {
        if (status !== 'connected') return;
        void this.loadHistory();
        void this.loadProfiles();
        // Events sent while the link was down are lost: read the followed scan again.
        if (this.live && !isFinal(this.live.info.state)) void this.refreshLive(this.live.info.id);
      }),
    ];
    return () => stops.forEach((stop) => stop());
  }

  /** Restores remembered forms once settings are loaded, and picks up the scan followed before a reload. */
  restore(get: (key: string) => string): void {
    const form = get(REMEMBER.form);
    if (form && !this.formTouched) this.form = decodeForm(form);
    const current = get(REMEMBER.current);
    if (current && !this.live) void this.refreshLive(current);
  }

  setForm(patch: Partial<ScanForm>): void {
    this.form = { ...this.form, ...patch };
    this.formTouched = true;
    this.startProblem = null;
  }

  /** Fills the form from a link (`#/scan?target=…&ports=…&proto=…`). */
  applyIntent(params: Record<string, string>): void {
    this.setForm(formFromIntent(this.form, params));
  }

  /** Starts a scan from the form; a public target first asks (see {@link confirm}). */
  async submit(): Promise<boolean> {
    const spec = this.check.spec;
    if (!spec) return false;
    return this.begin(spec);
  }

  /** The user accepted scanning the hosts the engine named: start again with confirmPublic. */
  async acceptConfirm(): Promise<boolean> {
    const pending = this.confirm;
    if (!pending) return false;
    this.confirm = null;
    return this.begin({ ...pending.spec, confirmPublic: true });
  }

  dismissConfirm(): void {
    this.confirm = null;
  }

  private async begin(spec: ScanSpecInput): Promise<boolean> {
    if (this.busy === 'start' || this.running) return false;
    this.busy = 'start';
    this.startProblem = null;
    this.early = [];
    try {
      const info = await this.api.call('scan.start', spec);
      let model = fromInfo(info);
      for (const e of this.early) {
        if (e.kind === 'found' && e.id === info.id) model = mergeFound(model, e.results);
        if (e.kind === 'progress' && e.p.id === info.id) model = applyProgress(model, e.p);
      }
      this.early = null;
      // A read of an older scan still on its way must not replace this one.
      this.resultsSeq++;
      this.live = model;
      this.opened = null;
      this.tab = 'results';
      this.options.onRemember?.(REMEMBER.form, encodeForm(this.form));
      this.options.onRemember?.(REMEMBER.current, info.id);
      if (isFinal(model.info.state)) void this.finished(info.id);
      return true;
    } catch (err) {
      const problem = problemOf(err);
      if (problem.code === 'CONFIRM_REQUIRED') this.confirm = { spec, message: problem.message };
      else this.startProblem = problem;
      return false;
    } finally {
      this.early = null;
      this.busy = null;
    }
  }

  onProgress(p: ScanProgress): void {
    if (this.early && this.live?.info.id !== p.id) {
      this.early.push({ kind: 'progress', p });
      return;
    }
    if (!this.live || this.live.info.id !== p.id) return;
    const wasFinal = isFinal(this.live.info.state);
    this.live = applyProgress(this.live, p);
    if (isFinal(p.state) && !wasFinal) void this.finished(p.id);
  }

  onFound(id: string, results: PortResult[]): void {
    if (this.early && this.live?.info.id !== id) {
      this.early.push({ kind: 'found', id, results });
      return;
    }
    if (this.live?.info.id === id) this.live = mergeFound(this.live, results);
  }

  /** A scan ended: read its saved record (exact counts per host) and the history it joined. */
  private async finished(id: string): Promise<void> {
    await this.refreshLive(id);
    await this.loadHistory();
  }

  /** Reads a scan's whole state into the live model (after a reload, a reconnect, or its end). */
  private async refreshLive(id: string): Promise<void> {
    const seq = ++this.resultsSeq;
    try {
      const scan = await this.api.call('scan.results', { id });
      if (seq !== this.resultsSeq || (this.live && this.live.info.id !== id)) return;
      // Events that came meanwhile are already in this answer, which is newer.
      this.live = fromResults(scan);
    } catch (err) {
      if (seq !== this.resultsSeq) return;
      // A remembered scan deleted since: forget it quietly.
      if (problemOf(err).code === 'NOT_FOUND') this.options.onRemember?.(REMEMBER.current, '');
      else this.notice = `Could not read the scan's results: ${errorMessage(err)}`;
    }
  }

  /** Pauses, resumes or cancels the live scan. */
  async control(action: 'pause' | 'resume' | 'cancel'): Promise<void> {
    const live = this.live;
    if (!live || isFinal(live.info.state) || this.busy) return;
    this.busy = action;
    this.notice = null;
    try {
      const ref = { id: live.info.id };
      const info = await (action === 'pause' ? this.api.call('scan.pause', ref) : action === 'resume' ? this.api.call('scan.resume', ref) : this.api.call('scan.cancel', ref));
      if (this.live?.info.id === info.id && !isFinal(this.live.info.state)) {
        this.live = { ...this.live, info: { ...this.live.info, state: info.state, done: info.done, open: info.open, rate: info.rate, etaMs: info.etaMs } };
        if (isFinal(info.state)) void this.finished(info.id);
      }
    } catch (err) {
      this.notice = `Could not ${action} the scan: ${errorMessage(err)}`;
    } finally {
      this.busy = null;
    }
  }

  /** Shows a saved scan from the history (the live one keeps being followed). */
  async open(id: string): Promise<void> {
    this.notice = null;
    if (this.live?.info.id === id) {
      this.opened = null;
      this.tab = 'results';
      return;
    }
    try {
      this.opened = fromResults(await this.api.call('scan.results', { id }));
      this.tab = 'results';
    } catch (err) {
      this.notice = `Could not open the scan: ${errorMessage(err)}`;
    }
  }

  /** Back from a saved scan to the live one. */
  closeOpened(): void {
    this.opened = null;
  }

  /** Puts a shown scan's settings back in the form (to run it again). */
  reuse(model: ScanModel): void {
    const s = model.info.spec;
    this.setForm({ targets: s.targets, ports: s.ports, protocol: s.protocol, serviceDetection: s.serviceDetection, timing: s.timing, rateLimit: s.rateLimit ? String(s.rateLimit) : '' });
  }

  async loadHistory(): Promise<void> {
    try {
      const history = await this.api.call('scan.history', {});
      this.history = history.scans;
      this.historyProblem = history.problem ?? null;
      this.historyLoaded = true;
    } catch (err) {
      this.historyProblem = `Could not read the history of scans: ${errorMessage(err)}`;
    }
  }

  /** Deletes a saved scan (and stops showing it). */
  /** Deletes several saved scans (old ones, among those the history filter shows); says how many went. */
  async removeMany(ids: readonly string[]): Promise<void> {
    this.notice = null;
    let deleted = 0;
    for (const id of ids) {
      try {
        await this.api.call('scan.delete', { id });
        deleted++;
      } catch (err) {
        this.notice = `Deleted ${deleted} of ${ids.length} scans; then: ${errorMessage(err)}`;
        break;
      }
    }
    const gone = new Set(ids.slice(0, deleted));
    if (this.opened && gone.has(this.opened.info.id)) this.opened = null;
    if (gone.has(this.compareA)) this.compareA = '';
    if (gone.has(this.compareB)) this.compareB = '';
    if (this.diff && (gone.has(this.diff.a) || gone.has(this.diff.b))) this.diff = null;
    await this.loadHistory();
  }

  async remove(id: string): Promise<void> {
    this.notice = null;
    try {
      await this.api.call('scan.delete', { id });
      if (this.opened?.info.id === id) this.opened = null;
      if (this.live?.info.id === id) {
        this.live = null;
        this.options.onRemember?.(REMEMBER.current, '');
      }
      if (this.compareA === id) this.compareA = '';
      if (this.compareB === id) this.compareB = '';
      if (this.diff && (this.diff.a === id || this.diff.b === id)) this.diff = null;
      await this.loadHistory();
    } catch (err) {
      this.notice = `Could not delete the scan: ${errorMessage(err)}`;
    }
  }

  /** A scan as a file to download, or null (the notice says why). */
  async exportScan(id: string, format: ExportFormat): Promise<ScanExport | null> {
    this.notice = null;
    try {
      return await this.api.call('scan.export', { id, format });
    } catch (err) {
      this.notice = `Could not export the scan: ${errorMessage(err)}`;
      return null;
    }
  }

  /** Picks two scans to compare and compares them (earlier first). */
  async compare(x: string, y: string): Promise<void> {
    this.compareA = x;
    this.compareB = y;
    this.tab = 'compare';
    this.diff = null;
    this.diffProblem = null;
    const sx = this.history.find((s) => s.id === x);
    const sy = this.history.find((s) => s.id === y);
    if (!sx || !sy) {
      this.diffProblem = 'Choose two saved scans to compare.';
      return;
    }
    const [a, b] = inOrder(sx, sy);
    this.diffBusy = true;
    try {
      this.diff = await this.api.call('scan.diff', { a: a.id, b: b.id });
    } catch (err) {
      this.diffProblem = errorMessage(err);
    } finally {
      this.diffBusy = false;
    }
  }

  /** Shows or hides the ports of one state in the results table. */
  toggleState(state: PortState): void {
    const next = new Set(this.shown);
    if (next.has(state)) next.delete(state);
    else next.add(state);
    this.shown = next;
  }

  async loadProfiles(): Promise<void> {
    try {
      const list = await this.api.call('scan.profiles.list', {});
      this.profiles = list.profiles;
      this.profilesProblem = list.problem ?? null;
    } catch (err) {
      this.profilesProblem = `Could not read the scan profiles: ${errorMessage(err)}`;
    }
  }

  /** Saves the form as a profile (replacing one of the same name). */
  async saveProfile(name: string): Promise<boolean> {
    try {
      const list = await this.api.call('scan.profiles.save', profileFromForm(name, this.form));
      this.profiles = list.profiles;
      this.profilesProblem = list.problem ?? null;
      return true;
    } catch (err) {
      this.profilesProblem = `Could not save the profile: ${errorMessage(err)}`;
      return false;
    }
  }

  /** Fills the form from a saved profile. */
  useProfile(name: string): void {
    const profile = this.profiles.find((p) => p.name === name);
    if (profile) this.setForm(formFromProfile(profile));
  }

  async deleteProfile(name: string): Promise<void> {
    try {
      const list = await this.api.call('scan.profiles.delete', { name });
      this.profiles = list.profiles;
      this.profilesProblem = list.problem ?? null;
    } catch (err) {
      this.profilesProblem = `Could not delete the profile: ${errorMessage(err)}`;
    }
  }
}
