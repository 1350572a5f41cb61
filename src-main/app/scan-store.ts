/**
 * Saved scans and scan profiles on disk: one JSON file per scan under scans/ (atomic writes,
 * newest kept, at most `maxScans`), and scan-profiles.json. A file that cannot be read is moved
 * aside (never overwritten or deleted) and reported, like the settings file.
 */
import { readFile, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { PortolanError } from '../contract/index.js';
import { ScanProfile, ScanResults, type ScanSummary } from '../contract/scan.js';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-write.js';

/** Scan ids are file names: letters, digits, dashes only. */
const ID = /^[A-Za-z0-9-]{1,100}$/;

const asideName = (file: string) => `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;

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
  ) {}

  private file(id: string): string {
    if (!ID.test(id)) throw new PortolanError('NOT_FOUND', `There is no scan "${id}".`);
    return path.join(this.dir, `${id}.json`);
  }

  private async moveAside(file: string, reason: string): Promise<void> {
    const aside = asideName(file);
    await rename(file, aside).catch(() => undefined);
    this.problems.push(`The saved scan ${path.basename(file)} was damaged (${reason}); it was kept as ${aside}.`);
  }

  /** Reads and checks one file; a damaged one is moved aside and undefined returned. */
  private async read(file: string): Promise<ScanResults | undefined> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const parsed = ScanResults.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
      await this.moveAside(file, `${parsed.error.issues[0]?.path.join('.') || 'file'}: ${parsed.error.issues[0]?.message}`);
    } catch (err) {
      await this.moveAside(file, `not valid JSON: ${(err as Error).message}`);
    }
    return undefined;
  }

  private async ensureIndex(): Promise<Map<string, ScanSummary>> {
    if (this.index) return this.index;
    const index = new Map<string, ScanSummary>();
    let names: string[] = [];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.json') && ID.test(n.slice(0, -5)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const name of names) {
      const scan = await this.read(path.join(this.dir, name));
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

  /** Saves a scan atomically and drops the oldest beyond the limit. Saves run one at a time. */
  save(scan: ScanResults): Promise<void> {
    const run = this.queue.then(async () => {
      const index = await this.ensureIndex();
      await writeFileAtomic(this.file(scan.info.id), JSON.stringify(scan));
      index.set(scan.info.id, summarize(scan));
      const old = [...index.values()].sort((a, b) => b.startedAt - a.startedAt).slice(this.maxScans);
      for (const s of old) {
        await unlink(this.file(s.id)).catch(() => undefined);
        index.delete(s.id);
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
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
  private problem: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  private async load(): Promise<ScanProfile[]> {
    if (this.profiles) return this.profiles;
    let profiles: ScanProfile[] = [];
    try {
      const text = await readFile(this.file, 'utf8');
      let reason: string | undefined;
      try {
        const parsed = ProfileFile.safeParse(JSON.parse(text));
        if (parsed.success) profiles = parsed.data;
        else reason = `${parsed.error.issues[0]?.path.join('.') || 'file'}: ${parsed.error.issues[0]?.message}`;
      } catch (err) {
        reason = `not valid JSON: ${(err as Error).message}`;
      }
      if (reason) {
        const aside = asideName(this.file);
        await rename(this.file, aside);
        this.problem = `Your scan profiles file was damaged (${reason}). It was kept as ${aside}; saving a profile starts a new one.`;
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.problem = `Your scan profiles file ${this.file} could not be read (${(err as Error).message}).`;
    }
    this.profiles ??= profiles;
    return this.profiles;
  }

  /** The profiles by name, and a problem met while reading them. */
  async list(): Promise<{ profiles: ScanProfile[]; problem?: string }> {
    const profiles = await this.load();
    return { profiles: [...profiles].sort((a, b) => a.name.localeCompare(b.name)), ...(this.problem ? { problem: this.problem } : {}) };
  }

  private change(fn: (profiles: ScanProfile[]) => ScanProfile[]): Promise<{ profiles: ScanProfile[]; problem?: string }> {
    const run = this.queue.then(async () => {
      const next = fn(await this.load());
      await writeFileAtomic(this.file, `${JSON.stringify(next, null, 2)}\n`);
      this.profiles = next;
      this.problem = undefined;
      return this.list();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Saves (or replaces) a profile by name. */
  save(profile: ScanProfile): Promise<{ profiles: ScanProfile[]; problem?: string }> {
    return this.change((all) => [...all.filter((p) => p.name !== profile.name), profile]);
  }

  /** Deletes a profile by name; NOT_FOUND when there is none. */
  async delete(name: string): Promise<{ profiles: ScanProfile[]; problem?: string }> {
    if (!(await this.load()).some((p) => p.name === name)) throw new PortolanError('NOT_FOUND', `There is no scan profile named "${name}".`);
    return this.change((all) => all.filter((p) => p.name !== name));
  }
}
