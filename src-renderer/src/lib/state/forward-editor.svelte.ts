/**
 * The new/edit forward form's state, apart from the list it edits: the typed values and their
 * checks, names looked up on this machine, whether the listen port is free, and saving. A new
 * forward to start now is created and started in one `forwards.create` call, kept only if it starts;
 * an engine error that names a field (`path`) marks that field. The Host aliases of ~/.ssh/config
 * are read once each time the form opens; choosing one fills what the form does not have yet.
 */
import type { ForwardInfo, ForwardSecrets, ForwardSpecInput, SshHostAlias } from '../../../../src-main/contract/forwards.js';
import { problemOf, type Api, type Problem } from '../api/client.js';
import { checkForm, decodeRemembered, DEFAULT_FORM, encodeRemembered, fieldOfPath, formFromInfo, formFromIntent, type ForwardForm } from '../forwards/form.js';
import { isRunning } from '../forwards/format.js';
import { checkListen, listenTarget, type ListenCheck } from '../forwards/listen-check.js';
import { HostResolver, hostsToResolve, RESOLVE_FIELDS, type ResolveField, type Resolutions } from '../forwards/resolve.js';
import { aliasFill } from '../forwards/ssh-command.js';

/** What the engine answered to the form's last save or start. */
export interface FormProblem extends Problem {
  /** The forward was saved, and then could not start. */
  afterSave?: boolean;
  /** A new forward that could not start, and so was not saved: the form offers "Save anyway". */
  notStarted?: boolean;
}

/** The list the form edits: what it reads (names taken, the forward being edited) and how it tells of a saved forward. */
export interface EditedList {
  readonly forwards: readonly ForwardInfo[];
  /** A forward the form saved or started, as the engine answered it. */
  saved(info: ForwardInfo): void;
}

/** How the form is set up. */
export interface ForwardEditorOptions {
  /** Told of form settings to remember (key, encoded value). */
  onRemember?: (key: string, value: string) => void;
  /** Pause in typing before the listen port is checked (a bind attempt on this machine), ms (default 250). */
  bindCheckDelayMs?: number;
}

/** Settings key under which the view remembers the last new forward's kind, listen address and SSH login. */
export const REMEMBER_FORM = 'forwards.form';

export class ForwardEditor {
  /** The form: closed, a new forward, or editing one (by id). */
  mode = $state<'closed' | 'new' | 'edit'>('closed');
  editingId = $state<string | null>(null);
  form = $state<ForwardForm>({ ...DEFAULT_FORM });
  /** What the engine answered to the last save or start from the form. */
  problem = $state.raw<FormProblem | null>(null);
  saving = $state(false);
  /** Whether the names typed in the form resolve on this machine (dns.resolve), by field. */
  resolutions = $state.raw<Resolutions>({});
  /** Whether the form's listen port is free on this machine (checked while typing), with the next free port when busy. */
  listenCheck = $state.raw<ListenCheck | null>(null);
  /**
   * The Host aliases of the user's ~/.ssh/config (`ssh.hosts`), read each time the form opens:
   * suggestions for the SSH host and jump host fields. Empty when the engine cannot tell (an older
   * engine, no connection): the fields then work as plain text fields.
   */
  sshHosts = $state.raw<readonly SshHostAlias[]>([]);
  /** What `ssh.hosts` could not read (an unreadable file, an Include loop), shown under the fields. */
  sshHostProblems = $state.raw<readonly string[]>([]);
  /** The aliases' names: the SSH host field does not look them up in DNS. */
  readonly sshAliases = $derived(new Set(this.sshHosts.map((h) => h.alias)));
  /** The alias the SSH host field holds now, if it holds one. */
  readonly sshAlias = $derived(this.sshHosts.find((h) => h.alias === this.form.sshHost.trim()));

  /** The forward being edited, as the list shows it now. */
  readonly editing = $derived.by(() => (this.editingId ? (this.list.forwards.find((f) => f.id === this.editingId) ?? null) : null));
  /** The form's problems by field, and the spec to send when there are none. */
  readonly check = $derived.by(() =>
    checkForm(this.form, {
      takenNames: this.list.forwards.filter((f) => f.id !== this.editingId).map((f) => f.spec.name),
      secretStored: this.editing?.secretStored ?? false,
    }),
  );
  /** The form field the engine's last answer concerns (by its `path`), to mark it and show the sentence under it. */
  readonly problemField = $derived(fieldOfPath(this.problem?.path));

  private remembered: ForwardForm = { ...DEFAULT_FORM };
  private readonly resolver: HostResolver;
  private listenTimer: ReturnType<typeof setTimeout> | undefined;
  /** Counts openings of the form, so that an alias list read for an earlier one is not taken. */
  private openings = 0;

