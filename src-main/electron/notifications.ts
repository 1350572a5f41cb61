/**
 * System notifications from the main process (Electron's Notification), so they show whether or
 * not a window is open: a new listening port outside the user's baseline, a port newly exposed to
 * the network since the attack-surface baseline, a forward that fails or comes back up, a router
 * mapping lost. Each kind can be turned off in the settings; a click
 * opens the window at the view of that row (its link: #/forwards?focus=<id>...).
 */
import { Notification } from 'electron';
import type { PortolanApp } from '../app/create-app.js';
import type { ForwardInfo, Mapping, Settings, SocketRow, SurfaceDiff } from '../contract/index.js';

/** Opens the window at a place in the app (a link of the renderer's router, "#/forwards?..."). */
export type OpenAt = (hash: string) => void;

/** The link to a view with the row to focus. */
export function focusLink(view: 'forwards' | 'sockets' | 'router', focus: string): string {
  return `#/${view}?${new URLSearchParams({ focus }).toString()}`;
}

/** The baseline's name of a listening socket ("tcp|0.0.0.0|22"), as the settings keep it. */
function baselineKey(row: SocketRow): string {
  return `${row.proto}|${row.localAddress}|${row.localPort}`;
}

/** Follows the app's events and raises the notifications the settings allow. */
export class DesktopNotifications {
  private settings: Settings | undefined;
  private readonly forwardStates = new Map<string, ForwardInfo['state']>();
  private readonly mappingStates = new Map<string, Mapping['state']>();
  /** Listeners already announced in this run (the baseline changes only when the user accepts). */
  private readonly announced = new Set<string>();
  private readonly unsubscribe: (() => void)[];

  constructor(
    private readonly app: PortolanApp,
    private readonly openAt: OpenAt,
  ) {
    this.unsubscribe = [
      app.bus.on('settings.changed', (settings) => void (this.settings = settings)),
      app.bus.on('forwards.changed', ({ forwards, removed }) => this.onForwards(forwards, removed)),
      app.bus.on('router.changed', ({ mappings }) => this.onMappings(mappings)),
      app.bus.on('sockets.diff', ({ added }) => this.onAdded(added)),
      app.bus.on('exposure.changed', (diff) => this.onExposed(diff)),
    ];
  }

  /** Reads the settings and the states to compare against; call once after construction. */
  async start(): Promise<void> {
    const [settings, forwards] = await Promise.all([this.app.handlers['settings.get']({}), this.app.handlers['forwards.list']({})]);
    this.settings ??= settings.settings;
    for (const f of forwards.forwards) if (!this.forwardStates.has(f.id)) this.forwardStates.set(f.id, f.state);
  }

  /** Stops following events. */
  dispose(): void {
    for (const off of this.unsubscribe) off();
  }

  private show(title: string, body: string, link: string): void {
    if (!Notification.isSupported()) return;
    const note = new Notification({ title, body });
    note.on('click', () => this.openAt(link));
    note.show();
  }

  private onForwards(forwards: ForwardInfo[], removed: string[]): void {
    for (const id of removed) this.forwardStates.delete(id);
    for (const f of forwards) {
      const before = this.forwardStates.get(f.id);
      this.forwardStates.set(f.id, f.state);
      if (before === undefined || before === f.state || !this.settings) continue;
      if (f.state === 'failed' && this.settings.notifyForwardFailed) {
        this.show(`Forward "${f.spec.name}" failed`, f.error?.message ?? 'It stopped; open Portolan to see why.', focusLink('forwards', f.id));
      } else if (f.state === 'up' && before === 'retrying' && this.settings.notifyForwardReconnected) {
        this.show(`Forward "${f.spec.name}" is back up`, 'The SSH session was lost and is connected again.', focusLink('forwards', f.id));
      }
    }
  }

  private onMappings(mappings: Mapping[]): void {
    for (const m of mappings) {
      const before = this.mappingStates.get(m.id);
      this.mappingStates.set(m.id, m.state);
      // Lost: the router held it and now refuses it (a renewal or re-application failed).
      if (m.state === 'refused' && (before === 'active' || before === 'renewing') && this.settings?.notifyRouterLost) {
        this.show(
          `Router mapping lost: ${m.protocol.toUpperCase()} ${m.externalPort}`,
          `${m.internalHost}:${m.internalPort} is no longer reachable through the router${m.error ? `: ${m.error.message}` : '.'}`,
          focusLink('router', m.id),
        );
      }
    }
  }

  /** The engine sends exposure.changed once per new set of exposures; new listeners' setting governs it too. */
  private onExposed(diff: SurfaceDiff): void {
    if (!this.settings?.listenerAlerts) return;
    const alerts = diff.changes.filter((c) => c.kind === 'new' || c.kind === 'widened' || c.kind === 'process');
    if (alerts.length === 0) return;
    const more = alerts.length > 1 ? ` (and ${alerts.length - 1} more)` : '';
    this.show('Newly exposed to the network', `${alerts[0]!.text}${more}`, '#/exposure');
  }

  private onAdded(rows: SocketRow[]): void {
    const settings = this.settings;
    // Without a baseline yet, the window makes the first one: nothing is "new" before that.
    if (!settings?.listenerAlerts || settings.listenerBaseline.length === 0) return;
    const baseline = new Set(settings.listenerBaseline);
    for (const row of rows) {
      const listening = row.state === 'LISTEN' || (row.proto.startsWith('udp') && row.state === 'UNCONN');
      const key = baselineKey(row);
      if (!listening || baseline.has(key) || this.announced.has(key)) continue;
      this.announced.add(key);
      const who = row.process ? `${row.process} (pid ${row.pid})` : 'a process this user cannot see';
      this.show('New listening port', `${row.proto.toUpperCase()} ${row.localAddress}:${row.localPort} opened by ${who}`, focusLink('sockets', key));
    }
  }
}
