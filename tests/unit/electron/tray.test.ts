import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp, type PortolanApp } from '../../../src-main/app/create-app.js';
import { FakeTray, resetStandin, type FakeNativeImage } from './electron-standin.js';

vi.mock('electron', async () => (await import('./electron-standin.js')).electron);

/** Waits for an expectation; generous, since the machine running the tests may be busy. */
const eventually = (check: () => void) => vi.waitFor(check, { timeout: 15_000, interval: 20 });

const { describeActive, PortolanTray, trayIconPath } = await import('../../../src-main/electron/tray.js');

let dataDir: string;
let app: PortolanApp;
let tray: InstanceType<typeof PortolanTray> | undefined;
const actions = { openWindow: vi.fn(), quit: vi.fn(), report: vi.fn() };

/** The fake tray's menu once it shows what `check` expects. */
async function menuWhen(check: (t: FakeTray) => void): Promise<FakeTray> {
  const fake = FakeTray.instances.at(-1)!;
  await eventually(() => check(fake));
  return fake;
}

async function createForward(name: string, start: boolean): Promise<string> {
  const result = (await app.invoke('forwards.create', { spec: { kind: 'tcp', name, listenPort: 0, targetHost: '127.0.0.1', targetPort: 9 }, start })) as any;
  expect(result).toMatchObject({ ok: true });
  return result.value.info.id;
}

describe('tray icon and menu', { timeout: 30_000 }, () => {
  beforeEach(async () => {
    resetStandin();
    Object.values(actions).forEach((fn) => fn.mockClear());
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'portolan-tray-'));
    app = await createApp({ assetsDir: path.resolve('assets'), dataDir, transport: 'ipc', heartbeatMs: 0 });
  });
  afterEach(async () => {
    tray?.destroy();
    tray = undefined;
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('uses a template image on macOS, an .ico on Windows, a PNG elsewhere', () => {
    expect(trayIconPath('/i', 'darwin')).toBe(path.join('/i', 'trayTemplate.png'));
    expect(trayIconPath('/i', 'win32')).toBe(path.join('/i', 'tray.ico'));
    expect(trayIconPath('/i', 'linux')).toBe(path.join('/i', 'tray.png'));
    tray = new PortolanTray(app, actions, '/icons');
    const image = FakeTray.instances[0]!.image as FakeNativeImage;
    expect(image.path).toBe(trayIconPath('/icons', process.platform));
    expect(image.template).toBe(process.platform === 'darwin');
  });

  it('with nothing saved: Open, empty sections, Pause all disabled, the two settings, Quit', async () => {
    tray = new PortolanTray(app, actions, '/icons');
    const fake = await menuWhen((t) => expect(t.menu).toBeDefined());
    expect(fake.menu!.template.filter((i) => i.type !== 'separator').map((i) => i.label)).toEqual([
      'Open Portolan',
      'Forwards',
      'No saved forwards',
      'Knock guards',
      'No guards',
      'Listeners',
      'No open listeners',
      'Pause all forwards and guards',
      'Start at login',
      'Quit when the window closes',
      'Quit Portolan',
    ]);
    expect(fake.item('Pause all forwards and guards').enabled).toBe(false);
    fake.item('Open Portolan').click();
    expect(actions.openWindow).toHaveBeenCalledOnce();
    fake.emit('click');
    expect(actions.openWindow).toHaveBeenCalledTimes(2);
    fake.item('Quit Portolan').click();
    expect(actions.quit).toHaveBeenCalledOnce();
    expect(fake.tooltip).toBe('Portolan');
  });

  it('lists each forward with its state; its tick starts and stops it', async () => {
    const id = await createForward('web', true);
    await createForward('db', false);
    tray = new PortolanTray(app, actions, '/icons');
    const fake = await menuWhen((t) => expect(t.item(/^web /)?.checked).toBe(true));
    expect(fake.item(/^web /).label).toMatch(/^web \(:\d+\) — on$/);
    expect(fake.item(/^db /)).toMatchObject({ type: 'checkbox', checked: false, label: 'db (:0) — stopped' });
    expect(fake.tooltip).toBe('Portolan — 1 forward');
    fake.item(/^web /).click();
    await menuWhen((t) => expect(t.item(/^web /)?.checked).toBe(false));
    expect(((await app.invoke('forwards.list', {})) as any).value.forwards.find((f: any) => f.id === id).state).toBe('stopped');
    fake.item(/^db /).click();
    await menuWhen((t) => expect(t.item(/^db /)?.checked).toBe(true));
    expect(fake.tooltip).toBe('Portolan — 1 forward');
  });

  it('lists open listeners; unticking one closes it', async () => {
    const opened = (await app.invoke('listeners.open', { protocol: 'tcp', host: '127.0.0.1', port: 0 })) as any;
    expect(opened).toMatchObject({ ok: true });
    tray = new PortolanTray(app, actions, '/icons');
    const label = `TCP 127.0.0.1:${opened.value.port} — 0 peers`;
    const fake = await menuWhen((t) => expect(t.item(label)?.checked).toBe(true));
    fake.item(label).click();
    await menuWhen((t) => expect(t.item('No open listeners')).toBeDefined());
  });

  it('Pause all stops every running forward', async () => {
    await createForward('a', true);
    await createForward('b', true);
    tray = new PortolanTray(app, actions, '/icons');
    const fake = await menuWhen((t) => expect(t.tooltip).toBe('Portolan — 2 forwards'));
    fake.item('Pause all forwards and guards').click();
    await menuWhen((t) => expect(t.tooltip).toBe('Portolan'));
    expect(fake.item(/^a /).checked).toBe(false);
    expect(fake.item(/^b /).checked).toBe(false);
  });

  it('the settings ticks change the saved settings', async () => {
    tray = new PortolanTray(app, actions, '/icons');
    const fake = await menuWhen((t) => expect(t.item('Quit when the window closes')?.checked).toBe(false));
    fake.item('Quit when the window closes').click();
    await menuWhen((t) => expect(t.item('Quit when the window closes')?.checked).toBe(true));
    expect(((await app.invoke('settings.get', {})) as any).value.settings.quitOnWindowClose).toBe(true);
  });

  it('says why a toggle failed instead of failing silently', async () => {
    // Two forwards on the same fixed port: the second cannot start.
    const first = (await app.invoke('forwards.create', { spec: { kind: 'tcp', name: 'one', listenPort: 0, targetHost: '127.0.0.1', targetPort: 9 }, start: true })) as any;
    const port = first.value.info.boundPort;
    await app.invoke('forwards.create', { spec: { kind: 'tcp', name: 'two', listenPort: port, targetHost: '127.0.0.1', targetPort: 9 }, start: false });
    tray = new PortolanTray(app, actions, '/icons');
    const fake = await menuWhen((t) => expect(t.item(/^two /)).toBeDefined());
    fake.item(/^two /).click();
    await eventually(() => expect(actions.report).toHaveBeenCalledWith(expect.stringMatching(/\S/)));
  });

  it('describes what runs in words', () => {
    const f = { state: 'up' } as any;
    expect(describeActive({ forwards: [], guards: [], listeners: [] })).toBe('');
    expect(describeActive({ forwards: [f, { state: 'failed' } as any], guards: [{ state: 'armed' } as any], listeners: [{} as any, {} as any] })).toBe('1 forward, 1 knock guard, 2 listeners');
  });
});
