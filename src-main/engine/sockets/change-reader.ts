/**
 * Turns a provider's whole readings into changes (what `SocketProvider.readChange` gives): the
 * socket thread runs one of these, so that only added, removed and changed rows cross threads.
 */
import type { SocketRow } from '../../contract/index.js';
import { diffSockets } from './diff.js';
import type { SocketChange, SocketProvider } from './provider.js';

/** Keeps the previous reading and diffs each new one against it. */
export class ChangeReader {
  private previous: Map<string, SocketRow> | undefined;

  constructor(private readonly provider: SocketProvider) {}

  async readChange(): Promise<SocketChange> {
    const reading = await this.provider.read();
    const next = new Map<string, SocketRow>();
    for (const row of reading.rows) next.set(row.id, row);
    const full = this.previous === undefined;
    const change = full ? { added: reading.rows, removed: [], changed: [] } : diffSockets(this.previous!, next);
    this.previous = next;
    return { ...change, hiddenOwners: reading.hiddenOwners, full };
  }
}
