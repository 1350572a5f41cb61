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
import { ExposureState } from './exposure.svelte.js';
import { ForwardsState } from './forwards.svelte.js';
import { KnockState } from './knock.svelte.js';
import { RouterState } from './router.svelte.js';
import { ScanState } from './scan.svelte.js';
import { LearnState } from './learn.svelte.js';
import { ListenerAlertsState, type Notify } from './listener-alerts.svelte.js';
import { SettingsState, type SettingsOptions } from './settings.svelte.js';
import { SocketsState } from './sockets.svelte.js';

export const VIEWS = [
  { id: 'start', title: 'Start', hint: 'Where to begin: forward a port, watch connections live, look a port up' },
  { id: 'dictionary', title: 'Dictionary', hint: 'Look ports up by number, range, name or word' },
  { id: 'sockets', title: 'Sockets', hint: "This machine's sockets and socket pairs, live" },
  { id: 'listen', title: 'Listeners', hint: 'Open a port or connect to one, and talk to peers in consoles' },
  { id: 'forwards', title: 'Forwards', hint: 'Local TCP/UDP forwards and SSH tunnels, saved and kept up' },
  { id: 'scan', title: 'Scanner', hint: 'Scan hosts for open TCP and UDP ports, with services and history' },
  { id: 'knock', title: 'Knocking', hint: 'Send knock sequences, and guard a listener behind one' },
  { id: 'router', title: 'Router', hint: 'Map ports on the home router (UPnP IGD, NAT-PMP, PCP) and keep them mapped' },
  { id: 'exposure', title: 'Exposure', hint: 'Who can reach each listening port: bind, firewall rule, router mapping' },
  { id: 'learn', title: 'Learn', hint: 'What ports, sockets and ranges are' },
] as const;
export type View = (typeof VIEWS)[number]['id'];

/** Views that take a prefill from the link (`#/scan?target=10.0.0.1&ports=22`). */
export type ActionView = 'sockets' | 'listen' | 'forwards' | 'scan' | 'knock' | 'router';
const ACTION_VIEWS: readonly string[] = ['sockets', 'listen', 'forwards', 'scan', 'knock', 'router'] satisfies ActionView[];

export type Route =
  | { view: 'dictionary'; port: number | null }
  | { view: ActionView; params: Record<string, string> }
  | { view: 'exposure' }
  | { view: 'start' }
  | { view: 'learn'; card: string | null };

/**
 * A prefill one view hands to another ("scan this host", "forward this port"): the target view
 * reads it once from {@link AppState.takeIntent} and fills its form with it.
 */
export interface Intent {
  view: ActionView;
  params: Record<string, string>;
  /** Distinguishes two identical intents in a row. */
  seq: number;
}

const withParams = (view: View, params: Record<string, string | number | undefined>): string => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const text = q.toString();
  return text ? `#/${view}?${text}` : `#/${view}`;
};

/** Links to every place in the app. */
export const href = {
  port: (port: number) => `#/port/${port}`,
  learn: (id?: string) => (id ? `#/learn/${id}` : '#/learn'),
  view: (view: View) => `#/${view}`,
  /** The Listeners view with the connect form filled (host, port, proto tcp|udp). */
  connect: (p: { host: string; port: number; proto?: 'tcp' | 'udp' }) => withParams('listen', { connect: p.host, port: p.port, proto: p.proto }),
  /** The Listeners view with the listen form filled. */
  listen: (p: { port: number; host?: string; proto?: 'tcp' | 'udp' }) => withParams('listen', { listen: p.port, host: p.host, proto: p.proto }),
  /** The Scanner view with its form filled (target, ports in the scanner's syntax, proto). */
  scan: (p: { target: string; ports?: string; proto?: 'tcp' | 'udp' }) => withParams('scan', p),
  /** The Forwards view with a new forward's form filled (target host:port, listen port, proto). */
  forward: (p: { targetHost: string; targetPort: number; listenPort?: number; proto?: 'tcp' | 'udp' }) => withParams('forwards', p),
  /** The Knocking view with the knock form filled (host, then-check port). */
  knock: (p: { host: string; check?: number }) => withParams('knock', p),
  /** The Router view with a new mapping's form filled (internal port, proto). */
  router: (p: { internalPort: number; proto?: 'tcp' | 'udp' }) => withParams('router', p),
  /** The Forwards view with the new-forward form open (remembered defaults, nothing prefilled). */
  newForward: () => withParams('forwards', { new: 1 }),
  /** The Sockets view with a filter typed in. */
  sockets: (filter: string) => withParams('sockets', { filter }),
};

