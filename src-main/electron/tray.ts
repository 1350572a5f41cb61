/**
 * The tray (menu-bar) icon: what keeps running when the window is closed, with a toggle for
 * each saved forward, knock guard and open listener, "Pause all", two desktop settings, and Quit.
 * The menu is rebuilt from the app's state whenever it changes.
 */
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import path from 'node:path';
import type { PortolanApp } from '../app/create-app.js';
import type { ForwardInfo, GuardInfo, ListenerInfo, Settings, SettingsPatch } from '../contract/index.js';

/** What the tray shows: the app's running things and the desktop settings. */
export interface TrayState {
  forwards: ForwardInfo[];
  guards: GuardInfo[];
  listeners: ListenerInfo[];
  settings: Settings;
}

/** What the tray's items do; the composition root provides them. */
export interface TrayActions {
  /** Shows the main window (creating it when there is none). */
  openWindow(): void;
  /** Quits the app (which asks first when forwards would stop). */
  quit(): void;
  /** Says why a toggle failed (a forward that needs a password, a port in use...). */
  report(message: string): void;
}

/** True while a forward carries traffic or tries to (anything but stopped and failed). */
export function isForwardRunning(forward: ForwardInfo): boolean {
  return forward.state !== 'stopped' && forward.state !== 'failed';
}

/** What keeps running when the window closes: running forwards, armed guards, open listeners. */
export function activeThings(state: Pick<TrayState, 'forwards' | 'guards' | 'listeners'>): { forwards: ForwardInfo[]; guards: GuardInfo[]; listeners: ListenerInfo[] } {
  return {
    forwards: state.forwards.filter(isForwardRunning),
    guards: state.guards.filter((g) => g.state === 'armed'),
    listeners: state.listeners,
  };
}

/** "2 forwards, 1 listener": what is running, in words; empty when nothing is. */
export function describeActive(state: Pick<TrayState, 'forwards' | 'guards' | 'listeners'>): string {
  const active = activeThings(state);
  const count = (n: number, one: string) => (n === 0 ? [] : [`${n} ${one}${n === 1 ? '' : 's'}`]);
  return [...count(active.forwards.length, 'forward'), ...count(active.guards.length, 'knock guard'), ...count(active.listeners.length, 'listener')].join(', ');
}

/** Reads the tray's state from the app. */
export async function readTrayState(app: PortolanApp): Promise<TrayState> {
  const [forwards, guards, sessions, settings] = await Promise.all([
    app.handlers['forwards.list']({}),
    app.handlers['knock.guards.list']({}),
    app.handlers['listeners.list']({}),
    app.handlers['settings.get']({}),
  ]);
  return { forwards: forwards.forwards.filter((f) => f.saved || isForwardRunning(f)), guards, listeners: sessions.listeners, settings: settings.settings };
}

/** Runs a call for a menu item; a failure is reported in a sentence, never thrown. */
async function run(app: PortolanApp, actions: TrayActions, name: string, input: unknown): Promise<void> {
  const result = await app.invoke(name, input);
  if (!result.ok) actions.report(result.error.message);
}

const FORWARD_WORDS: Record<ForwardInfo['state'], string> = {
  stopped: 'stopped',
  listening: 'on',
  connecting: 'connecting…',
  up: 'up',
  retrying: 'retrying…',
  failed: 'failed',
};

