import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp, type PortolanApp } from '../../../src-main/app/create-app.js';
import { FakeNotification, resetStandin } from './electron-standin.js';

vi.mock('electron', async () => (await import('./electron-standin.js')).electron);

const { DesktopNotifications, focusLink } = await import('../../../src-main/electron/notifications.js');

/** Waits for an expectation; generous, since the machine running the tests may be busy. */
const eventually = (check: () => void) => vi.waitFor(check, { timeout: 15_000, interval: 20 });

let dataDir: string;
let app: PortolanApp;
let notes: InstanceType<typeof DesktopNotifications>;
const openAt = vi.fn();

const shown = () => FakeNotification.instances.filter((n) => n.shown).map((n) => `${n.options.title} | ${n.options.body}`);

/** A forward as forwards.changed carries it, in a given state. */
async function forwardIn(state: string, id: string) {
  const list = (await app.invoke('forwards.list', {})) as any;
  return { ...list.value.forwards.find((f: any) => f.id === id), state };
}

describe('system notifications from the main process', { timeout: 30_000 }, () => {
  beforeEach(async () => {
    resetStandin();
    openAt.mockClear();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'portolan-notes-'));
    app = await createApp({ assetsDir: path.resolve('assets'), dataDir, transport: 'ipc', heartbeatMs: 0 });
    notes = new DesktopNotifications(app, openAt);
    await notes.start();
  });
  afterEach(async () => {
    notes.dispose();
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a forward that fails: its reason; a click opens the Forwards view at its row', async () => {
    const first = (await app.invoke('forwards.create', { spec: { kind: 'tcp', name: 'one', listenPort: 0, targetHost: '127.0.0.1', targetPort: 9 }, start: true })) as any;
    const second = (await app.invoke('forwards.create', { spec: { kind: 'tcp', name: 'two', listenPort: first.value.info.boundPort, targetHost: '127.0.0.1', targetPort: 9 }, start: false })) as any;
    await app.invoke('forwards.start', { id: second.value.info.id });
    await eventually(() => expect(shown()).toHaveLength(1));
    expect(shown()[0]).toMatch(/^Forward "two" failed \| \S/);
    FakeNotification.instances[0]!.click();
    expect(openAt).toHaveBeenCalledWith(`#/forwards?focus=${second.value.info.id}`);
  });

  it('a forward back up after retrying; nothing for other changes; nothing when turned off', async () => {
    const made = (await app.invoke('forwards.create', { spec: { kind: 'tcp', name: 'web', listenPort: 0, targetHost: '127.0.0.1', targetPort: 9 }, start: false })) as any;
    const id = made.value.info.id;
    for (const state of ['connecting', 'up', 'retrying', 'up']) app.bus.emit('forwards.changed', { forwards: [await forwardIn(state, id)], removed: [] });
    expect(shown()).toEqual(['Forward "web" is back up | The SSH session was lost and is connected again.']);
    await app.invoke('settings.update', { notifyForwardReconnected: false, notifyForwardFailed: false });
    for (const state of ['retrying', 'up', 'failed']) app.bus.emit('forwards.changed', { forwards: [await forwardIn(state, id)], removed: [] });
    expect(shown()).toHaveLength(1);
  });

  it('a router mapping lost (held, then refused); a click opens the Router view at it', async () => {
    const mapping = { id: 'tcp:8080', protocol: 'tcp', externalPort: 8080, internalHost: '192.168.1.20', internalPort: 80, leaseSeconds: 3600, description: 'web', via: 'upnp', state: 'active' } as any;
    app.bus.emit('router.changed', { mappings: [mapping] });
    app.bus.emit('router.changed', { mappings: [{ ...mapping, state: 'refused', error: { code: 'timeout', message: 'the router stopped answering' } }] });
    expect(shown()).toEqual(['Router mapping lost: TCP 8080 | 192.168.1.20:80 is no longer reachable through the router: the router stopped answering']);
    FakeNotification.instances[0]!.click();
    expect(openAt).toHaveBeenCalledWith(focusLink('router', 'tcp:8080'));
    // A mapping refused at once (never held) is the form's business, not a notification.
    app.bus.emit('router.changed', { mappings: [{ ...mapping, id: 'udp:9', state: 'refused' }] });
    expect(shown()).toHaveLength(1);
  });

  it('a new listening port outside the baseline, once; not with alerts off or no baseline yet', async () => {
    const row = (port: number, state = 'LISTEN') => ({ id: `r${port}`, proto: 'tcp', localAddress: '0.0.0.0', localPort: port, remoteAddress: '0.0.0.0', remotePort: 0, state, pid: 42, process: 'nc' }) as any;
    app.bus.emit('sockets.diff', { tick: 1, at: 0, added: [row(4444)], removed: [], changed: [] });
    expect(shown()).toEqual([]);
    await app.invoke('settings.update', { listenerBaseline: ['tcp|0.0.0.0|22'] });
    app.bus.emit('sockets.diff', { tick: 2, at: 0, added: [row(22), row(4444), row(5555, 'ESTABLISHED')], removed: [], changed: [] });
    app.bus.emit('sockets.diff', { tick: 3, at: 0, added: [row(4444)], removed: [], changed: [] });
    expect(shown()).toEqual(['New listening port | TCP 0.0.0.0:4444 opened by nc (pid 42)']);
    FakeNotification.instances[0]!.click();
    expect(openAt).toHaveBeenCalledWith('#/sockets?focus=tcp%7C0.0.0.0%7C4444');
    await app.invoke('settings.update', { listenerAlerts: false });
    app.bus.emit('sockets.diff', { tick: 4, at: 0, added: [row(6666)], removed: [], changed: [] });
    expect(shown()).toHaveLength(1);
  });

  it('a port newly exposed since the attack-surface baseline; a click opens the Exposure view; not with alerts off', async () => {
    const item = { protocol: 'tcp' as const, address: '0.0.0.0', port: 6379, process: 'redis', reachableFrom: 'lan' as const };
    const change = (kind: 'new' | 'closed') => ({ kind, key: 'tcp|0.0.0.0|6379', item, text: `${kind === 'new' ? 'New' : 'Closed'}: tcp 0.0.0.0:6379 (redis)` });
    app.bus.emit('exposure.changed', { baselineAt: 1, alert: false, changes: [change('closed')] });
    expect(shown()).toEqual([]);
    app.bus.emit('exposure.changed', { baselineAt: 1, alert: true, changes: [change('new'), { ...change('new'), key: 'udp|::|53' }, change('closed')] });
    expect(shown()).toEqual(['Newly exposed to the network | New: tcp 0.0.0.0:6379 (redis) (and 1 more)']);
    FakeNotification.instances[0]!.click();
    expect(openAt).toHaveBeenCalledWith('#/exposure');
    await app.invoke('settings.update', { listenerAlerts: false });
    app.bus.emit('exposure.changed', { baselineAt: 1, alert: true, changes: [change('new')] });
    expect(shown()).toHaveLength(1);
  });
});
