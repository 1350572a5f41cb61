/**
 * Counts over every row of the live table kept as the table changes (it tells a
 * {@link TableObserver}), so that a tick's publish does not walk 10,000 rows to learn which ports
 * are listened on or how many rows are TIME_WAIT.
 */
import type { SocketRow } from '../../../../src-main/contract/sockets.js';
import { isListening } from './filter.js';
import { listeningKey } from './group.js';
import type { Entry, TableObserver } from './table.js';

export class RowTally implements TableObserver {
  private readonly listeners = new Map<string, number>();
  private listening: ReadonlySet<string> = new Set();
  private listeningStale = false;
  /** Open (not closed and fading) TIME_WAIT rows. */
  timeWait = 0;

  enter(e: Entry): void {
    this.count(e, 1);
  }

  leave(e: Entry): void {
    this.count(e, -1);
  }

  clear(): void {
    this.listeners.clear();
    this.timeWait = 0;
    this.listeningStale = true;
  }

  /**
   * Ports listened on, as "tcp|8080", by any row (a closing listener still counts while it
   * fades, as the rows it served do). The same set object until a port starts or stops.
   */
  listeningPorts(): ReadonlySet<string> {
    if (this.listeningStale) {
      this.listening = new Set(this.listeners.keys());
      this.listeningStale = false;
    }
    return this.listening;
  }

  private count(e: Entry, by: 1 | -1): void {
    const row: SocketRow = e.row;
    if (row.state === 'TIME_WAIT' && e.mark !== 'removed') this.timeWait += by;
    if (!isListening(row)) return;
    const key = listeningKey(row);
    const n = (this.listeners.get(key) ?? 0) + by;
    if (n > 0) this.listeners.set(key, n);
    else this.listeners.delete(key);
    if (n === 0 || (n === 1 && by === 1)) this.listeningStale = true;
  }
}
