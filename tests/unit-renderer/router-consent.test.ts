/**
 * Issue 13.10: the app sends nothing beyond this machine on its own. The whole renderer state is
 * started as the page starts it, the Router view is shown, and no call that reaches past loopback
 * (router discovery, reverse DNS, name look-ups) is made until the user asks; the permission to
 * look for the router is kept in the settings, so the next run asks the router when the view opens.
 */
import { describe, expect, it } from 'vitest';
import { Settings } from '../../src-main/contract/settings.js';
import { Api } from '../../src-renderer/src/lib/api/client.js';
import { AppState } from '../../src-renderer/src/lib/state/app.svelte.js';
import { FakeTransport, ok } from './fake-transport.js';

/** Calls that send packets beyond this machine. */
const OUTWARD = ['router.discover', 'router.mappings', 'router.add', 'router.remove', 'dns.reverse', 'dns.resolve'];
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
};

function engine(saved: Partial<Settings> = {}) {
  let settings: Settings = { ...Settings.parse({}), lastView: 'router', ...saved };
  const t = new FakeTransport({
    'settings.get': () => ok({ settings, path: '/tmp/settings.json' }),
    'settings.update': (patch) => {
      settings = { ...settings, ...patch };
      return ok({ settings, path: '/tmp/settings.json' });
    },
    'router.discover': () => ok({ gateway: '10.81.0.1', localAddress: '10.81.0.2', protocols: ['natpmp'], preferred: 'natpmp', tried: [] }),
    'router.mappings': () => ok([]),
  });
  return { t, saved: () => settings };
}

describe('no traffic beyond this machine without the user asking', () => {
  it('starts the app and shows the Router view without a call past loopback; "Look for my router" asks once and is remembered', async () => {
    const { t, saved } = engine();
    const app = new AppState(new Api(t), { settings: { media: null } });
    expect(app.router.consentKnown).toBe(false); // no "Look for my router" before the settings say
    const stop = app.start();
    await settle();
    expect(app.settings.loaded).toBe(true);
    expect(app.router.consentKnown).toBe(true);
    app.router.ensureLoaded(); // what the Router view does when shown
    await settle();
    expect(t.calls.filter((c) => OUTWARD.includes(c.name))).toEqual([]);
    expect(app.router.allowed).toBe(false);

    await app.router.lookForRouter();
    await settle();
    expect(t.callsOf('router.discover')).toHaveLength(1);
    expect(t.callsOf('settings.update')).toContainEqual({ routerDiscovery: true });
    expect(saved().routerDiscovery).toBe(true);
    stop();
  });

  it('with the permission remembered, discovers when the Router view is shown, not at start', async () => {
    const { t } = engine({ routerDiscovery: true, lastView: 'dictionary' });
    const app = new AppState(new Api(t), { settings: { media: null } });
    const stop = app.start();
    await settle();
    expect(t.calls.filter((c) => OUTWARD.includes(c.name))).toEqual([]);
    expect(app.router.allowed).toBe(true);
    app.router.ensureLoaded();
    await settle();
    expect(t.callsOf('router.discover')).toHaveLength(1);
    stop();
  });
});