/** A port number from text, when the text is exactly one. */
export function parsePort(text: string): number | null {
  const t = text.trim();
  if (!/^\d{1,5}$/.test(t)) return null;
  const n = Number(t);
  return n <= 65535 ? n : null;
}

export function parseRoute(hash: string): Route | null {
  const [pathPart, query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const [view, arg] = (pathPart ?? '').split('/');
  if (view === 'port') {
    const port = parsePort(arg ?? '');
    return port === null ? null : { view: 'dictionary', port };
  }
  if (view === 'dictionary') return { view, port: null };
  if (view === 'exposure' || view === 'start') return { view };
  if (view && ACTION_VIEWS.includes(view)) return { view: view as ActionView, params: Object.fromEntries(new URLSearchParams(query)) };
  if (view === 'learn') return { view, card: arg ? decodeURIComponent(arg) : null };
  return null;
}

export class AppState {
  /** The start page until the link or the remembered last view says otherwise. */
  view = $state<View>('start');
  learnId = $state<string | null>(null);
  paletteOpen = $state(false);
  /** The prefill the current link carries, until its view takes it. */
  intent = $state.raw<Intent | null>(null);
  private intentSeq = 0;

  readonly connection: ConnectionState;
  readonly settings: SettingsState;
  readonly dictionary: DictionaryState;
  readonly learn: LearnState;
  readonly sockets: SocketsState;
  readonly alerts: ListenerAlertsState;
  readonly consoles: ConsolesState;
  readonly forwards: ForwardsState;
  readonly scan: ScanState;
  readonly knock: KnockState;
  readonly router: RouterState;
  readonly exposure: ExposureState;

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
    const onRemember = (key: string, value: string) => this.settings.rememberFilter(key, value);
    this.consoles = new ConsolesState(api, { onRemember });
    this.forwards = new ForwardsState(api, { onRemember });
    this.scan = new ScanState(api, { onRemember });
    // Guards protect listeners and forwards: the Knocking view reads the lists these two follow.
    this.knock = new KnockState(api, { consoles: this.consoles, forwards: this.forwards }, { onRemember });
    this.router = new RouterState(api, {
      onRemember,
      consent: {
        given: () => this.settings.settings.routerDiscovery,
        give: () => void this.settings.allowRouterDiscovery(),
        known: () => this.settings.loaded || this.settings.error !== null,
      },
    });
    this.exposure = new ExposureState(api, { onRemember });
  }

  /** Starts following the engine and the location; returns a stop function. */
  start(): () => void {
    const onHash = () => this.route(location.hash);
    const onHide = () => void this.settings.flush();
    window.addEventListener('hashchange', onHash);
    window.addEventListener('pagehide', onHide);
    const stops = [
      this.connection.start(() => void this.onConnected()),
      this.settings.start(),
      this.consoles.start(),
      this.forwards.start(),
      this.scan.start(),
      this.knock.start(),
      this.router.start(),
    ];
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
    if (route.view === 'dictionary' && route.port !== null) void this.dictionary.showPort(route.port);
    if ('params' in route && Object.keys(route.params).length > 0) this.intent = { view: route.view, params: route.params, seq: ++this.intentSeq };
    if (route.view === 'learn') this.learnId = route.card ?? this.learnId;
    if (this.settings.loaded) this.settings.rememberView(route.view);
  }

  /**
   * The prefill for `view`, once: the view calls this from an effect and fills its form. The
   * link keeps its parameters (Back works) but they are not applied twice.
   */
  takeIntent(view: ActionView): Record<string, string> | null {
    const intent = this.intent;
    if (!intent || intent.view !== view) return null;
    this.intent = null;
    return intent.params;
  }

  /** Runs each time the link to the engine comes (back) up. */
  private async onConnected(): Promise<void> {
    if (!this.learn.loaded) void this.learn.load();
    if (!this.settings.loaded) {
      await this.settings.load();
      if (!this.settings.loaded) return;
      // A link to a port (#/port/443) made its number the search; otherwise the last search comes back.
      if (this.dictionary.selected === null) this.dictionary.setQuery(this.settings.filter('dictionary'));
      this.sockets.restore(this.settings.filter('sockets'), this.settings.filter('sockets.view'));
      const remembered = (key: string) => this.settings.filter(key);
      this.consoles.restore(remembered);
      this.forwards.editor.restore(remembered);
      this.scan.restore(remembered);
      this.knock.restore(remembered);
      this.router.restore(remembered);
      this.exposure.restore(remembered);
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
