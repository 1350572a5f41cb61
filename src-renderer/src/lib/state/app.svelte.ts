/**
 * The whole renderer's state: the link to the engine, settings, each view's state, and the route.
 * Routes live in the location hash (#/port/443, #/learn/tcp-udp), so every port number and every
 * concept can be a plain link, and Back works.
 */
import { getContext, setContext } from 'svelte';
import type { Api } from '../api/client.js';
import { ConnectionState } from './connection.svelte.js';
import { ConsolesState } from './consoles.svelte.js';
import { DictionaryState } from './dictionary.svelte.js';
import { LearnState } from './learn.svelte.js';
import { ListenerAlertsState, type Notify } from './listener-alerts.svelte.js';
import { SettingsState, type SettingsOptions } from './settings.svelte.js';
import { SocketsState } from './sockets.svelte.js';

export const VIEWS = [
  { id: 'dictionary', title: 'Dictionary', hint: 'Look ports up by number, range, name or word' },
  { id: 'sockets', title: 'Sockets', hint: "This machine's sockets and socket pairs, live" },
  { id: 'listen', title: 'Listeners', hint: 'Open a port or connect to one, and talk to peers in consoles' },
  { id: 'learn', title: 'Learn', hint: 'What ports, sockets and ranges are' },
] as const;
export type View = (typeof VIEWS)[number]['id'];

export type Route =
  | { view: 'dictionary'; port: number | null }
  | { view: 'sockets' }
  | { view: 'listen' }
  | { view: 'learn'; card: string | null };

/** Links to every place in the app. */
export const href = {
  port: (port: number) => `#/port/${port}`,
  learn: (id?: string) => (id ? `#/learn/${id}` : '#/learn'),
  view: (view: View) => `#/${view}`,
};

/** A port number from text, when the text is exactly one. */
export function parsePort(text: string): number | null {
  const t = text.trim();
  if (!/^\d{1,5}$/.test(t)) return null;
  const n = Number(t);
  return n <= 65535 ? n : null;
}

export function parseRoute(hash: string): Route | null {
  const [view, arg] = hash.replace(/^#\/?/, '').split('/');
  if (view === 'port') {
    const port = parsePort(arg ?? '');
    return port === null ? null : { view: 'dictionary', port };
  }
  if (view === 'dictionary') return { view, port: null };
  if (view === 'sockets' || view === 'listen') return { view };
  if (view === 'learn') return { view, card: arg ? decodeURIComponent(arg) : null };
  return null;
}

export class AppState {
  view = $state<View>('dictionary');
  learnId = $state<string | null>(null);
  paletteOpen = $state(false);

  readonly connection: ConnectionState;
  readonly settings: SettingsState;
  readonly dictionary: DictionaryState;
  readonly learn: LearnState;
  readonly sockets: SocketsState;
  readonly alerts: ListenerAlertsState;
  readonly consoles: ConsolesState;

  constructor(
    readonly api: Api,
    options: { settings?: SettingsOptions; debounceMs?: number; notify?: Notify } = {},
  ) {
    this.connection = new ConnectionState(api);
    this.settings = new SettingsState(api, options.settings);
    this.dictionary = new DictionaryState(api, {
      debounceMs: options.debounceMs,
      onQuery: (query) => this.settings.rememberFilter('dictionary', query),
    });
    this.learn = new LearnState(api);
    this.alerts = new ListenerAlertsState(this.settings, options.notify);
    this.sockets = new SocketsState(api, {
      onFilter: (text) => this.settings.rememberFilter('sockets', text),
      onOptions: (encoded) => this.settings.rememberFilter('sockets.view', encoded),
      listeners: this.alerts,
    });
    this.consoles = new ConsolesState(api, { onRemember: (key, value) => this.settings.rememberFilter(key, value) });
  }

  /** Starts following the engine and the location; returns a stop function. */
  start(): () => void {
    const onHash = () => this.route(location.hash);
    const onHide = () => void this.settings.flush();
    window.addEventListener('hashchange', onHash);
    window.addEventListener('pagehide', onHide);
    const stops = [this.connection.start(() => void this.onConnected()), this.settings.start(), this.consoles.start()];
    onHash();
    return () => {
      window.removeEventListener('hashchange', onHash);
      window.removeEventListener('pagehide', onHide);
      stops.forEach((stop) => stop());
    };
  }

  /** Goes to a place; the hashchange that follows does the rest. */
  navigate(hash: string): void {
    if (location.hash === hash) this.route(hash);
    else location.hash = hash;
  }

  route(hash: string): void {
    const route = parseRoute(hash);
    if (!route) return;
    this.view = route.view;
    if (route.view === 'dictionary' && route.port !== null) void this.dictionary.openPort(route.port);
    if (route.view === 'learn') this.learnId = route.card ?? this.learnId;
    if (this.settings.loaded) this.settings.rememberView(route.view);
  }

  /** Runs each time the link to the engine comes (back) up. */
  private async onConnected(): Promise<void> {
    if (!this.learn.loaded) void this.learn.load();
    if (!this.settings.loaded) {
      await this.settings.load();
      if (!this.settings.loaded) return;
      this.dictionary.setQuery(this.settings.filter('dictionary'));
      this.sockets.restore(this.settings.filter('sockets'), this.settings.filter('sockets.view'));
      this.consoles.restore((key) => this.settings.filter(key));
      if (this.sockets.loaded) this.alerts.onSnapshot(this.sockets.allRows());
      if (!parseRoute(location.hash)) {
        const last = VIEWS.find((v) => v.id === this.settings.settings.lastView);
        if (last) this.view = last.id;
      }
    }
    const dict = this.dictionary;
    if (dict.cardError && dict.selected !== null) void dict.openPort(dict.selected);
    if (dict.query && (dict.error || !dict.result)) await dict.lookup();
  }
}

const KEY = Symbol('portolan-app');
export const setApp = (app: AppState) => setContext(KEY, app);
export const getApp = () => getContext<AppState>(KEY);
