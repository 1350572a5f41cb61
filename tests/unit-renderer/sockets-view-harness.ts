/** What the Sockets view's renderer tests share: a fake engine with a socket table, diffs, jsdom's missing layout, the mounted view. */
import { afterEach } from 'vitest';
import { mount, unmount } from 'svelte';
import type { SocketRow } from '../../src-main/contract/sockets.js';
import type { AppState } from '../../src-renderer/src/lib/state/app.svelte.js';
import SocketsView from '../../src-renderer/src/views/sockets/SocketsView.svelte';
import { FakeTransport, ok } from './fake-transport.js';
import WithApp from './harness/WithApp.svelte';

/** An engine whose socket table is `rows` (tick 1), with an empty dictionary. */
export function engine(rows: SocketRow[]) {
  return new FakeTransport({
    'sockets.watch': () => ok({ intervalMs: 1000, paused: false }),
    'sockets.snapshot': () => ok({ tick: 1, at: 1, rows, hiddenOwners: 0, source: '/proc/net' }),
    'dictionary.summaries': () => ok({}),
  });
}

/** One tick's diff that adds `added`. */
export const diff = (tick: number, added: SocketRow[]) => ({ tick, at: tick, added, removed: [], changed: [] });

/**
 * jsdom lays nothing out: tables get a 240 px box with a header 24 px tall with its bottom
 * border (23 px inside it, as a browser's clientHeight says), the graph a 200 px box, and
 * ResizeObserver a stand-in. Each undo goes into `restores`, to be called after the test.
 */
export function layout(restores: (() => void)[]): void {
  const height = (el: HTMLElement, prop: 'clientHeight' | 'offsetHeight') =>
    el.classList.contains('vt') ? 240 : el.classList.contains('vt-head') ? (prop === 'offsetHeight' ? 24 : 23) : el.classList.contains('graph') ? 200 : 0;
  for (const prop of ['clientHeight', 'offsetHeight'] as const) {
    Object.defineProperty(HTMLElement.prototype, prop, {
      configurable: true,
      get(this: HTMLElement) {
        return height(this, prop);
      },
    });
    // The prototype's own getter (Element's or HTMLElement's) shows through again.
    restores.push(() => delete (HTMLElement.prototype as unknown as Record<string, unknown>)[prop]);
  }
  const had = globalThis.ResizeObserver;
  globalThis.ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
  restores.push(() => (globalThis.ResizeObserver = had));
}

/**
 * The Sockets view mounted by the calling `describe`'s tests (`show`), unmounted after each with
 * the page emptied and each undo in `restores` (as {@link layout} leaves them) called.
 */
export function socketsViews(): { restores: (() => void)[]; show: (app: AppState) => void } {
  let shown: ReturnType<typeof mount> | undefined;
  const restores: (() => void)[] = [];
  afterEach(() => {
    if (shown) unmount(shown);
    shown = undefined;
    document.body.innerHTML = '';
    restores.splice(0).forEach((undo) => undo());
  });
  return { restores, show: (app) => void (shown = mount(WithApp, { target: document.body, props: { app, view: SocketsView } })) };
}