  constructor(
    readonly api: Api,
    private readonly list: EditedList,
    private readonly options: ForwardEditorOptions = {},
  ) {
    this.resolver = new HostResolver(
      async (host) => (await this.api.call('dns.resolve', { host })).addresses,
      (resolutions) => (this.resolutions = resolutions),
    );
  }

  /** True while the form is open. */
  get open(): boolean {
    return this.mode !== 'closed';
  }

  /** Restores the remembered parts of the new-forward form (kind, listen address, SSH login; never secrets). */
  restore(get: (key: string) => string): void {
    this.remembered = decodeRemembered(get(REMEMBER_FORM));
    if (this.mode === 'closed') this.form = { ...this.remembered };
  }

  /** Opens the form for a new forward, from the remembered defaults and an optional prefill. */
  openNew(prefill: Partial<ForwardForm> = {}): void {
    this.form = { ...this.remembered, ...prefill, password: '', passphrase: '' };
    this.editingId = null;
    this.mode = 'new';
    this.problem = null;
    this.resolveForm();
    this.checkListenSoon(0);
    void this.loadSshHosts();
  }

  /** Opens the form for a new forward filled from another view's link (target host/port, listen port, proto). */
  openFromIntent(params: Record<string, string>): void {
    this.openNew(formFromIntent(params, this.remembered));
  }

  /** Opens the form on a saved forward. */
  openEdit(id: string): void {
    const info = this.list.forwards.find((f) => f.id === id);
    if (!info) return;
    this.form = formFromInfo(info);
    this.editingId = id;
    this.mode = 'edit';
    this.problem = null;
    this.resolveForm();
    this.checkListenSoon(0);
    void this.loadSshHosts();
  }

  close(): void {
    this.mode = 'closed';
    this.editingId = null;
    this.problem = null;
    // Secrets typed in the form do not outlive it.
    this.form = { ...this.form, password: '', passphrase: '' };
    this.stop();
    this.listenCheck = null;
  }

  /** Stops pending look-ups and the listen check (the app stops following the engine). */
  stop(): void {
    this.resolver.clear();
    if (this.listenTimer) clearTimeout(this.listenTimer);
  }

  /** Closes the form when the forward it edits is gone. */
  forget(gone: ReadonlySet<string>): void {
    if (this.editingId && gone.has(this.editingId)) this.close();
  }

  /**
   * Changes fields of the form. An SSH host changed to an alias of ~/.ssh/config fills the user,
   * port and jump host the form does not have yet; only a change fills, so a form opened on an
   * alias (editing) keeps what it holds.
   */
  setForm(patch: Partial<ForwardForm>): void {
    const listenChanged = (['kind', 'listenHost', 'listenPort'] as const).some((k) => k in patch && patch[k] !== this.form[k]);
    const hostBefore = this.form.sshHost.trim();
    this.form = { ...this.form, ...patch };
    if (this.form.sshHost.trim() !== hostBefore) {
      const fill = aliasFill(this.form, this.sshAlias);
      if (fill) this.form = { ...this.form, ...fill };
    }
    this.problem = null;
    this.resolveForm();
    if (listenChanged) this.checkListenSoon(this.options.bindCheckDelayMs ?? 250);
  }

  /** Looks up a host field's name (the user left the field): a warning under it when it does not resolve. */
  resolveField(field: ResolveField): Promise<void> {
    return this.resolver.lookupNow(field);
  }

  /** Puts the offered free port in the form. */
  useListenPort(port: number): void {
    this.setForm({ listenPort: String(port) });
  }

  /**
   * Saves the form. Names not yet looked up are looked up first; one found not to resolve stops
   * this save so the warning is seen (saving again goes ahead). A new forward to start now is
   * created and started in one call and kept only if it starts (`onlyIfStarted`): a busy port
   * leaves nothing saved, the form stays "New" with the engine's sentence, and {@link saveAnyway}
   * saves it stopped. An edited forward is saved, then started when asked; if it cannot start,
   * the form stays open with the reason.
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
    try {
      return this.mode === 'edit' && this.editingId ? await this.saveEdit(this.editingId, spec, secrets) : await this.create(spec, secrets);
    } finally {
      this.saving = false;
    }
  }

  /** Saves a new forward that could not start, stopped, as the user asked ("Save anyway"). */
  async saveAnyway(): Promise<ForwardInfo | null> {
    const { spec, secrets } = this.check;
    if (!spec || this.saving || this.mode !== 'new') return null;
    this.saving = true;
    try {
      const { info } = await this.api.call('forwards.create', { spec, start: false, save: true, ...(secrets ? { secrets } : {}) });
      if (!info) throw new Error('The engine answered without the saved forward.');
      return this.done(info, true);
    } catch (err) {
      this.problem = problemOf(err);
      return null;
    } finally {
      this.saving = false;
    }
  }

