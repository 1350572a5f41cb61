/**
 * Forward profiles on disk (forwards.json in the data folder, a {@link DataFile}): zod-validated,
 * written atomically and coalesced. A damaged file is moved aside, an unreadable one never
 * overwritten; a single bad profile is left out and reported (the whole file copied aside)
 * while the others load.
 */
import * as z from 'zod';
import { ForwardSpec } from '../contract/forwards.js';
import { DataFile, zodReason } from './data-file.js';

/** One saved profile. */
export interface SavedForward {
  id: string;
  spec: ForwardSpec;
}

const ProfilesFile = z.object({
  version: z.literal(1),
  forwards: z.array(z.object({ id: z.string().min(1).max(64), spec: z.unknown() })),
});

/** Reads and writes forwards.json. */
export class ForwardsStore {
  readonly data: DataFile<SavedForward[]>;

  constructor(readonly file: string) {
    this.data = new DataFile(file, {
      what: 'forwards file',
      instead: 'no forwards were loaded from it',
      empty: () => [],
      parse: (raw) => {
        const parsed = ProfilesFile.safeParse(raw);
        if (!parsed.success) throw new Error(zodReason(parsed.error));
        const value: SavedForward[] = [];
        const dropped: string[] = [];
        for (const item of parsed.data.forwards) {
          const spec = ForwardSpec.safeParse(item.spec);
          if (spec.success) value.push({ id: item.id, spec: spec.data });
          else dropped.push(`${item.id} (${zodReason(spec.error)})`);
        }
        return { value, dropped };
      },
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
