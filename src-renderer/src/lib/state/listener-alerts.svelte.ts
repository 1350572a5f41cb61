/**
 * Alerts about new listening sockets: a toast (and a system notification only where the page
 * already has the permission: this never asks) for each listener outside the user's baseline.
 */
import type { SocketRow } from '../../../../src-main/contract/sockets.js';
import { baselineOf, listenerKey, newListeners, withKeys } from '../sockets/alerts.js';
import type { SettingsState } from './settings.svelte.js';

/** One alert on screen. */
export interface ListenerAlert {
  key: string;
  row: SocketRow;
  at: number;
}

/** Shows a system notification; the default uses the Notification API when already granted. */
export type Notify = (title: string, body: string) => void;

/** Uses the browser's Notification API only when permission was granted before. */
export const systemNotify: Notify = (title, body) => {
  if (typeof Notification !== 'undefined' && Notification.permission === 'granted') new Notification(title, { body, tag: 'portolan-listener' });
};

export class ListenerAlertsState {
  alerts = $state.raw<ListenerAlert[]>([]);
  /** Keys dismissed in this session: not raised again until the page reloads. */
  private readonly dismissed = new Set<string>();

  constructor(
    private readonly settings: SettingsState,
    private readonly notify: Notify = systemNotify,
  ) {}

  /** Whether alerts are on (a setting). */
  get enabled(): boolean {
    return this.settings.settings.listenerAlerts;
  }

  /** How many listening sockets the baseline knows. */
  get baselineSize(): number {
    return this.settings.settings.listenerBaseline.length;
  }

  /** A full table arrived: the first time ever (empty baseline) it becomes the baseline, silently. */
  onSnapshot(rows: readonly SocketRow[]): void {
    if (!this.settings.loaded || this.settings.settings.listenerBaseline.length) return;
    const keys = baselineOf(rows);
    if (keys.length) void this.settings.setListenerBaseline(keys);
  }

  /** Rows appeared: alert on listeners the baseline does not know. */
  onAdded(rows: readonly SocketRow[]): void {
    if (!this.settings.loaded || !this.enabled || !rows.length) return;
    const baseline = new Set(this.settings.settings.listenerBaseline);
    const showing = new Set(this.alerts.map((a) => a.key));
    const fresh = newListeners(rows, baseline).filter((r) => !showing.has(listenerKey(r)) && !this.dismissed.has(listenerKey(r)));
    if (!fresh.length) return;
    const now = Date.now();
    this.alerts = [...this.alerts, ...fresh.map((row) => ({ key: listenerKey(row), row, at: now }))];
    for (const row of fresh) {
      const who = row.process ? `${row.process} (pid ${row.pid})` : 'a process this user cannot see';
      this.notify('New listening port', `${row.proto.toUpperCase()} ${row.localAddress}:${row.localPort} opened by ${who}`);
    }
  }

  /** Adds the alert's listener to the baseline and closes the alert. */
  accept(alert: ListenerAlert): Promise<void> {
    this.alerts = this.alerts.filter((a) => a !== alert);
    return this.settings.setListenerBaseline(withKeys(this.settings.settings.listenerBaseline, [alert.key]));
  }

  /** Closes the alert; the same listener does not alert again in this session. */
  dismiss(alert: ListenerAlert): void {
    this.dismissed.add(alert.key);
    this.alerts = this.alerts.filter((a) => a !== alert);
  }

  /** Makes the listeners among `rows` the whole baseline and closes every alert. */
  acceptAll(rows: Iterable<SocketRow>): Promise<void> {
    this.alerts = [];
    return this.settings.setListenerBaseline(baselineOf(rows));
  }

  setEnabled(on: boolean): Promise<void> {
    if (!on) this.alerts = [];
    return this.settings.setListenerAlerts(on);
  }
}
