/**
 * The user's settings on disk (a {@link DataFile}): writes are atomic and coalesced; a damaged
 * file is moved aside and an unreadable one never overwritten, and the problem is reported until
 * the user changes a setting.
 */
import { Settings } from '../contract/settings.js';
import type { SettingsPatch, SettingsState } from '../contract/index.js';
import { DataFile, wholeFile } from './data-file.js';

/** Reads, updates and persists the settings file. */
export class SettingsStore {
  private current: Settings = Settings.parse({});
  private problem: string | undefined;
  readonly data: DataFile<Settings>;

  constructor(readonly file: string) {
    this.data = new DataFile(file, { what: 'settings file', instead: 'defaults are in use', empty: () => Settings.parse({}), parse: wholeFile(Settings) });
  }

  /** Loads the file; a missing file means defaults, a damaged or unreadable one is reported. */
  async load(): Promise<SettingsState> {
    this.current = await this.data.load();
    this.problem = this.data.problem;
    return this.state();
  }

  /** The settings now, with the file's path and any problem found while loading. */
  state(): SettingsState {
    return { settings: this.current, path: this.file, ...(this.problem ? { problem: this.problem } : {}) };
  }

  /**
   * Applies a patch (in the order of the calls) and writes the file atomically. Writes coalesce;
   * a failed write leaves the change in memory, and the next save writes it.
   */
  async update(patch: SettingsPatch): Promise<SettingsState> {
    this.data.assertWritable();
    this.current = Settings.parse({
      ...this.current,
      ...patch,
      filters: patch.filters ? { ...this.current.filters, ...patch.filters } : this.current.filters,
    });
    await this.data.save(() => `${JSON.stringify(this.current, null, 2)}\n`);
    this.problem = undefined;
    return this.state();
  }
}
