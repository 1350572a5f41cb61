/**
 * The Sockets status line's "Show all owners" (issue 14.7): shown only while owners are hidden and
 * the engine offers an elevated reader (Linux, not root); clicked, it calls sockets.elevate once
 * and reads the table again; cancelled or not available (macOS, Windows), the engine's sentence
 * is shown. Nothing calls sockets.elevate without the click.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import type { SocketElevation } from '../../src-main/contract/sockets.js';
import { Api } from '../../src-renderer/src/lib/api/client.js';
import { AppState } from '../../src-renderer/src/lib/state/app.svelte.js';
import SocketsStatus from '../../src-renderer/src/views/sockets/SocketsStatus.svelte';
import { deferred, FakeTransport, ok } from './fake-transport.js';
import type { CallResult } from '../../src-main/contract/channels.js';
import WithApp from './harness/WithApp.svelte';

let shown: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (shown) unmount(shown);
  shown = undefined;
  document.body.innerHTML = '';
});

async function status(hiddenOwners: number, elevation: SocketElevation | undefined, elevate: () => CallResult | Promise<CallResult> = () => ok({ state: 'elevated' })) {
  let source = '/proc/net';
  let hidden = hiddenOwners;
  const t = new FakeTransport({
    'sockets.watch': () => ok({ intervalMs: 1000, paused: false }),
    'sockets.snapshot': () => ok({ tick: 1, at: 1, rows: [], hiddenOwners: hidden, source, ...(elevation ? { elevation } : {}) }),
    'sockets.elevate': () => {
      source = '/proc/net (every owner)';
      hidden = 0;
      elevation = { state: 'elevated' };
      return elevate();
    },
  });
  const app = new AppState(new Api(t));
  await app.sockets.load();
  shown = mount(WithApp, { target: document.body, props: { app, view: SocketsStatus } });
  flushSync();
  const button = () => document.querySelector<HTMLButtonElement>('[data-testid="sockets-show-owners"]');
  const note = () => document.querySelector('[data-testid="sockets-owners-note"]')?.textContent ?? null;
  return { t, app, button, note };
}

describe('Show all owners', () => {
  it('is offered while owners are hidden; a click elevates the reader once and reloads the table', async () => {
    const { t, app, button } = await status(3, { state: 'offered' });
    expect(button()?.textContent).toBe('Show all owners');
    expect(t.callsOf('sockets.elevate')).toHaveLength(0);
    button()!.click();
    expect(app.sockets.elevating).toBe(true);
    await vi.waitFor(() => expect(app.sockets.elevating).toBe(false));
    flushSync();
    expect(t.callsOf('sockets.elevate')).toHaveLength(1);
    expect(app.sockets.elevation).toEqual({ state: 'elevated' });
    expect(app.sockets.source).toBe('/proc/net (every owner)');
    expect(app.sockets.hiddenOwners).toBe(0);
    expect(button()).toBeNull();
  });

  it('says it waits for the password while the engine asks, and shows why when cancelled', async () => {
    const answer = deferred<CallResult>();
    const { app, button, note } = await status(2, { state: 'offered' }, () => answer.promise);
    const clicked = app.sockets.showAllOwners();
    flushSync();
    expect(button()?.textContent).toBe('Waiting for the password…');
    expect(button()?.disabled).toBe(true);
    answer.resolve(ok({ state: 'offered', note: 'Showing every owner was cancelled or not authorised at the password prompt.' }));
    await clicked;
    flushSync();
    expect(button()?.textContent).toBe('Show all owners');
    expect(note()).toBe('Showing every owner was cancelled or not authorised at the password prompt.');
  });

  it('is not shown when every owner is visible, as root, or when already elevated', async () => {
    expect((await status(0, { state: 'offered' })).button()).toBeNull();
    unmount(shown!);
    expect((await status(4, { state: 'unneeded' })).button()).toBeNull();
    unmount(shown!);
    expect((await status(4, { state: 'elevated' })).button()).toBeNull();
  });

  it('on macOS and Windows says, when clicked, that it is not available there yet', async () => {
    const words = 'Showing every owner from the window is not available on macOS yet: run `sudo portolan sockets` in a terminal.';
    const { app, button, note } = await status(5, { state: 'unavailable', note: words }, () => ok({ state: 'unavailable', note: words }));
    expect(note()).toBeNull();
    expect(button()?.textContent).toBe('Show all owners');
    await app.sockets.showAllOwners();
    flushSync();
    expect(note()).toBe(words);
  });
});
