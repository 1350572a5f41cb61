/**
 * The user's settings on disk. Writes are atomic and serialized; a file that cannot be read is
 * moved aside (never overwritten) and the problem is reported until the user changes a setting.
 */
import { readFile, rename } from 'node:fs/promises';
import { Settings, type SettingsPatch, type SettingsState } from '../contract/index.js';
import { writeFileAtomic } from './atomic-write.js';

/** Reads, updates and persists the settings file. */
export class SettingsStore {
  private current: Settings = Settings.parse({});
  private problem: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  /** Loads the file; a missing file means defaults, a corrupt one is kept aside and reported. */
  async load(): Promise<SettingsState> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.state();
      this.problem = `Your settings file ${this.file} could not be read (${(err as Error).message}); defaults are in use until it can.`;
      return this.state();
    }
    let reason: string | undefined;
    try {
      const parsed = Settings.safeParse(JSON.parse(text));
      if (parsed.success) this.current = parsed.data;
      else reason = `${parsed.error.issues[0]?.path.join('.') || 'file'}: ${parsed.error.issues[0]?.message}`;
    } catch (err) {
      reason = `not valid JSON: ${(err as Error).message}`;
    }
    if (reason) {
      const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await rename(this.file, aside);
      this.problem = `Your settings file was damaged (${reason}). It was kept as ${aside} and defaults are in use.`;
    }
    return this.state();
  }

  /** The settings now, with the file's path and any problem found while loading. */
  state(): SettingsState {
    return { settings: this.current, path: this.file, ...(this.problem ? { problem: this.problem } : {}) };
  }

  /** Applies a patch and writes the file atomically; concurrent updates are applied in order. */
  update(patch: SettingsPatch): Promise<SettingsState> {
    const run = this.queue.then(async () => {
      const next = Settings.parse({
        ...this.current,
        ...patch,
        filters: patch.filters ? { ...this.current.filters, ...patch.filters } : this.current.filters,
      });
      await writeFileAtomic(this.file, `${JSON.stringify(next, null, 2)}\n`);
      this.current = next;
      this.problem = undefined;
      return this.state();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
