import { afterEach, describe, expect, it, vi } from 'vitest';
import { Api } from '../../src-renderer/src/lib/api/client.js';
import { resolveTheme, SettingsState } from '../../src-renderer/src/lib/state/settings.svelte.js';
import type { CallResult } from '../../src-main/contract/channels.js';
import { deferred, FakeTransport, ok } from './fake-transport.js';

afterEach(() => vi.useRealTimers());

/** A prefers-color-scheme query whose answer the test changes. */
function fakeMedia(matches: boolean) {
  let onChange: ((e: { matches: boolean }) => void) | undefined;
  return {
    matches,
    addEventListener: (_: string, listener: (e: { matches: boolean }) => void) => (onChange = listener),
    set(dark: boolean) {
      onChange?.({ matches: dark });
    },
  };
}

function settingsTransport() {
  let settings = { theme: 'system', filters: {} as Record<string, string>, lastView: 'dictionary' };
  return new FakeTransport({
    'settings.get': () => ok({ settings, path: '/tmp/settings.json' }),
    'settings.update': (patch) => {
      settings = { ...settings, ...patch };
      return ok({ settings, path: '/tmp/settings.json' });
    },
  });
}

describe('theme', () => {
  it('resolves the preference against the OS', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
    expect(resolveTheme('dark', false)).toBe('dark');
  });

  it('follows the OS while on "system", is saved when chosen, and is drawn on the root element', async () => {
    const media = fakeMedia(false);
    const transport = settingsTransport();
    const state = new SettingsState(new Api(transport), { media: media as unknown as MediaQueryList });
    await state.load();
    expect(state.resolvedTheme).toBe('light');
    media.set(true);
    expect(state.resolvedTheme).toBe('dark');
    state.apply(document.documentElement);
    expect(document.documentElement.dataset.theme).toBe('dark');

    await state.setTheme('light');
    expect(transport.callsOf('settings.update')).toEqual([{ theme: 'light' }]);
    expect(state.resolvedTheme).toBe('light');
    transport.emit('settings.changed', { theme: 'dark', filters: {}, lastView: 'learn' });
    expect(state.theme).toBe('light'); // not subscribed yet
    state.start();
    transport.emit('settings.changed', { theme: 'dark', filters: {}, lastView: 'learn' });
    expect(state.resolvedTheme).toBe('dark');
  });
});

describe('remembered filters', () => {
  it('saves the last text once typing pauses, keeping other views\' filters', async () => {
    vi.useFakeTimers();
    const transport = settingsTransport();
    const state = new SettingsState(new Api(transport), { media: null, saveDelayMs: 300 });
    transport.handlers['settings.get'] = () => ok({ settings: { theme: 'system', filters: { sockets: 'ssh' }, lastView: 'dictionary' }, path: '' });
    await state.load();
    for (const text of ['4', '44', '443']) {
      state.rememberFilter('dictionary', text);
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(state.filter('dictionary')).toBe('443');
    expect(transport.callsOf('settings.update')).toEqual([]);
    await vi.advanceTimersByTimeAsync(300);
    expect(transport.callsOf('settings.update')).toEqual([{ filters: { sockets: 'ssh', dictionary: '443' } }]);
  });

  it('keeps a text set back to the saved one while a save of another is on its way (Sockets, then Pairs again)', async () => {
    vi.useFakeTimers();
    const transport = settingsTransport();
    const state = new SettingsState(new Api(transport), { media: null, saveDelayMs: 300 });
    await state.load();
    state.rememberFilter('sockets.view', 'mode:pairs');
    await vi.advanceTimersByTimeAsync(300);
    // The next save is sent, and its answer is held back.
    const answer = deferred<CallResult>();
    const update = transport.handlers['settings.update']!;
    transport.handlers['settings.update'] = (patch) => answer.promise.then(() => update(patch));
    state.rememberFilter('sockets.view', '');
    await vi.advanceTimersByTimeAsync(300);
    expect(transport.callsOf('settings.update').at(-1)).toEqual({ filters: { 'sockets.view': '' } });
    // Back to pairs before that answer: the saved text is still 'mode:pairs', yet '' is what the engine will hold.
    state.rememberFilter('sockets.view', 'mode:pairs');
    answer.resolve(ok(null));
    await vi.advanceTimersByTimeAsync(300);
    expect(transport.callsOf('settings.update').at(-1)).toEqual({ filters: { 'sockets.view': 'mode:pairs' } });
    expect(state.filter('sockets.view')).toBe('mode:pairs');
    expect(state.settings.filters['sockets.view']).toBe('mode:pairs');
  });

  it('reports a failed save', async () => {
    const transport = settingsTransport();
    transport.handlers['settings.update'] = () => ({ ok: false, error: { code: 'INTERNAL', message: 'disk full' } });
    const state = new SettingsState(new Api(transport), { media: null });
    await state.setTheme('dark');
    expect(state.error).toMatch(/disk full/);
  });
});

describe('a view change', () => {
  it('saves at once, with the filter still waiting, instead of pushing the filter back', async () => {
    vi.useFakeTimers();
    const transport = settingsTransport();
    const state = new SettingsState(new Api(transport));
    await state.load();
    state.rememberFilter('dictionary', '443');
    expect(transport.callsOf('settings.update')).toEqual([]);
    state.rememberView('learn');
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.callsOf('settings.update')).toEqual([{ filters: { dictionary: '443' }, lastView: 'learn' }]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(transport.callsOf('settings.update')).toHaveLength(1);
  });
});

describe('problems with saved files', () => {
  it('takes the list the engine found (damaged files kept aside...) from settings.get and keeps it current on save', async () => {
    let problems = ['Your knock profiles file was damaged (null). It was kept as /d/knock.json.corrupt-1; none loaded.'];
    const settings = { theme: 'system', filters: {}, lastView: 'dictionary' };
    const transport = new FakeTransport({
      'settings.get': () => ok({ settings, path: '/d/settings.json', problems }),
      'settings.update': () => ok({ settings, path: '/d/settings.json', problems }),
    });
    const state = new SettingsState(new Api(transport), { media: null });
    await state.load();
    expect(state.problems).toEqual(problems);
    problems = [...problems, 'Your forwards file /d/forwards.json exists but cannot be read (EACCES: denied).'];
    await state.setTheme('dark');
    expect(state.problems).toHaveLength(2);
  });
});