/** The tray menu for a state (exported for the unit test). */
export function trayMenuTemplate(state: TrayState, app: PortolanApp, actions: TrayActions): MenuItemConstructorOptions[] {
  const heading = (label: string): MenuItemConstructorOptions => ({ label, enabled: false });
  const none = (label: string): MenuItemConstructorOptions[] => [{ label, enabled: false }];
  const forwards = state.forwards.map((f): MenuItemConstructorOptions => {
    const port = f.boundPort ?? f.spec.listenPort;
    return {
      label: `${f.spec.name} (:${port}) — ${FORWARD_WORDS[f.state]}`,
      type: 'checkbox',
      checked: isForwardRunning(f),
      click: () => void run(app, actions, isForwardRunning(f) ? 'forwards.stop' : 'forwards.start', { id: f.id }),
    };
  });
  const guards = state.guards.map((g): MenuItemConstructorOptions => ({
    label: `${g.spec.name} — ${g.state}`,
    type: 'checkbox',
    checked: g.state === 'armed',
    click: () => void run(app, actions, g.state === 'armed' ? 'knock.guards.stop' : 'knock.guards.start', { id: g.id }),
  }));
  // Listeners are not saved: unticking one closes it (open a new one in the window).
  const listeners = state.listeners.map((l): MenuItemConstructorOptions => ({
    label: `${l.protocol.toUpperCase()} ${l.host}:${l.port} — ${l.activePeers} ${l.activePeers === 1 ? 'peer' : 'peers'}`,
    type: 'checkbox',
    checked: true,
    click: () => void run(app, actions, 'listeners.close', { id: l.id }),
  }));
  const active = activeThings(state);
  const setting = (label: string, key: 'startAtLogin' | 'quitOnWindowClose'): MenuItemConstructorOptions => ({
    label,
    type: 'checkbox',
    checked: state.settings[key],
    click: () => void run(app, actions, 'settings.update', { [key]: !state.settings[key] } satisfies SettingsPatch),
  });
  return [
    { label: 'Open Portolan', click: () => actions.openWindow() },
    { type: 'separator' },
    heading('Forwards'),
    ...(forwards.length ? forwards : none('No saved forwards')),
    heading('Knock guards'),
    ...(guards.length ? guards : none('No guards')),
    heading('Listeners'),
    ...(listeners.length ? listeners : none('No open listeners')),
    { type: 'separator' },
    {
      label: 'Pause all forwards and guards',
      enabled: active.forwards.length + active.guards.length > 0,
      click: () => {
        for (const f of active.forwards) void run(app, actions, 'forwards.stop', { id: f.id });
        for (const g of active.guards) void run(app, actions, 'knock.guards.stop', { id: g.id });
      },
    },
    { type: 'separator' },
    setting('Start at login', 'startAtLogin'),
    setting('Quit when the window closes', 'quitOnWindowClose'),
    { type: 'separator' },
    { label: 'Quit Portolan', click: () => actions.quit() },
  ];
}

/**
 * The tray icon file for a platform, in `iconsDir` (dist/icons/tray, made by scripts/make-icons.mjs):
 * a template image on macOS (Electron picks trayTemplate@2x.png on Retina and tints it for the
 * menu bar), an .ico with 16-48 px images on Windows, a 24 px PNG (48 px @2x) elsewhere.
 */
export function trayIconPath(iconsDir: string, platform: NodeJS.Platform): string {
  if (platform === 'darwin') return path.join(iconsDir, 'trayTemplate.png');
  if (platform === 'win32') return path.join(iconsDir, 'tray.ico');
  return path.join(iconsDir, 'tray.png');
}

/** Labels and ticks of a template: the menu is rebuilt only when these change. */
function signature(template: MenuItemConstructorOptions[]): string {
  return JSON.stringify(template.map((i) => [i.label, i.type, i.checked, i.enabled]));
}

/** The live tray icon; follows the app's events and rebuilds its menu when what it shows changes. */
export class PortolanTray {
  readonly tray: Tray;
  private shown = '';
  private pending: Promise<void> | undefined;
  private again = false;
  private readonly unsubscribe: (() => void)[];
  private destroyed = false;

  constructor(
    private readonly app: PortolanApp,
    private readonly actions: TrayActions,
    iconsDir: string,
  ) {
    const image = nativeImage.createFromPath(trayIconPath(iconsDir, process.platform));
    if (process.platform === 'darwin') image.setTemplateImage(true);
    this.tray = new Tray(image);
    this.tray.setToolTip('Portolan');
    // Windows and Linux: a click on the icon opens the window (macOS shows the menu).
    this.tray.on('click', () => actions.openWindow());
    const refresh = () => this.refresh();
    this.unsubscribe = [
      app.bus.on('forwards.changed', refresh),
      app.bus.on('knock.guards.changed', refresh),
      app.bus.on('sessions.changed', refresh),
      app.bus.on('settings.changed', refresh),
    ];
    void this.refresh();
  }

  /** Rebuilds the menu from the app's state (coalesced: at most one read in flight and one pending). */
  refresh(): Promise<void> {
    if (this.pending) {
      this.again = true;
      return this.pending;
    }
    this.pending = (async () => {
      do {
        this.again = false;
        const state = await readTrayState(this.app).catch(() => undefined);
        if (!state || this.destroyed) return;
        const template = trayMenuTemplate(state, this.app, this.actions);
        const next = signature(template);
        if (next !== this.shown) {
          this.shown = next;
          this.tray.setContextMenu(Menu.buildFromTemplate(template));
          const running = describeActive(state);
          this.tray.setToolTip(running ? `Portolan — ${running}` : 'Portolan');
        }
      } while (this.again && !this.destroyed);
    })().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Removes the icon and stops following events. */
  destroy(): void {
    this.destroyed = true;
    for (const off of this.unsubscribe) off();
    this.tray.destroy();
  }
}
