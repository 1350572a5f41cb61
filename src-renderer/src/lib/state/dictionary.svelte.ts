/**
 * The Dictionary view's state: a search that never stalls typing (debounced look-ups whose stale
 * answers are dropped by sequence number), paging, the selected port's card and its bind check.
 */
import type { BindCheckResult, LookupResult, PortCard } from '../../../../src-main/contract/dictionary.js';
import { errorMessage, type Api } from '../api/client.js';

export type BindProtocol = 'tcp' | 'udp';

export interface DictionaryOptions {
  /** Pause after the last keystroke before looking up, in ms. */
  debounceMs?: number;
  pageSize?: number;
  /** Told of every new query (the app remembers it in the settings). */
  onQuery?: (query: string) => void;
}

export class DictionaryState {
  query = $state('');
  page = $state(0);
  result = $state.raw<LookupResult | null>(null);
  error = $state<string | null>(null);
  loading = $state(false);

  selected = $state<number | null>(null);
  card = $state.raw<PortCard | null>(null);
  cardError = $state<string | null>(null);
  cardLoading = $state(false);

  bindProtocol = $state<BindProtocol>('tcp');
  bindHost = $state('127.0.0.1');
  bind = $state.raw<BindCheckResult | null>(null);
  bindError = $state<string | null>(null);
  bindBusy = $state(false);

  readonly pageSize: number;
  readonly pageCount = $derived(this.result ? Math.max(1, Math.ceil(this.result.total / this.result.pageSize)) : 0);
  readonly items = $derived(this.result?.items ?? []);

  private lookupSeq = 0;
  private cardSeq = 0;
  private bindSeq = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly debounceMs: number;

  constructor(
    private readonly api: Api,
    private readonly options: DictionaryOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? 120;
    this.pageSize = options.pageSize ?? 50;
  }

  /** Takes new text from the search box; looks it up after a short pause. */
  setQuery(query: string): void {
    if (query === this.query) return;
    this.query = query;
    this.page = 0;
    this.options.onQuery?.(query);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.lookup(), this.debounceMs);
  }

  goToPage(page: number): Promise<void> {
    const last = Math.max(0, this.pageCount - 1);
    this.page = Math.min(Math.max(0, page), last);
    return this.lookup();
  }

  /** Looks the current query up now. Answers to older look-ups are ignored. */
  async lookup(): Promise<void> {
    clearTimeout(this.timer);
    const seq = ++this.lookupSeq;
    const query = this.query.trim();
    if (!query) {
      this.result = null;
      this.error = null;
      this.loading = false;
      return;
    }
    this.loading = true;
    try {
      const result = await this.api.call('dictionary.lookup', { query, page: this.page, pageSize: this.pageSize });
      if (seq !== this.lookupSeq) return;
      this.result = result;
      this.error = null;
      this.followResult(result);
    } catch (err) {
      if (seq !== this.lookupSeq) return;
      this.result = null;
      this.error = errorMessage(err);
    } finally {
      if (seq === this.lookupSeq) this.loading = false;
    }
  }

  /**
   * Keeps the card in step with the list: a single match opens its card, and a card for a port
   * the new list does not hold is closed (the list and the card beside it never disagree).
   */
  private followResult(result: LookupResult): void {
    const only = result.total === 1 ? result.items[0] : undefined;
    if (only) {
      if (only.port !== this.selected || (!this.card && !this.cardLoading)) void this.openPort(only.port);
    } else if (this.selected !== null && !result.items.some((item) => item.port === this.selected)) {
      this.closeCard();
    }
  }

  private closeCard(): void {
    this.cardSeq++;
    this.bindSeq++;
    this.selected = null;
    this.card = null;
    this.cardError = null;
    this.cardLoading = false;
    this.bind = null;
    this.bindError = null;
    this.bindBusy = false;
  }

  /**
   * Enter in the search box: looks the text up now (no waiting for the pause) and opens the
   * selected result's card, or the first result's when none of the list is selected. Resolves
   * with the port whose card is open, or null when nothing matched.
   */
  async submit(): Promise<number | null> {
    await this.lookup();
    if (this.selected !== null && this.items.some((item) => item.port === this.selected)) return this.selected;
    const first = this.items[0];
    if (!first) return null;
    await this.openPort(first.port);
    return first.port;
  }

  /**
   * Shows a port that a link asked for. When the list does not hold it, the search becomes that
   * number, so the list beside the card is about the same port.
   */
  async showPort(port: number): Promise<void> {
    const listed = this.items.some((item) => item.port === port);
    if (!listed && this.query.trim() !== String(port)) {
      this.setQuery(String(port));
      void this.lookup();
    }
    await this.openPort(port);
  }

  /** Opens a port's card. */
  async openPort(port: number): Promise<void> {
    const seq = ++this.cardSeq;
    this.selected = port;
    this.bindSeq++;
    this.bind = null;
    this.bindError = null;
    this.bindBusy = false;
    if (this.card?.port !== port) this.card = null;
    this.cardLoading = true;
    try {
      const card = await this.api.call('dictionary.card', { port });
      if (seq !== this.cardSeq) return;
      this.card = card;
      this.cardError = null;
    } catch (err) {
      if (seq !== this.cardSeq) return;
      this.card = null;
      this.cardError = errorMessage(err);
    } finally {
      if (seq === this.cardSeq) this.cardLoading = false;
    }
  }

  /** Moves the selection in the result list (arrow keys) and opens that card. */
  move(delta: number): void {
    const items = this.items;
    if (!items.length) return;
    const at = items.findIndex((item) => item.port === this.selected);
    const next = at < 0 ? (delta > 0 ? 0 : items.length - 1) : Math.min(items.length - 1, Math.max(0, at + delta));
    const item = items[next];
    if (item && item.port !== this.selected) void this.openPort(item.port);
  }

  /** Asks the engine whether this machine could listen on the selected port now. */
  async checkBind(): Promise<void> {
    const port = this.selected;
    if (port === null) return;
    const seq = ++this.bindSeq;
    this.bindBusy = true;
    this.bindError = null;
    try {
      const bind = await this.api.call('dictionary.bindCheck', { port, protocol: this.bindProtocol, host: this.bindHost.trim() || '127.0.0.1' });
      if (seq !== this.bindSeq) return;
      this.bind = bind;
    } catch (err) {
      if (seq !== this.bindSeq) return;
      this.bind = null;
      this.bindError = errorMessage(err);
    } finally {
      if (seq === this.bindSeq) this.bindBusy = false;
    }
  }
}
