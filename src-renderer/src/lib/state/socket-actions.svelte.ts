/**
 * The Sockets view's actions on the engine: close one connection (`sockets.close`) and end a
 * process (`processes.end`). Remembers the engine's refusals for want of permission, so that the
 * buttons then stay disabled with that sentence instead of failing again on every click.
 */
import type { SocketRow } from '../../../../src-main/contract/sockets.js';
import { ApiError, errorMessage, type Api } from '../api/client.js';

/** The outcome of the last action, shown under the buttons. */
export interface ActionNote {
  ok: boolean;
  text: string;
}

export class SocketActionsState {
  /** Set when the engine said it may not close connections (EACCES, or not on this OS): true of every row. */
  closeDenied = $state<string | null>(null);
  /** The engine's refusal per pid (a process of another user). */
  endDenied = $state.raw<ReadonlyMap<number, string>>(new Map());
  busy = $state(false);
  note = $state<ActionNote | null>(null);

  constructor(private readonly api: Api) {}

  /** Closes the row's connection; true when the engine closed it. */
  async close(row: SocketRow): Promise<boolean> {
    return this.run(async () => {
      await this.api.call('sockets.close', { id: row.id });
      return `Closed ${row.localAddress}:${row.localPort} \u21c4 ${row.remoteAddress}:${row.remotePort}.`;
    }, (err) => {
      // Permission and OS do not change from row to row: one refusal disables the button everywhere.
      if (err.code === 'EACCES' || /not done yet/.test(err.message)) this.closeDenied = err.message;
    });
  }

  /** Sends `signal` to `pid`; true when the engine sent it. */
  async end(pid: number, name: string | undefined, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<boolean> {
    return this.run(async () => {
      await this.api.call('processes.end', { pid, signal });
      return `Sent ${signal} to ${name ?? 'the process'} (pid ${pid}).`;
    }, (err) => {
      if (err.code === 'EACCES') this.endDenied = new Map(this.endDenied).set(pid, err.message);
    });
  }

  private async run(action: () => Promise<string>, refused: (err: ApiError) => void): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    try {
      this.note = { ok: true, text: await action() };
      return true;
    } catch (err) {
      if (err instanceof ApiError) refused(err);
      this.note = { ok: false, text: errorMessage(err) };
      return false;
    } finally {
      this.busy = false;
    }
  }
}
