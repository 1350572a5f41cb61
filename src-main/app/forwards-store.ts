/**
 * Forward profiles on disk (forwards.json in the data folder): zod-validated, written atomically
 * and in order. A file that cannot be read is moved aside (never overwritten) and reported; a
 * single bad profile is dropped and reported while the others load.
 */
import { readFile, rename } from 'node:fs/promises';
import { z } from 'zod';
import { ForwardSpec } from '../contract/forwards.js';
import { writeFileAtomic } from './atomic-write.js';

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
  problem: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  /** Loads the profiles; a missing file means none; a corrupt one is kept aside and reported. */
  async load(): Promise<SavedForward[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      this.problem = `Your forwards file ${this.file} could not be read (${(err as Error).message}); no forwards are loaded until it can.`;
      return [];
    }
    let reason: string | undefined;
    let raw: z.infer<typeof ProfilesFile> | undefined;
    try {
      const parsed = ProfilesFile.safeParse(JSON.parse(text));
      if (parsed.success) raw = parsed.data;
      else reason = `${parsed.error.issues[0]?.path.join('.') || 'file'}: ${parsed.error.issues[0]?.message}`;
    } catch (err) {
      reason = `not valid JSON: ${(err as Error).message}`;
    }
    if (!raw) {
      const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await rename(this.file, aside);
      this.problem = `Your forwards file was damaged (${reason}). It was kept as ${aside}; no forwards were loaded from it.`;
      return [];
    }
    const out: SavedForward[] = [];
    const bad: string[] = [];
    for (const item of raw.forwards) {
      const spec = ForwardSpec.safeParse(item.spec);
      if (spec.success) out.push({ id: item.id, spec: spec.data });
      else bad.push(`${item.id} (${spec.error.issues[0]?.path.join('.')}: ${spec.error.issues[0]?.message})`);
    }
    if (bad.length) {
      const aside = `${this.file}.invalid-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await writeFileAtomic(aside, text);
      this.problem = `Some forwards in ${this.file} were invalid and are not loaded: ${bad.join('; ')}. The original file was copied to ${aside}.`;
    }
    return out;
  }

  /** Writes every profile atomically; concurrent saves are applied in order. */
  save(forwards: SavedForward[]): Promise<void> {
    const body = `${JSON.stringify({ version: 1, forwards: forwards.map(({ id, spec }) => ({ id, spec })) }, null, 2)}\n`;
    const run = this.queue.then(() => writeFileAtomic(this.file, body));
    this.queue = run.catch(() => undefined);
    return run;
  }
}
