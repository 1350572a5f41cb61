import { describe, expect, it } from 'vitest';
import { Api } from '../../src-renderer/src/lib/api/client.js';
import { baselineOf, listenerKey, newListeners, withKeys } from '../../src-renderer/src/lib/sockets/alerts.js';
import { ListenerAlertsState } from '../../src-renderer/src/lib/state/listener-alerts.svelte.js';
import { SettingsState } from '../../src-renderer/src/lib/state/settings.svelte.js';
import { FakeTransport, ok } from './fake-transport.js';
import { row } from './socket-rows.js';

const ssh = row({ localAddress: '0.0.0.0', localPort: 22, pid: 1, process: 'sshd' });
const dns = row({ proto: 'udp', localAddress: '127.0.0.53', localPort: 53, state: 'UNCONN' });
const conn = row({ localPort: 50000, remotePort: 22 });
const web = row({ localAddress: '0.0.0.0', localPort: 8080, pid: 9, process: 'node' });

describe('the listener baseline', () => {
  it('keys listening sockets by protocol, address and port', () => {
    expect(listenerKey(ssh)).toBe('tcp|0.0.0.0|22');
    expect(baselineOf([conn, ssh, dns, ssh])).toEqual(['tcp|0.0.0.0|22', 'udp|127.0.0.53|53']);
    expect(newListeners([ssh, conn, web, web, dns], new Set(['tcp|0.0.0.0|22', 'udp|127.0.0.53|53']))).toEqual([web]);
    expect(withKeys(['b', 'a'], ['a', 'c'], 2)).toEqual(['a', 'b']);
  });
});

async function setup(baseline: string[], alerts = true) {
  let settings = { theme: 'system', filters: {}, lastView: 'sockets', listenerBaseline: baseline, listenerAlerts: alerts };
  const transport = new FakeTransport({
    'settings.get': () => ok({ settings, path: '/tmp/s.json' }),
    'settings.update': (patch) => {
      settings = { ...settings, ...patch };
      return ok({ settings, path: '/tmp/s.json' });
    },
  });
  const state = new SettingsState(new Api(transport), { media: null });
  await state.load();
  const notified: string[] = [];
  const alertState = new ListenerAlertsState(state, (title, body) => notified.push(`${title}: ${body}`));
  return { transport, state, alertState, notified, saved: () => settings.listenerBaseline };
}

describe('ListenerAlertsState', () => {
  it('takes the first table as the baseline silently when there is none', async () => {
    const { alertState, saved, notified } = await setup([]);
    alertState.onSnapshot([ssh, conn, dns]);
    await Promise.resolve();
    expect(saved()).toEqual(['tcp|0.0.0.0|22', 'udp|127.0.0.53|53']);
    expect(alertState.alerts).toEqual([]);
    expect(notified).toEqual([]);
  });

  it('alerts once per new listener outside the baseline; add to baseline or dismiss', async () => {
    const { alertState, saved, notified, transport } = await setup(['tcp|0.0.0.0|22']);
    alertState.onSnapshot([ssh, web]); // a baseline exists: the snapshot changes nothing
    expect(transport.callsOf('settings.update')).toEqual([]);
    alertState.onAdded([ssh, conn, web]);
    alertState.onAdded([web]);
    expect(alertState.alerts.map((a) => a.key)).toEqual(['tcp|0.0.0.0|8080']);
    expect(notified).toEqual(['New listening port: TCP 0.0.0.0:8080 opened by node (pid 9)']);
    await alertState.accept(alertState.alerts[0]!);
    expect(saved()).toEqual(['tcp|0.0.0.0|22', 'tcp|0.0.0.0|8080']);
    expect(alertState.alerts).toEqual([]);

    alertState.onAdded([dns]);
    alertState.dismiss(alertState.alerts[0]!);
    alertState.onAdded([dns]);
    expect(alertState.alerts).toEqual([]);
  });

  it('stays quiet when alerts are off, and accepts every current listener as the baseline', async () => {
    const { alertState, saved } = await setup(['tcp|0.0.0.0|22'], false);
    alertState.onAdded([web]);
    expect(alertState.alerts).toEqual([]);
    await alertState.setEnabled(true);
    alertState.onAdded([web]);
    expect(alertState.alerts).toHaveLength(1);
    await alertState.acceptAll([ssh, web, conn]);
    expect(saved()).toEqual(['tcp|0.0.0.0|22', 'tcp|0.0.0.0|8080']);
    expect(alertState.alerts).toEqual([]);
  });
});
