/**
 * The Knocking view's state: the knock client (form, live run), saved profiles, knockd.conf
 * import and export, guards (list followed from `knock.guards.changed`), and the bounded log of
 * guard attempts (`knock.attempt`). The listeners and forwards a guard can protect are read from
 * the Listeners and Forwards views' state, which follow them for the whole app. It runs from the
 * start of the app so the log misses nothing while another view is shown.
 */
import type { ForwardInfo } from '../../../../src-main/contract/forwards.js';
import type { ListenerInfo } from '../../../../src-main/contract/sessions.js';
import type { GuardInfo, KnockAttempt, KnockdImport, KnockProfile, KnockStepEvent } from '../../../../src-main/contract/knock.js';
import { errorMessage, problemOf, type Api, type Problem } from '../api/client.js';
import {
  checkGuard,
  checkKnock,
  decodeKnockForm,
  defaultGuardForm,
  defaultKnockForm,
  encodeKnockForm,
  formOfGuard,
  formOfProfile,
  profileOf,
  targetValue,
  type GuardForm,
  type KnockForm,
} from '../knock/forms.js';
import { sortPicked, type PickedFile } from '../knock/knockd.js';
import { appendLog, LOG_LIMIT, type LogEntry } from '../knock/log.js';
import { failRun, finishRun, onStep, startRun, type KnockRun } from '../knock/run.js';
import type { ConsolesState } from './consoles.svelte.js';
import type { ForwardsState } from './forwards.svelte.js';
import { SnapshotSync } from './snapshot-sync.js';

/**
 * Where the Knocking view reads what a guard can protect: the app's own Listeners and Forwards
 * state (one copy of each list in the renderer, followed by the view that owns it).
 */
export interface GuardTargets {
  consoles: Pick<ConsolesState, 'model'>;
  forwards: Pick<ForwardsState, 'forwards'>;
}

export interface KnockStateOptions {
  /** Told of form settings and filters to remember (key, encoded value). */
  onRemember?: (key: string, value: string) => void;
}

/** A failure shown next to what caused it. */
/** A failed call as this view keeps it (one definition, in the API client). */
export type { Problem };

/** Settings keys under which the view remembers its forms. */
export const REMEMBER = { form: 'knock.form', guard: 'knock.guard' } as const;

const bracket = (host: string) => (host.includes(':') ? `[${host}]` : host);


/** One load's answers. */
interface KnockRead {
  profiles: KnockProfile[];
  guards: GuardInfo[];
  log: KnockAttempt[];
}

/** An event that a load keeps while its read is on its way. */
type KnockEvent = { guards: GuardInfo[] } | { attempts: KnockAttempt[] };

/** Same attempt (for merging the log read at load with events that crossed it). */
const sameAttempt = (a: KnockAttempt, b: KnockAttempt) =>
  a.at === b.at && a.source === b.source && a.guardId === b.guardId && a.outcome === b.outcome && a.stepsMatched === b.stepsMatched && a.step?.port === b.step?.port;

/** The form as is, or without its target when that listener closed or forward went since it was chosen. */
function withoutGoneTarget(form: GuardForm, listeners: readonly ListenerInfo[], forwards: readonly ForwardInfo[]): GuardForm {
  if (!form.target) return form;
  const still = [...listeners.map((l) => targetValue({ kind: 'listener', listenerId: l.id })), ...forwards.map((f) => targetValue({ kind: 'forward', forwardId: f.id }))];
  return still.includes(form.target) ? form : { ...form, target: '' };
}

