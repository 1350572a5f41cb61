import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { SettingsStore } from '../../../src-main/app/settings-store.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'portolan-settings-'));
  file = path.join(dir, 'settings.json');
});

describe('SettingsStore', () => {
  it('starts from defaults when there is no file', async () => {
    const state = await new SettingsStore(file).load();
    expect(state.settings).toMatchObject({ theme: 'system', filters: {}, lastView: 'start', listenerBaseline: [], listenerAlerts: true, quitOnWindowClose: false, startAtLogin: false, routerDiscovery: false });
    expect(state.problem).toBeUndefined();
  });

  it('persists updates and merges remembered filters', async () => {
    const store = new SettingsStore(file);
    await store.load();
    await store.update({ filters: { dictionary: 'ssh' } });
    await store.update({ theme: 'dark', filters: { sockets: 'state:listen' } });
    const again = await new SettingsStore(file).load();
    expect(again.settings).toMatchObject({ theme: 'dark', filters: { dictionary: 'ssh', sockets: 'state:listen' } });
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('applies concurrent updates in order', async () => {
    const store = new SettingsStore(file);
    await store.load();
    await Promise.all(['light', 'dark', 'system', 'light'].map((theme) => store.update({ theme: theme as 'light' })));
    expect(JSON.parse(await readFile(file, 'utf8')).theme).toBe('light');
  });

  it('keeps a corrupt file aside, reports it and never overwrites it', async () => {
    await writeFile(file, '{"theme": "dark", oops');
    const state = await new SettingsStore(file).load();
    expect(state.settings.theme).toBe('system');
    expect(state.problem).toMatch(/damaged.*kept as .*settings\.json\.corrupt-/);
    const aside = (await readdir(dir)).find((f) => f.includes('.corrupt-'));
    expect(aside).toBeDefined();
    expect(await readFile(path.join(dir, aside!), 'utf8')).toBe('{"theme": "dark", oops');
  });

  it('treats a file of the wrong shape as damaged too', async () => {
    await writeFile(file, JSON.stringify({ theme: 'purple' }));
    const state = await new SettingsStore(file).load();
    expect(state.problem).toMatch(/theme/);
  });
});
