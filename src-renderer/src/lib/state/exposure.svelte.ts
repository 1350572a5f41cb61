/**
 * The Exposure view's state: the report from `exposure.list`, the filter (remembered), the row
 * selected, and whether the router is being asked. Loading sends nothing to the router unless
 * the user asks ("Ask the router"): the engine then uses the mappings as last listed.
 */
import { surfaceKey, type ExposureChange, type ExposureEntry, type ExposureReport, type FirewallChange, type FirewallPreview } from '../../../../src-main/contract/exposure.js';
import { errorMessage, type Api } from '../api/client.js';
import { decodeFilter, DEFAULT_FILTER, encodeFilter, filterEntries, REMEMBER_KEY, type ExposureFilter } from '../exposure/filter.js';

export interface ExposureStateOptions {
  /** Told of the filter to remember (key, encoded value). */
  onRemember?: (key: string, value: string) => void;
}

export class ExposureState {
  report = $state.raw<ExposureReport | null>(null);
  loading = $state(false);
  /** True while the router is being asked. */
  askingRouter = $state(false);
  problem = $state<string | null>(null);
  filter = $state<ExposureFilter>({ ...DEFAULT_FILTER });
  /** The socket id whose reason chain is shown. */
  selectedId = $state<string | null>(null);

  readonly visible = $derived(filterEntries(this.report?.entries ?? [], this.filter));
  readonly selected = $derived<ExposureEntry | null>(this.report?.entries.find((e) => e.id === this.selectedId) ?? null);
  /** How many sockets each verdict has (before filtering). */
  readonly counts = $derived(
    (this.report?.entries ?? []).reduce<Record<string, number>>((acc, e) => ((acc[e.reachableFrom] = (acc[e.reachableFrom] ?? 0) + 1), acc), {}),
  );

  /** The change since the baseline of each socket that has one, by socket id (none without a baseline). */
  readonly changeOf = $derived(
    new Map(
      (this.report?.entries ?? []).flatMap((e) => {
        const c = this.report?.baseline?.changes.find((x) => x.key === surfaceKey(e));
        return c ? [[e.id, c] as const] : [];
      }),
    ),
  );
  /** Changes with no row to mark: sockets of the baseline that no longer listen. */
  readonly gone = $derived<ExposureChange[]>((this.report?.baseline?.changes ?? []).filter((c) => !(this.report?.entries ?? []).some((e) => surfaceKey(e) === c.key)));

  /** A change waiting for confirmation: its exact rules, or the router mapping to remove. */
  pending = $state.raw<{ kind: 'firewall'; change: FirewallChange; preview: FirewallPreview } | { kind: 'mapping'; id: string; text: string } | null>(null);
  acting = $state(false);
  actionProblem = $state<string | null>(null);
  /** What the last action did, in a sentence. */
  actionDone = $state<string | null>(null);

  private seq = 0;

  constructor(
    readonly api: Api,
    readonly options: ExposureStateOptions = {},
  ) {}

  /** Takes the remembered filter. */
  restore(get: (key: string) => string): void {
    const text = get(REMEMBER_KEY);
    if (text) this.filter = decodeFilter(text);
  }

  /** Changes the filter and remembers it. */
  setFilter(patch: Partial<ExposureFilter>): void {
    this.filter = { ...this.filter, ...patch };
    this.options.onRemember?.(REMEMBER_KEY, encodeFilter(this.filter));
  }

  /** Shows or hides one verdict (none chosen shows all). */
  toggleReach(reach: ExposureFilter['reach'][number]): void {
    const has = this.filter.reach.includes(reach);
    this.setFilter({ reach: has ? this.filter.reach.filter((r) => r !== reach) : [...this.filter.reach, reach] });
  }

  /** Reads the report again; `askRouter` asks the router for its mappings too (seconds when none answers). */
  async load(askRouter = false): Promise<void> {
    const seq = ++this.seq;
    this.loading = true;
    this.askingRouter = askRouter;
    try {
      const report = await this.api.call('exposure.list', { router: askRouter });
      if (seq !== this.seq) return;
      this.report = report;
      this.problem = null;
    } catch (err) {
      if (seq === this.seq) this.problem = errorMessage(err);
    } finally {
      if (seq === this.seq) {
        this.loading = false;
        this.askingRouter = false;
      }
    }
  }

  /** Asks the engine for the exact rules of a change and holds them for confirmation; nothing changes yet. */
  async propose(change: FirewallChange): Promise<void> {
    this.actionProblem = null;
    this.actionDone = null;
    try {
      this.pending = { kind: 'firewall', change, preview: await this.api.call('exposure.firewall.preview', change) };
    } catch (err) {
      this.actionProblem = errorMessage(err);
    }
  }

  /** Holds a router mapping's removal for confirmation. */
  proposeRemoveMapping(id: string, text: string): void {
    this.actionProblem = null;
    this.actionDone = null;
    this.pending = { kind: 'mapping', id, text };
  }

  cancel(): void {
    this.pending = null;
  }

  /** Carries out the confirmed change, then reads the exposure again. */
  async confirm(): Promise<void> {
    const p = this.pending;
    if (!p || this.acting) return;
    this.acting = true;
    try {
      if (p.kind === 'firewall') {
        const { rules } = await this.api.call('exposure.firewall.apply', { ...p.change, confirm: true });
        this.actionDone = `Added ${rules.length} rule${rules.length === 1 ? '' : 's'} to the table inet portolan.`;
      } else {
        const [protocol, port] = p.id.split(':');
        await this.api.call('router.remove', { protocol: protocol === 'udp' ? 'udp' : 'tcp', externalPort: Number(port) });
        this.actionDone = `Removed the router mapping ${p.text}.`;
      }
      this.pending = null;
      await this.load(false);
    } catch (err) {
      this.actionProblem = errorMessage(err);
    } finally {
      this.acting = false;
    }
  }

  /** Removes every rule Portolan added (after the view's confirmation). */
  async undoAll(): Promise<void> {
    this.acting = true;
    this.actionProblem = null;
    try {
      const { removed } = await this.api.call('exposure.firewall.undo', { confirm: true });
      this.actionDone = removed ? 'Removed every firewall rule Portolan had added.' : 'Portolan had added no firewall rule.';
      await this.load(false);
    } catch (err) {
      this.actionProblem = errorMessage(err);
    } finally {
      this.acting = false;
    }
  }

  /** Accepts what the network reaches now as the baseline; later changes are highlighted against it. */
  async setBaseline(): Promise<void> {
    this.acting = true;
    this.actionProblem = null;
    try {
      const { items } = await this.api.call('exposure.baseline.set', { router: false });
      this.actionDone = `Baseline set: ${items} socket${items === 1 ? '' : 's'} reachable from the network.`;
      await this.load(false);
    } catch (err) {
      this.actionProblem = errorMessage(err);
    } finally {
      this.acting = false;
    }
  }

  select(id: string | null): void {
    this.selectedId = this.selectedId === id ? null : id;
  }
}