  /** One call: create, start when asked, keep only what starts; a start failure is an answer, a refusal a thrown error. */
  private async create(spec: ForwardSpecInput, secrets: ForwardSecrets | undefined): Promise<ForwardInfo | null> {
    const startNow = this.form.startNow;
    try {
      const { info, startError } = await this.api.call('forwards.create', {
        spec,
        start: startNow,
        save: true,
        onlyIfStarted: startNow,
        ...(secrets ? { secrets } : {}),
      });
      if (startError) {
        this.problem = { ...problemOf(startError), ...(info ? { afterSave: true } : { notStarted: true }) };
        if (info) {
          // Kept though it did not start: the form goes on as the edit of that forward, so saving again does not make a second one.
          this.list.saved(info);
          this.editingId = info.id;
          this.mode = 'edit';
          this.form = { ...this.form, password: '', passphrase: '' };
        }
        return null;
      }
      if (!info) throw new Error('The engine answered neither the forward nor why it did not start.');
      return this.done(info, true);
    } catch (err) {
      this.problem = problemOf(err);
      return null;
    }
  }

  /** Saves an edited forward, then starts it when asked; a start failure keeps the form open on the saved forward. */
  private async saveEdit(id: string, spec: ForwardSpecInput, secrets: ForwardSecrets | undefined): Promise<ForwardInfo | null> {
    let info: ForwardInfo;
    try {
      info = await this.api.call('forwards.update', { id, spec, ...(secrets ? { secrets } : {}) });
    } catch (err) {
      this.problem = problemOf(err);
      return null;
    }
    if (!this.form.startNow || isRunning(info)) return this.done(info, false);
    this.list.saved(info);
    try {
      return this.done(await this.api.call('forwards.start', { id }), false);
    } catch (err) {
      // Saved, not started: keep the form open on the saved forward with the reason.
      this.form = { ...this.form, password: '', passphrase: '' };
      this.problem = { ...problemOf(err), afterSave: true };
      return null;
    }
  }

  private done(info: ForwardInfo, isNew: boolean): ForwardInfo {
    this.list.saved(info);
    if (isNew) this.rememberForm();
    this.close();
    return info;
  }

  private rememberForm(): void {
    this.remembered = { ...this.remembered, ...decodeRemembered(encodeRemembered(this.form)) };
    this.options.onRemember?.(REMEMBER_FORM, encodeRemembered(this.form));
  }

  /** Reads the aliases of ~/.ssh/config for this opening of the form; a failed read leaves none (plain text fields). */
  private async loadSshHosts(): Promise<void> {
    const opening = ++this.openings;
    let hosts: readonly SshHostAlias[] = [];
    let problems: readonly string[] = [];
    try {
      ({ hosts, problems } = await this.api.call('ssh.hosts', {}));
    } catch {
      // No list (an older engine, no connection): nothing to suggest, and nothing to warn about.
    }
    if (opening !== this.openings || this.mode === 'closed') return;
    this.sshHosts = hosts;
    this.sshHostProblems = problems;
    // An alias is not a DNS name: the SSH host field stops asking for it.
    this.resolveForm();
  }

  /** Records the names the form holds; they are looked up on leaving the field or on save, never while typing. */
  private resolveForm(): void {
    this.resolver.request(hostsToResolve(this.form, this.sshAliases));
  }

  /** True while a host name of the form is known not to resolve. */
  private get anyUnresolved(): boolean {
    return RESOLVE_FIELDS.some((f) => this.resolutions[f]?.status === 'unresolved');
  }

  /** Checks the listen socket after a pause in typing (a bind attempt on this machine only). */
  private checkListenSoon(delayMs: number): void {
    if (this.listenTimer) clearTimeout(this.listenTimer);
    const target = listenTarget(this.form, this.mode === 'edit' ? this.editing : null);
    if (!target) {
      this.listenCheck = null;
      return;
    }
    if (this.listenCheck?.key !== target.key) this.listenCheck = { key: target.key, status: 'checking', message: '' };
    this.listenTimer = setTimeout(() => void this.runListenCheck(), delayMs);
  }

  private async runListenCheck(): Promise<void> {
    const target = listenTarget(this.form, this.mode === 'edit' ? this.editing : null);
    if (!target) return;
    let result: ListenCheck | null;
    try {
      result = await checkListen(target, (query) => this.api.call('dictionary.bindCheck', query));
    } catch {
      // No verdict (the engine is gone...): show nothing rather than a wrong one; saving still tells.
      result = null;
    }
    if (this.mode === 'closed' || listenTarget(this.form, this.mode === 'edit' ? this.editing : null)?.key !== target.key) return;
    this.listenCheck = result;
  }
}
