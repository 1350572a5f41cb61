/** What the Sockets view's renderer tests share: a fake engine with a socket table, diffs, and jsdom's missing layout. */
import type { SocketRow } from '../../src-main/contract/sockets.js';
import { FakeTransport, ok } from './fake-transport.js';

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