/** A run id of our own, to match `knock.step` events to this run (not a secret). */
const newRunId = () => `run-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

export class KnockState {
  // The knock client.
  form = $state<KnockForm>(defaultKnockForm());
  readonly check = $derived(checkKnock(this.form));
  run = $state.raw<KnockRun | null>(null);

  // Saved profiles.
  profiles = $state.raw<KnockProfile[]>([]);
  /** The profile the form was loaded from (Save replaces it while the name is unchanged). */
  profileId = $state<string | null>(null);
  profileName = $state('');
  profileProblem = $state.raw<Problem | null>(null);

  // knockd.conf.
  imported = $state.raw<KnockdImport | null>(null);
  importProblem = $state.raw<Problem | null>(null);
  exportText = $state<string | null>(null);
  exportProblem = $state.raw<Problem | null>(null);

  // Guards.
  guards = $state.raw<GuardInfo[]>([]);
  // $derived.by: a closure, since `targets` (a constructor parameter) is set after the fields.
  /** The listeners open now, as the Listeners view follows them. */
  readonly listeners: readonly ListenerInfo[] = $derived.by(() => [...this.targets.consoles.model.listeners.values()]);
  /** Local TCP forwards (the only forwards a guard can gate), as the Forwards view follows them. */
  readonly forwards: readonly ForwardInfo[] = $derived.by(() => this.targets.forwards.forwards.filter((f) => f.spec.kind === 'tcp'));
  /** The guard form as last set; {@link guardForm} shows it without a target that is gone. */
  private editedGuardForm = $state<GuardForm>(defaultGuardForm());
  /** A form pointing at a closed listener or deleted forward would only fail on submit: it reads as no target. */
  private readonly liveGuardForm = $derived(withoutGoneTarget(this.editedGuardForm, this.listeners, this.forwards));
  readonly guardCheck = $derived(checkGuard(this.guardForm));
  guardProblem = $state.raw<Problem | null>(null);
  /** A failed start, stop or delete, with the guard it concerns. */
  guardNotice = $state.raw<(Problem & { id: string }) | null>(null);
  /** What is being done: 'create', or a guard id. */
  busy = $state<string | null>(null);

  // The attempt log.
  log = $state.raw<LogEntry[]>([]);
  /** Only this guard's attempts; all when empty. */
  logGuard = $state('');
  readonly shownLog = $derived(this.logGuard ? this.log.filter((e) => e.guardId === this.logGuard) : this.log);

  loaded = $state(false);
  error = $state<string | null>(null);

  /** Profiles, guards and the recent log, then guard and attempt events (kept while a read is on its way). */
  private readonly sync = new SnapshotSync<KnockRead, KnockEvent>({
    read: () => this.read(),
    adopt: (read, crossed) => this.adopt(read, crossed),
    apply: (event) => this.apply(event),
    fail: (err) => (this.error = `Could not read the knock profiles and guards: ${errorMessage(err)}`),
  });

  constructor(
    readonly api: Api,
    readonly targets: GuardTargets,
    readonly options: KnockStateOptions = {},
  ) {}

  /** The guard form; a target closed or deleted since it was chosen reads as none. */
  get guardForm(): GuardForm {
    return this.liveGuardForm;
  }

  set guardForm(form: GuardForm) {
    this.editedGuardForm = form;
  }

  /** Starts following the engine's events; returns a stop function. */
  start(): () => void {
    const stops = [
      this.api.on('knock.step', (e) => this.onStep(e)),
      this.api.on('knock.attempt', ({ attempts }) => this.onAttempts(attempts)),
      this.api.on('knock.guards.changed', ({ guards }) => this.onGuards(guards)),
      this.sync.reloadOnConnect(this.api),
    ];
    return () => stops.forEach((stop) => stop());
  }

  /** Restores remembered forms once settings are loaded. */
  restore(get: (key: string) => string): void {
    const form = get(REMEMBER.form);
    if (form) this.form = decodeKnockForm(form);
    const [windowS, openForS] = get(REMEMBER.guard).split(':');
    if (windowS && openForS) this.guardForm = { ...this.guardForm, windowS, openForS };
  }

  /** Reads profiles, guards and the recent log; events that cross the reads are kept. */
  load(): Promise<void> {
    return this.sync.load();
  }

  private async read(): Promise<KnockRead> {
    const [profiles, guards, log] = await Promise.all([
      this.api.call('knock.profiles.list', {}),
      this.api.call('knock.guards.list', {}),
      this.api.call('knock.log', { limit: LOG_LIMIT }),
    ]);
    return { profiles, guards, log };
  }

  /** Guard lists that crossed the read are newer than its answer (the last wins); crossed attempts join the log unless it holds them. */
  private adopt({ profiles, guards, log }: KnockRead, crossed: KnockEvent[]): void {
    let latestGuards = guards;
    const attempts: KnockAttempt[] = [];
    for (const event of crossed) {
      if ('guards' in event) latestGuards = event.guards;
      else attempts.push(...event.attempts);
    }
    this.profiles = profiles;
    this.guards = latestGuards;
    const fresh = attempts.filter((a) => !log.some((b) => sameAttempt(a, b)));
    this.log = appendLog([], [...log, ...fresh]);
    this.loaded = true;
    this.error = null;
  }

  private apply(event: KnockEvent): void {
    if ('guards' in event) this.guards = event.guards;
    else this.log = appendLog(this.log, event.attempts);
  }

  // ---- The knock client ----

  setForm(patch: Partial<KnockForm>): void {
    this.form = { ...this.form, ...patch };
    this.options.onRemember?.(REMEMBER.form, encodeKnockForm(this.form));
  }

  /** Fills the form from a link ("knock this host, then check this port"). */
  applyIntent(params: Record<string, string>): void {
    const patch: Partial<KnockForm> = {};
    if (params.host !== undefined) patch.host = params.host;
    if (params.check !== undefined) patch.checkPort = params.check;
    if (Object.keys(patch).length) this.setForm(patch);
  }

  /** Knocks the form's sequence; the steps appear as they are sent. */
  async send(): Promise<void> {
    const request = this.check.request;
    if (!request || this.run?.state === 'running') return;
    const runId = newRunId();
    this.run = startRun(runId, request.host, request.steps);
    try {
      const result = await this.api.call('knock.send', { ...request, runId });
      if (this.run?.runId === runId) this.run = finishRun(this.run, result);
    } catch (err) {
      if (this.run?.runId === runId) this.run = failRun(this.run, errorMessage(err));
    }
  }

  onStep(e: KnockStepEvent): void {
    if (this.run) this.run = onStep(this.run, e);
  }

  // ---- Profiles ----

  /** Fills the form from a saved profile. */
  loadProfile(id: string): void {
    const p = this.profiles.find((x) => x.id === id);
    if (!p) return;
    this.setForm(formOfProfile(p));
    this.profileId = p.id;
    this.profileName = p.name;
    this.profileProblem = null;
  }

  /** True when Save replaces the loaded profile (same name), false when it adds one. */
  get replacing(): boolean {
    const loaded = this.profiles.find((p) => p.id === this.profileId);
    return !!loaded && loaded.name === this.profileName.trim();
  }

  async saveProfile(): Promise<void> {
    const request = this.check.request;
    if (!request) return;
    if (!this.profileName.trim()) {
      this.profileProblem = { code: 'INVALID_INPUT', message: 'Give the profile a name.' };
      return;
    }
    const loaded = this.profiles.find((p) => p.id === this.profileId);
    const id = this.replacing ? this.profileId! : undefined;
    try {
      const saved = await this.api.call('knock.profiles.save', profileOf(request, this.profileName, id, id ? loaded?.seqTimeoutMs : undefined));
      this.profiles = id ? this.profiles.map((p) => (p.id === id ? saved : p)) : [...this.profiles, saved];
      this.profileId = saved.id;
      this.profileProblem = null;
    } catch (err) {
      this.profileProblem = problemOf(err);
    }
  }

  async deleteProfile(id: string): Promise<void> {
    try {
      await this.api.call('knock.profiles.delete', { id });
      this.profiles = this.profiles.filter((p) => p.id !== id);
      if (this.profileId === id) this.profileId = null;
      this.profileProblem = null;
    } catch (err) {
      this.profileProblem = problemOf(err);
    }
  }

  // ---- knockd.conf ----

  /** Reads a knockd.conf (pasted text) into profiles and guards to choose from; saves nothing. */
  async importText(text: string, files: Record<string, string> = {}): Promise<void> {
    if (!text.trim()) {
      this.importProblem = { code: 'INVALID_INPUT', message: 'Paste the content of a knockd.conf, or choose the file.' };
      return;
    }
    try {
      this.imported = await this.api.call('knock.importKnockd', { text, files });
      this.importProblem = null;
    } catch (err) {
      this.imported = null;
      this.importProblem = problemOf(err);
    }
  }

  /** Imports picked files: the knockd.conf and the one-time sequence files it names. */
  async importFiles(picked: PickedFile[]): Promise<void> {
    const { conf, files, unused } = sortPicked(picked);
    if (!conf) {
      this.imported = null;
      this.importProblem = {
        code: 'INVALID_INPUT',
        message: `${picked.map((f) => f.name).join(', ')}: no section with a sequence found. Choose a knockd.conf (sections like [openSSH] with sequence = 7000,8000,9000).`,
      };
      return;
    }
    await this.importText(conf.text, files);
    if (this.imported && unused.length) {
      this.imported = { ...this.imported, notes: [...this.imported.notes, { section: 'files', note: `Not used: ${unused.join(', ')} (not named by a one_time_sequences line).` }] };
    }
  }

  /** Loads an imported section into the knock form (its host is still to fill in). */
  useImportedProfile(index: number): void {
    const p = this.imported?.profiles[index];
    if (!p) return;
    this.setForm(formOfProfile({ ...p, host: p.host || this.form.host, delayMs: p.delayMs ?? 100 }));
    this.profileId = null;
    this.profileName = p.name;
    this.profileProblem = null;
  }

  /** Loads an imported section into the guard form (its listener is still to choose). */
  useImportedGuard(index: number): void {
    const g = this.imported?.guards[index];
    if (!g) return;
    this.guardForm = formOfGuard(g, this.guardForm.target);
    this.guardProblem = null;
  }

  /** Writes the chosen profiles and guards as knockd.conf sections. */
  async exportIds(ids: string[]): Promise<void> {
    try {
      this.exportText = (await this.api.call('knock.exportKnockd', { ids })).text;
      this.exportProblem = null;
    } catch (err) {
      this.exportText = null;
      this.exportProblem = problemOf(err);
    }
  }

  // ---- Guards ----

  setGuardForm(patch: Partial<GuardForm>): void {
    this.guardForm = { ...this.guardForm, ...patch };
    this.guardProblem = null;
    if (patch.windowS !== undefined || patch.openForS !== undefined) this.options.onRemember?.(REMEMBER.guard, `${this.guardForm.windowS}:${this.guardForm.openForS}`);
  }

  /** Creates and starts a guard from the form. */
  async createGuard(): Promise<boolean> {
    const request = this.guardCheck.request;
    if (!request || this.busy) return false;
    this.busy = 'create';
    try {
      const info = await this.api.call('knock.guards.create', request);
      this.upsertGuard(info);
      this.guardProblem = null;
      this.guardForm = { ...this.guardForm, name: '' };
      return true;
    } catch (err) {
      this.guardProblem = problemOf(err);
      return false;
    } finally {
      this.busy = null;
    }
  }

  startGuard(id: string): Promise<void> {
    return this.guardAction(id, async () => this.upsertGuard(await this.api.call('knock.guards.start', { id })));
  }

  stopGuard(id: string): Promise<void> {
    return this.guardAction(id, async () => this.upsertGuard(await this.api.call('knock.guards.stop', { id })));
  }

  deleteGuard(id: string): Promise<void> {
    return this.guardAction(id, async () => {
      await this.api.call('knock.guards.delete', { id });
      this.guards = this.guards.filter((g) => g.id !== id);
      if (this.logGuard === id) this.logGuard = '';
    });
  }

  private async guardAction(id: string, fn: () => Promise<void>): Promise<void> {
    this.busy = id;
    try {
      await fn();
      if (this.guardNotice?.id === id) this.guardNotice = null;
    } catch (err) {
      this.guardNotice = { id, ...problemOf(err) };
    } finally {
      this.busy = null;
    }
  }

  private upsertGuard(info: GuardInfo): void {
    this.guards = this.guards.some((g) => g.id === info.id) ? this.guards.map((g) => (g.id === info.id ? info : g)) : [...this.guards, info];
  }

  onGuards(guards: GuardInfo[]): void {
    this.sync.push({ guards });
  }

  /** What a guard protects: its name ("listener L1", "forward web") and where it listens, unless it is gone. */
  targetOf(guard: GuardInfo): { what: string; endpoint?: { protocol: string; host: string; port: number } } {
    const t = guard.spec.target;
    if (t.kind === 'listener') {
      const l = this.listeners.find((x) => x.id === t.listenerId);
      return { what: `listener ${t.listenerId}`, ...(l ? { endpoint: { protocol: l.protocol, host: bracket(l.host), port: l.port } } : {}) };
    }
    const f = this.forwards.find((x) => x.id === t.forwardId);
    if (!f || f.spec.kind !== 'tcp') return { what: `forward ${t.forwardId}` };
    return { what: `forward ${f.spec.name}`, endpoint: { protocol: 'tcp', host: bracket(f.spec.listenHost), port: f.boundPort ?? f.spec.listenPort } };
  }

  // ---- The attempt log ----

  onAttempts(attempts: KnockAttempt[]): void {
    this.sync.push({ attempts });
  }

  /** Empties the view's log (the engine keeps its own). */
  clearLog(): void {
    this.log = [];
  }
}
