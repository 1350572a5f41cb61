/**
 * The Router view's state: the router (from `router.discover`), its mappings (`router.mappings`,
 * then `router.changed`), the add form checked as the user types, and removals.
 *
 * Discovery sends SSDP, NAT-PMP and PCP requests to the gateway: traffic beyond this machine, so
 * it waits for the user to ask. The first time, the view offers "Look for my router"
 * ({@link RouterState.lookForRouter}); the answer is remembered (the `routerDiscovery` setting),
 * and from then on showing the view discovers ({@link RouterState.ensureLoaded}). Nothing is sent
 * at the start of the app. Events are followed from the start, so renewals and refusals of
 * mappings the user made are current when the view opens.
 */
import type { Mapping, MappingSpec, RouterChanged, RouterInfo } from '../../../../src-main/contract/router.js';
import { problemOf, type Api, type Problem } from '../api/client.js';
import { applyIntent, checkMapping, decodeRemembered, DEFAULT_FORM, encodeRemembered, type MappingForm } from '../router/form.js';

export interface RouterStateOptions {
  /** Told of form settings and filters to remember (key, encoded value). */
  onRemember?: (key: string, value: string) => void;
  /** How long a removed mapping stays shown (ms) before it is dropped from the table. */
  removedShownMs?: number;
  /** The user's permission to look for the router, kept in the settings (absent: asked each run). */
  consent?: RouterConsent;
}

/** Where the permission to look for the router is remembered. */
export interface RouterConsent {
  /** True when the user already asked to look for the router (now or in an earlier run). */
  given(): boolean;
  /** Remembers that the user asked. */
  give(): void;
  /** False while the settings are still being read (the answer is not known yet). */
  known?(): boolean;
}

/** A failure of a call, with the engine's code and sentence. */
/** A failed router call (the API client's Problem). */
export type RouterProblem = Problem;

/** Settings key of the remembered form parts. */
export const REMEMBER_FORM = 'router.form';


export class RouterState {
  /** The router as discovery found it; null before, or when no router answered. */
  info = $state.raw<RouterInfo | null>(null);
  /** Why discovery failed (NO_ROUTER: what was tried, in the engine's words). */
  discoverProblem = $state.raw<RouterProblem | null>(null);
  discovering = $state(false);
  /** True once discovery ran (successfully or not). */
  discovered = $state(false);
  mappings = $state.raw<Mapping[]>([]);
  listing = $state(false);
  listProblem = $state.raw<RouterProblem | null>(null);

  form = $state<MappingForm>({ ...DEFAULT_FORM });
  adding = $state(false);
  addProblem = $state.raw<RouterProblem | null>(null);
  /** The mapping the last add made, to say what the router granted (another port, no lease, not listed). */
  added = $state.raw<Mapping | null>(null);
  /** Mapping ids being removed. */
  removing = $state.raw<ReadonlySet<string>>(new Set());
  /** The last failed removal, with the mapping it concerns. */
  removeProblem = $state.raw<(RouterProblem & { id: string }) | null>(null);

  readonly check = $derived(checkMapping(this.form, { router: this.info, mappings: this.mappings }));
  /** How many mappings Portolan holds (and keeps alive). */
  readonly ownCount = $derived(this.mappings.filter((m) => m.ownedByPortolan && m.state !== 'removed').length);

  /** The user asked to look for the router in this run (the setting may not be saved yet). */
  private askedHere = $state(false);
  /** The view is shown (or was): discovery runs as soon as it is allowed. */
  private wanted = false;
  /** Discovery was started by the view (once; later ones are the user's "Discover again"). */
  private started = false;
  private pruneTimer: ReturnType<typeof setTimeout> | undefined;
  private discoverSeq = 0;

  constructor(
    readonly api: Api,
    readonly options: RouterStateOptions = {},
  ) {}

  /** Starts following the engine's events; returns a stop function. */
  start(): () => void {
    const stops = [
      this.api.on('router.changed', (change) => this.onChanged(change)),
      this.api.onStatus((status) => {
        // After a reconnection the engine may have renewed, refused or lost mappings meanwhile.
        if (status === 'connected' && this.wanted && this.discovered) void this.refresh();
      }),
    ];
    return () => {
      stops.forEach((stop) => stop());
      clearTimeout(this.pruneTimer);
    };
  }

  /** Restores remembered forms once settings are loaded. */
  restore(get: (key: string) => string): void {
    const text = get(REMEMBER_FORM);
    if (text) this.form = decodeRemembered(text, this.form);
  }

  /**
   * True once the user let Portolan talk to the router ("Look for my router", now or in an
   * earlier run). Reactive: read in an effect, it follows the settings as they load.
   */
  get allowed(): boolean {
    return this.askedHere || (this.options.consent?.given() ?? false);
  }

  /** True once it is known whether the user allowed it (the settings were read, or could not be). */
  get consentKnown(): boolean {
    return this.allowed || (this.options.consent?.known?.() ?? true);
  }

