/** The user's settings: theme (applied to the page) and remembered filters, saved through the engine. */
import type { Settings, SettingsPatch } from '../../../../src-main/contract/settings.js';
import { errorMessage, type Api } from '../api/client.js';

export type ThemePreference = Settings['theme'];
export type Theme = 'light' | 'dark';

/** The theme to draw: the user's choice, or the operating system's when the choice is "system". */
export function resolveTheme(preference: ThemePreference, systemDark: boolean): Theme {
  return preference === 'system' ? (systemDark ? 'dark' : 'light') : preference;
}

const DEFAULTS: Settings = {
  theme: 'system',
  filters: {},
  lastView: 'dictionary',
  listenerBaseline: [],
  listenerAlerts: true,
  quitOnWindowClose: false,
  trayNoticeShown: false,
  startAtLogin: false,
  notifyForwardFailed: true,
  notifyForwardReconnected: true,
  notifyRouterLost: true,
  routerDiscovery: false,
};

export interface SettingsOptions {
  /** The OS colour scheme query; null where there is none. */
  media?: Pick<MediaQueryList, 'matches' | 'addEventListener'> | null;
  /** How long filters wait before they are saved, in ms. */
  saveDelayMs?: number;
}

export class SettingsState {
  settings = $state.raw<Settings>(DEFAULTS);
  loaded = $state(false);
  /** Where the settings live, and what went wrong reading them. */
  path = $state('');
  problem = $state<string | undefined>(undefined);
  /** Problems the engine met with any of the user's saved files (a damaged file kept aside...). */
  problems = $state.raw<string[]>([]);
  error = $state<string | null>(null);
  systemDark = $state(false);

  readonly theme = $derived(this.settings.theme);
  readonly resolvedTheme = $derived(resolveTheme(this.settings.theme, this.systemDark));

  private pending: { filters?: Record<string, string>; lastView?: string } = {};
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly saveDelay: number;
  /** Saves sent and not answered yet: until they are, `settings` may hold what they replace. */
  private saving = 0;

  constructor(
    private readonly api: Api,
    options: SettingsOptions = {},
  ) {
    this.saveDelay = options.saveDelayMs ?? 400;
    const media = options.media === undefined ? (globalThis.matchMedia?.('(prefers-color-scheme: dark)') ?? null) : options.media;
    if (media) {
      this.systemDark = media.matches;
      media.addEventListener('change', (e) => (this.systemDark = (e as MediaQueryListEvent).matches));
    }
  }

  /** Follows changes made elsewhere (another window or tab). Returns a stop function. */
  start(): () => void {
    return this.api.on('settings.changed', (settings) => this.adopt(settings));
  }

  async load(): Promise<void> {
    try {
      const state = await this.api.call('settings.get');
      this.adopt(state.settings);
      this.path = state.path;
      this.problem = state.problem;
      this.problems = state.problems ?? [];
      this.loaded = true;
      this.error = null;
    } catch (err) {
      this.error = `Could not read the settings: ${errorMessage(err)}`;
    }
  }

  /** The remembered text of a view's search or filter box. */
  filter(view: string): string {
    return this.pending.filters?.[view] ?? this.settings.filters[view] ?? '';
  }

  setTheme(theme: ThemePreference): Promise<void> {
    this.settings = { ...this.settings, theme };
    return this.save({ theme });
  }

  /** Replaces the listener baseline (listening sockets the user knows about); saved now. */
  setListenerBaseline(keys: string[]): Promise<void> {
    this.settings = { ...this.settings, listenerBaseline: keys };
    return this.save({ listenerBaseline: keys });
  }

  /** Turns alerts about new listening sockets on or off; saved now. */
  setListenerAlerts(on: boolean): Promise<void> {
    this.settings = { ...this.settings, listenerAlerts: on };
    return this.save({ listenerAlerts: on });
  }

  /** Remembers that the user let Portolan look for the router (asked at the first click); saved now. */
  allowRouterDiscovery(): Promise<void> {
    if (this.settings.routerDiscovery) return Promise.resolve();
    this.settings = { ...this.settings, routerDiscovery: true };
    return this.save({ routerDiscovery: true });
  }

  /** Remembers a filter; saved after a pause in typing. */
  rememberFilter(view: string, text: string): void {
    // While a save is on its way, the saved text may be the one it replaces (Sockets, then back
    // to Pairs within a round trip): only a text still waiting is known to be the last word.
    if ((this.saving ? this.pending.filters?.[view] : this.filter(view)) === text) return;
    this.pending.filters = { ...this.settings.filters, ...this.pending.filters, [view]: text };
    this.scheduleSave();
  }

  /**
   * Remembers the view shown; saved now, with any filter still waiting. A navigation is not
   * typing, and postponing it would keep pushing back a filter's save: a reload or a closed tab
   * soon after could lose both (a page's last WebSocket message is not reliably sent).
   */
  rememberView(view: string): void {
    if ((this.pending.lastView ?? this.settings.lastView) === view) return;
    this.pending.lastView = view;
    void this.flush();
  }

  /** Saves what is waiting now (also used when the page is about to close). */
  flush(): Promise<void> {
    clearTimeout(this.saveTimer);
    const patch = this.pending;
    this.pending = {};
    return Object.keys(patch).length ? this.save(patch) : Promise.resolve();
  }

  /** Draws the resolved theme on the page's root element. */
  apply(root: HTMLElement): void {
    root.dataset.theme = this.resolvedTheme;
    root.style.colorScheme = this.resolvedTheme;
  }

  private scheduleSave(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => void this.flush(), this.saveDelay);
  }

  private async save(patch: SettingsPatch): Promise<void> {
    this.saving++;
    try {
      const state = await this.api.call('settings.update', patch);
      this.adopt(state.settings);
      this.problems = state.problems ?? [];
      this.error = null;
    } catch (err) {
      this.error = `Could not save the settings: ${errorMessage(err)}`;
    } finally {
      this.saving--;
    }
  }

  /** Takes settings from the engine, keeping what is typed but not yet saved. */
  private adopt(settings: Settings): void {
    this.settings = {
      ...settings,
      filters: { ...settings.filters, ...this.pending.filters },
      lastView: this.pending.lastView ?? settings.lastView,
    };
  }
}
