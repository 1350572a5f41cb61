/**
 * Forward profiles on disk (forwards.json in the data folder, a {@link DataFile}): zod-validated,
 * written atomically and coalesced. A damaged file is moved aside, an unreadable one never
 * overwritten; a single bad profile is left out and reported (the whole file copied aside)
 * while the others load.
 */
import type { ForwardSpec } from '../contract/forwards.js';
import { DataFile } from './data-file.js';

/** One saved profile. */
export interface SavedForward {
  id: string;
  spec: ForwardSpec;
}

/** Reads and writes forwards.json. */
export class ForwardsStore {
  readonly data: DataFile<SavedForward[]>;

  constructor(readonly file: string) {
    this.data = new DataFile(file, {
      what: 'forwards file',
      instead: 'no forwards were loaded from it',
      empty: () => [],
      // zod and the forward schemas load only when there is a file to check: a command that never
      // touches forwards, with none saved, builds none of them.
      parse: { load: async () => (await import('./forwards-file-parse.js')).parseForwardsFile },
    });
  }

  /** A problem met reading the file, if any. */
  get problem(): string | undefined {
    return this.data.problem;
  }

  /** The profiles as read once this run (the first call reads the file); a missing file means none. */
  load(): Promise<SavedForward[]> {
    return this.data.read();
  }

  /**
   * Writes the profiles `current` returns when the write starts (coalesced: a burst of saves is
   * one write in flight and one pending, each serializing the newest list).
   */
  save(current: () => SavedForward[]): Promise<void> {
    return this.data.save(() => `${JSON.stringify({ version: 1, forwards: current().map(({ id, spec }) => ({ id, spec })) }, null, 2)}\n`);
  }
}
