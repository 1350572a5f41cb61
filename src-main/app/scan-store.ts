/**
 * Saved scans and scan profiles on disk: one JSON file per scan under scans/ (atomic writes,
 * newest kept, at most `maxScans`), and scan-profiles.json (a {@link DataFile}). A damaged file
 * is moved aside (never overwritten or deleted) and reported, like the settings file; one that
 * cannot be read is left where it is and reported.
 */
import { readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { PortolanError } from '../contract/errors.js';
import { ScanProfile, ScanResults, type ScanSummary } from '../contract/scan.js';
import * as z from 'zod';
import { writeFileAtomic } from './atomic-write.js';
import { DataFile, keepAside, readDataFile, wholeFile } from './data-file.js';
import type { ProblemSink } from './problem-log.js';

/** Scan ids are file names: letters, digits, dashes only. */
const ID = /^[A-Za-z0-9-]{1,100}$/;
/** An id as newScanId makes it: the start time (UTC, to the second) first, so names sort by age. */
const STARTED_ID = /^\d{8}T\d{6}-/;

const parseScan = wholeFile(ScanResults);

/** The summary of a saved scan, for the history list. */
export function summarize(scan: ScanResults): ScanSummary {
  const { info } = scan;
  return {
    id: info.id,
    state: info.state,
    targets: info.spec.targets,
    ports: info.spec.ports,
    protocol: info.spec.protocol,
    hosts: info.hosts.map((h) => h.address),
    open: info.open,
    total: info.total,
    startedAt: info.startedAt,
    ...(info.finishedAt !== undefined ? { finishedAt: info.finishedAt } : {}),
  };
}

/** The history of scans: a folder of JSON files, indexed in memory on first use. */
export class ScanStore {
  private index: Map<string, ScanSummary> | undefined;
  private problems: string[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly dir: string,
    readonly maxScans = 200,
    private readonly sink?: ProblemSink,
  ) {}

  private file(id: string): string {
    if (!ID.test(id)) throw new PortolanError('NOT_FOUND', `There is no scan "${id}".`);
    return path.join(this.dir, `${id}.json`);
  }

  private report(problem: string): void {
    if (!this.problems.includes(problem)) this.problems.push(problem);
    this.sink?.report(problem);
  }

  /** Reads and checks one file; a damaged one is moved aside, an unreadable one left, both reported. */
  private async read(file: string): Promise<ScanResults | undefined> {
    const outcome = await readDataFile(file, parseScan);
    const name = path.basename(file);
    switch (outcome.kind) {
      case 'ok':
        return outcome.value;
      case 'missing':
        return undefined;
      case 'unreadable':
        this.report(`The saved scan ${file} cannot be read (${outcome.error.code ?? 'error'}: ${outcome.error.message}); give your user read access to it, or move it away.`);
        return undefined;
      case 'damaged':
        try {
          this.report(`The saved scan ${name} was damaged (${outcome.reason}); it was kept as ${await keepAside(file, 'move')}.`);
        } catch (err) {
          this.report(`The saved scan ${file} is damaged (${outcome.reason}) and could not be moved aside (${(err as Error).message}); move it away.`);
        }
        return undefined;
    }
  }

  /** The ids of the scans saved in the folder (none when it does not exist yet). */
  private async savedIds(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((n) => n.endsWith('.json') && ID.test(n.slice(0, -5))).map((n) => n.slice(0, -5));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return [];
    }
  }

  private async ensureIndex(): Promise<Map<string, ScanSummary>> {
    if (this.index) return this.index;
    const index = new Map<string, ScanSummary>();
    for (const id of await this.savedIds()) {
      const scan = await this.read(this.file(id));
      if (scan) index.set(scan.info.id, summarize(scan));
    }
    this.index ??= index;
    return this.index;
  }

  /** Saved scans, newest first, and problems met while reading them. */
  async list(): Promise<{ scans: ScanSummary[]; problem?: string }> {
    const index = await this.ensureIndex();
    const scans = [...index.values()].sort((a, b) => b.startedAt - a.startedAt || b.id.localeCompare(a.id));
    return { scans, ...(this.problems.length ? { problem: this.problems.join(' ') } : {}) };
  }

  /** One saved scan; NOT_FOUND when there is none. */
  async get(id: string): Promise<ScanResults> {
    const scan = await this.read(this.file(id));
    if (!scan) throw new PortolanError('NOT_FOUND', `There is no saved scan "${id}": it may have been deleted or pushed out of the history (the newest ${this.maxScans} are kept).`);
    return scan;
  }

  /**
   * Saves a scan atomically and drops the oldest beyond the limit. Saves run one at a time. Where
   * the history has not been listed in this process (one CLI command), the oldest are found from
   * the file names, which begin with the time the scan started (newScanId), so a save reads no
   * other scan: reading and checking up to `maxScans` files took a CLI scan 100 ms and more.
   */
  save(scan: ScanResults): Promise<void> {
    const run = this.queue.then(async () => {
      await writeFileAtomic(this.file(scan.info.id), JSON.stringify(scan));
      if (this.index) this.index.set(scan.info.id, summarize(scan));
      await this.prune();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Drops the oldest scans beyond `maxScans`: by the index when there is one, else by their names. */
  private async prune(): Promise<void> {
    let old: string[];
    if (this.index) {
      old = [...this.index.values()]
        .sort((a, b) => b.startedAt - a.startedAt)
        .slice(this.maxScans)
        .map((s) => s.id);
    } else {
      const ids = (await this.savedIds()).sort().reverse();
      if (ids.length <= this.maxScans) return;
      // A name that does not begin with its start time (copied in by hand) needs its file read.
      if (!ids.every((id) => STARTED_ID.test(id))) {
        await this.ensureIndex();
        return this.prune();
      }
      old = ids.slice(this.maxScans);
    }
    for (const id of old) {
      try {
        await unlink(this.file(id));
      } catch (err) {
        // Gone already is fine; anything else leaves an old scan on disk, which loses nothing but is told.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.report(`The old scan ${this.file(id)} could not be removed from the history (${(err as Error).message}).`);
      }
      this.index?.delete(id);
    }
  }

  /** Deletes a saved scan; NOT_FOUND when there is none. */
  async delete(id: string): Promise<void> {
    const index = await this.ensureIndex();
    try {
      await unlink(this.file(id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new PortolanError('NOT_FOUND', `There is no saved scan "${id}".`);
      throw err;
    }
    index.delete(id);
  }

  /** Waits for pending saves. */
  async flush(): Promise<void> {
    await this.queue;
  }
}

const ProfileFile = z.array(ScanProfile);

/** Saved scan profiles in one JSON file. */
export class ProfileStore {
  private profiles: ScanProfile[] | undefined;
  private loading: Promise<ScanProfile[]> | undefined;
  private problem: string | undefined;
  readonly data: DataFile<ScanProfile[]>;

  constructor(
    readonly file: string,
    sink?: ProblemSink,
  ) {
    this.data = new DataFile(file, {
      what: 'scan profiles file',
      instead: 'saving a profile starts a new one',
      empty: () => [],
      parse: wholeFile(ProfileFile),
      problems: sink,
    });
  }

  private load(): Promise<ScanProfile[]> {
    this.loading ??= this.data.load().then((profiles) => {
      this.problem = this.data.problem;
      return (this.profiles = profiles);
    });
    return this.loading;
  }

  /** The profiles by name, and a problem met while reading them. */
  async list(): Promise<{ profiles: ScanProfile[]; problem?: string }> {
    const profiles = this.profiles ?? (await this.load());
    return { profiles: [...profiles].sort((a, b) => a.name.localeCompare(b.name)), ...(this.problem ? { problem: this.problem } : {}) };
  }

  /** Applies a change in call order and saves (atomic, coalesced). */
  private async change(fn: (profiles: ScanProfile[]) => ScanProfile[]): Promise<{ profiles: ScanProfile[]; problem?: string }> {
    const current = await this.load();
    this.data.assertWritable();
    this.profiles = fn(this.profiles ?? current);
    await this.data.save(() => `${JSON.stringify(this.profiles, null, 2)}\n`);
    this.problem = undefined;
    return this.list();
  }

  /** Saves (or replaces) a profile by name. */
  save(profile: ScanProfile): Promise<{ profiles: ScanProfile[]; problem?: string }> {
    return this.change((all) => [...all.filter((p) => p.name !== profile.name), profile]);
  }

  /** Deletes a profile by name; NOT_FOUND when there is none. */
  async delete(name: string): Promise<{ profiles: ScanProfile[]; problem?: string }> {
    if (!(this.profiles ?? (await this.load())).some((p) => p.name === name)) throw new PortolanError('NOT_FOUND', `There is no scan profile named "${name}".`);
    return this.change((all) => all.filter((p) => p.name !== name));
  }
}
