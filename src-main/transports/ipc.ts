/**
 * The ipcMain side of the Electron transport. It does not import `electron`: the shell passes
 * `ipcMain` in (anything with `handle`/`removeHandler`), so this file runs and is tested on Node.
 *
 * One `ipcMain.handle` per call of the contract; every message's sender frame is checked before the
 * call reaches the app; answers are always a {@link CallResult}, never a thrown error. Events from
 * the app's bus go to every window on the single {@link EVENT_CHANNEL}.
 */
import type { PortolanApp } from '../app/create-app.js';
import type { CallResult } from '../app/dispatch.js';
import { CALL_NAMES, EVENT_CHANNEL } from '../contract/channels.js';

/** The part of an `IpcMainInvokeEvent` this transport reads. */
export interface InvokeEventLike {
  /** The frame that sent the message; `null` once it navigated away or was destroyed. */
  readonly senderFrame?: { readonly url: string } | null;
}

/** The part of Electron's `ipcMain` this transport uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/** A window's `webContents`, as far as event delivery needs it. */
export interface EventSink {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed?(): boolean;
}

/** What {@link registerIpc} needs. */
export interface IpcOptions {
  /** Electron's `ipcMain` (or a stand-in with the same two methods). */
  ipcMain: IpcMainLike;
  /** The app that answers calls and emits events. */
  app: Pick<PortolanApp, 'invoke' | 'bus'>;
  /** True when a frame at this URL may call the engine (the app's own renderer only). */
  isTrustedSender(frameUrl: string | undefined): boolean;
  /** The windows' webContents that receive events, read at each event (windows come and go). */
  targets(): Iterable<EventSink>;
}

/** The answer to a message from a frame that is not the app's own renderer. */
export function unauthorized(frameUrl: string | undefined): CallResult {
  return {
    ok: false,
    error: {
      code: 'UNAUTHORIZED',
      message: `Refused a call from ${frameUrl ? `"${frameUrl}"` : 'an unknown frame'}: only Portolan's own window may use the engine.`,
    },
  };
}

/**
 * Registers one `ipcMain.handle` per entry of CALL_NAMES and forwards every bus event to every
 * window. Returns a function that removes the handlers and the event subscription.
 */
export function registerIpc(options: IpcOptions): () => void {
  const { ipcMain, app, isTrustedSender, targets } = options;

  for (const name of CALL_NAMES) {
    ipcMain.handle(name, async (event, input) => {
      const frameUrl = event.senderFrame?.url;
      if (!isTrustedSender(frameUrl)) return unauthorized(frameUrl);
      try {
        return await app.invoke(name, input);
      } catch (err) {
        // app.invoke already turns failures into results; this is the last line of defence.
        const message = err instanceof Error ? err.message : String(err);
        return { ok: false, error: { code: 'INTERNAL', message: `Unexpected error: ${message}.` } } satisfies CallResult;
      }
    });
  }

  const unsubscribe = app.bus.onAny((event, payload) => {
    for (const target of targets()) {
      if (target.isDestroyed?.()) continue;
      try {
        target.send(EVENT_CHANNEL, event, payload);
      } catch {
        // A window closing mid-send must not stop delivery to the others.
      }
    }
  });

  return () => {
    unsubscribe();
    for (const name of CALL_NAMES) ipcMain.removeHandler(name);
  };
}