  /**
   * The view is shown: discovers the router and reads its mappings the first time, if the user
   * already allowed it; otherwise nothing is sent and the view offers {@link lookForRouter}.
   */
  ensureLoaded(): void {
    this.wanted = true;
    if (this.started || !this.allowed) return;
    this.started = true;
    void this.discover();
  }

  /** The user's first "Look for my router": remembers the permission, then discovers. */
  lookForRouter(): Promise<void> {
    this.askedHere = true;
    this.options.consent?.give();
    this.wanted = true;
    this.started = true;
    return this.discover();
  }

  /** Finds the router again ("discover again"), then reads the mappings. */
  async discover(): Promise<void> {
    const seq = ++this.discoverSeq;
    this.discovering = true;
    try {
      const info = await this.api.call('router.discover', {});
      if (seq !== this.discoverSeq) return;
      this.info = info;
      this.discoverProblem = null;
    } catch (err) {
      if (seq !== this.discoverSeq) return;
      this.info = null;
      this.discoverProblem = problemOf(err);
    } finally {
      if (seq === this.discoverSeq) {
        this.discovering = false;
        this.discovered = true;
      }
    }
    if (this.info && seq === this.discoverSeq) await this.refresh();
  }

  /** Reads the mappings again (UPnP lists every program's). */
  async refresh(): Promise<void> {
    if (!this.info) return;
    this.listing = true;
    try {
      this.setMappings(await this.api.call('router.mappings', {}));
      this.listProblem = null;
    } catch (err) {
      this.listProblem = problemOf(err);
    } finally {
      this.listing = false;
    }
  }

  /** Applies `router.changed`: the full list, and the router after a discovery. */
  onChanged(change: RouterChanged): void {
    if (change.router) {
      this.info = change.router;
      this.discoverProblem = null;
      this.discovered = true;
    }
    this.setMappings(change.mappings);
  }

  setForm(patch: Partial<MappingForm>): void {
    this.form = { ...this.form, ...patch };
    this.addProblem = null;
    if (['protocol', 'lease', 'via', 'removeOnQuit', 'description'].some((k) => k in patch)) {
      this.options.onRemember?.(REMEMBER_FORM, encodeRemembered(this.form));
    }
  }

  /** Fills the form from a link ("expose through router" on a listener or forward). */
  prefill(params: Record<string, string>): void {
    this.form = applyIntent(this.form, params);
    this.addProblem = null;
    this.added = null;
  }

  /** Sends the form; on success clears the ports (the remembered parts stay). */
  async add(): Promise<Mapping | null> {
    const spec: MappingSpec | null = this.check.spec;
    // Mapping talks to the router: only after the user let Portolan look for it.
    if (!spec || this.adding || !this.allowed) return null;
    this.adding = true;
    this.addProblem = null;
    this.added = null;
    try {
      const mapping = await this.api.call('router.add', spec);
      this.added = mapping;
      this.upsert(mapping);
      this.form = { ...this.form, externalPort: '', internalPort: '', internalHost: '' };
      return mapping;
    } catch (err) {
      this.addProblem = problemOf(err);
      return null;
    } finally {
      this.adding = false;
    }
  }

  /** Removes a mapping (Portolan's, or another program's over UPnP). */
  async remove(m: Pick<Mapping, 'id' | 'protocol' | 'externalPort'>): Promise<void> {
    if (this.removing.has(m.id)) return;
    this.removing = new Set([...this.removing, m.id]);
    if (this.removeProblem?.id === m.id) this.removeProblem = null;
    try {
      await this.api.call('router.remove', { protocol: m.protocol, externalPort: m.externalPort });
      // The event usually came first; this covers other programs' mappings and a lost event.
      this.setMappings(this.mappings.map((x) => (x.id === m.id ? { ...x, state: 'removed' as const } : x)));
      if (this.added?.id === m.id) this.added = null;
    } catch (err) {
      this.removeProblem = { ...problemOf(err), id: m.id };
    } finally {
      const next = new Set(this.removing);
      next.delete(m.id);
      this.removing = next;
    }
  }

  private upsert(mapping: Mapping): void {
    const others = this.mappings.filter((m) => m.id !== mapping.id);
    this.setMappings([...others, mapping].sort((a, b) => a.externalPort - b.externalPort || a.protocol.localeCompare(b.protocol)));
  }

  /** Takes a list; removed mappings are shown a moment (so the user sees it happen), then dropped. */
  private setMappings(list: Mapping[]): void {
    this.mappings = list;
    if (!list.some((m) => m.state === 'removed')) return;
    clearTimeout(this.pruneTimer);
    this.pruneTimer = setTimeout(() => {
      this.mappings = this.mappings.filter((m) => m.state !== 'removed');
    }, this.options.removedShownMs ?? 4000);
  }
}
