/**
 * The one way Portolan reads and writes a file it owns in the data folder (settings.json,
 * forwards.json, knock.json, router-mappings.json, the secrets file, scan history and profiles):
 *
 * - a missing file means "nothing saved yet", and only ENOENT means that;
 * - a damaged file (truncated, not JSON, `null`, the wrong shape) is moved aside as
 *   `<name>.corrupt-<time>`, never read as empty and then overwritten, and the problem is reported;
 * - a file with some invalid entries loads the others, and a copy of the whole file is kept aside;
 * - a file that exists but cannot be read (EACCES, EISDIR...) makes every save refuse with a
 *   sentence that says what to do, instead of replacing what the user cannot see;
 * - saves coalesce: at most one write in flight and one pending, and the pending one serializes
 *   the newest state when it starts, so a burst of changes costs two writes, not one per change.
 */
import { copyFile, constants, rename, readFile, stat } from 'node:fs/promises';
import type { ZodError } from 'zod';
import { PortolanError } from '../contract/errors.js';
import { writeFileAtomic } from './atomic-write.js';
import type { ProblemSink } from './problem-log.js';

/** What a file's parser returns: the value, and the entries it left out (each with its reason). */
export interface Parsed<T> {
  value: T;
  dropped?: string[];
}

/** How one file is read: parse throws (its message the reason) when the whole file is unusable. */
export type Parse<T> = (raw: unknown) => Parsed<T>;

/**
 * A parse, or how to load one: a file whose schemas are big loads them only when there is a file to
 * check. A parse that fails to load is Portolan's fault, not the file's: the read fails with it and
 * the file is left where it is (it is never moved aside as damaged for that).
 */
export type ParseSource<T> = Parse<T> | { load: () => Promise<Parse<T>> };

/** What reading a file found. */
export type ReadOutcome<T> =
  | { kind: 'missing' }
  | { kind: 'ok'; value: T; dropped: string[] }
  | { kind: 'damaged'; reason: string }
  | { kind: 'unreadable'; error: NodeJS.ErrnoException };

/** A short reason from a zod error: where and what ("forwards.0.id: Required"). */
export function zodReason(error: ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'}`;
}

/** Reads and parses one file, classifying every way it can fail. */
export async function readDataFile<T>(file: string, source: ParseSource<T>): Promise<ReadOutcome<T>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const error = err as NodeJS.ErrnoException;
    return error.code === 'ENOENT' ? { kind: 'missing' } : { kind: 'unreadable', error };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { kind: 'damaged', reason: text.trim() ? `not valid JSON: ${(err as Error).message}` : 'the file is empty' };
  }
  const parse = typeof source === 'function' ? source : await source.load();
  try {
    const parsed = parse(raw);
    return { kind: 'ok', value: parsed.value, dropped: parsed.dropped ?? [] };
  } catch (err) {
    return { kind: 'damaged', reason: (err as Error).message };
  }
}

/** A free name beside `file`: `<file>.corrupt-<ISO time>`, with a counter if one is taken. */
async function asideName(file: string): Promise<string> {
  const base = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  for (let i = 0; ; i++) {
    const name = i ? `${base}-${i}` : base;
    try {
      await stat(name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return name;
      throw err;
    }
  }
}

/** Keeps a damaged file: moved aside (the store starts afresh) or copied (the store keeps its valid part). */
export async function keepAside(file: string, how: 'move' | 'copy'): Promise<string> {
  const aside = await asideName(file);
  if (how === 'move') await rename(file, aside);
  else await copyFile(file, aside, constants.COPYFILE_EXCL);
  return aside;
}

/** How a {@link DataFile} speaks of its file and what it holds when the file cannot be used. */
export interface DataFileOptions<T> {
  /** The file in a sentence after "Your": "settings file", "knock profiles file". */
  what: string;
  /** What the user gets instead of the file's content: "defaults are in use". */
  instead: string;
  /** The value when there is no file (or it cannot be used). */
  empty: () => T;
  parse: ParseSource<T>;
  /** Where problems go besides {@link DataFile.problem}; see {@link DataFile.reportTo}. */
  problems?: ProblemSink;
}

/** One JSON file of the user's, read with every failure told and written atomically, coalesced. */
export class DataFile<T> {
  /** The last problem met with this file (also reported to the sink), if any. */
  problem: string | undefined;
  private refusal: PortolanError | undefined;
  private loaded = false;
  private firstRead: Promise<T> | undefined;
  private sink: ProblemSink | undefined;
  private inFlight: Promise<void> | undefined;
  private pending: { serialize: () => string; promise: Promise<void>; settle: (err?: unknown) => void } | undefined;
  /** Writes done (for tests and the memory bound of a burst of saves). */
  writes = 0;

  constructor(
    readonly file: string,
    private readonly options: DataFileOptions<T>,
  ) {
    this.sink = options.problems;
  }

  /** Sends this file's problems (the one found already, if any, and later ones) to `sink`. */
  reportTo(sink: ProblemSink): void {
    this.sink = sink;
    if (this.problem) sink.report(this.problem);
  }

  private report(problem: string): void {
    this.problem = problem;
    this.sink?.report(problem);
  }

  private refuse(problem: string, error?: NodeJS.ErrnoException): void {
    this.report(problem);
    this.refusal = new PortolanError(error?.code === 'EACCES' || error?.code === 'EPERM' ? 'EACCES' : 'INTERNAL', problem);
  }

  /**
   * The file as first read this run: reads it on the first call, and every later call shares that
   * read. The composition checks every file at start (app/create-app.ts) and the service that owns
   * the file reads it again when it is built: one read, one report of what is wrong with it.
   */
  read(): Promise<T> {
    this.firstRead ??= this.load();
    return this.firstRead;
  }

  /** Reads the file; whatever is wrong with it is reported, and the value to use returned. */
  async load(): Promise<T> {
    this.loaded = true;
    const file = this.file;
    const { what, instead } = this.options;
    const outcome = await readDataFile(file, this.options.parse);
    switch (outcome.kind) {
      case 'missing':
        return this.options.empty();
      case 'unreadable': {
        const e = outcome.error;
        this.refuse(
          `Your ${what} ${file} exists but cannot be read (${e.code ?? 'error'}: ${e.message}); ${instead}. ` +
            `Portolan will not save over it: give your user read and write access to it, or move it away, then restart Portolan.`,
          e,
        );
        return this.options.empty();
      }
      case 'damaged':
        try {
          const aside = await keepAside(file, 'move');
          this.report(`Your ${what} was damaged (${outcome.reason}). It was kept as ${aside}; ${instead}.`);
        } catch (err) {
          this.refuse(
            `Your ${what} ${file} is damaged (${outcome.reason}) and could not be kept aside (${(err as Error).message}); ${instead}. ` +
              `Portolan will not save over it: move it away, then restart Portolan.`,
            err as NodeJS.ErrnoException,
          );
        }
        return this.options.empty();
      case 'ok':
        if (outcome.dropped.length) {
          const list = outcome.dropped.join('; ');
          try {
            const aside = await keepAside(file, 'copy');
            this.report(`Some entries of your ${what} ${file} were invalid and are not loaded: ${list}. The whole file was kept as ${aside}.`);
          } catch (err) {
            this.refuse(
              `Some entries of your ${what} ${file} are invalid (${list}) and the file could not be copied aside (${(err as Error).message}). ` +
                `Portolan will not save over it: move it away, then restart Portolan.`,
              err as NodeJS.ErrnoException,
            );
          }
        }
        return outcome.value;
    }
  }

  /** Throws the refusal when the file must not be written (it exists but could not be read or kept aside). */
  assertWritable(): void {
    if (this.refusal) throw this.refusal;
    if (!this.loaded) throw new Error(`${this.file} is saved before it was loaded: that could replace what it holds.`);
  }

  /**
   * Writes what `serialize` returns when the write starts. A save asked while one is in flight
   * joins the single pending one, which serializes the newest state: at most one write in flight
   * and one pending. Resolves when a write that includes this save's state has landed.
   */
  save(serialize: () => string): Promise<void> {
    try {
      this.assertWritable();
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.pending) {
      this.pending.serialize = serialize;
      return this.pending.promise;
    }
    if (!this.inFlight) return this.start(serialize);
    let settle!: (err?: unknown) => void;
    const promise = new Promise<void>((resolve, reject) => (settle = (err) => (err === undefined ? resolve() : reject(err))));
    this.pending = { serialize, promise, settle };
    return promise;
  }

  private start(serialize: () => string): Promise<void> {
    const run = (async () => {
      this.writes++;
      await writeFileAtomic(this.file, serialize());
    })();
    this.inFlight = run;
    const next = () => {
      this.inFlight = undefined;
      const pending = this.pending;
      if (!pending) return;
      this.pending = undefined;
      this.start(pending.serialize).then(
        () => pending.settle(),
        (err: unknown) => pending.settle(err ?? new Error('write failed')),
      );
    };
    run.then(next, next);
    return run;
  }

  /** Waits until every save asked so far has landed (or failed). */
  async flush(): Promise<void> {
    while (this.inFlight || this.pending) {
      await (this.pending?.promise ?? this.inFlight)?.catch(() => undefined);
    }
  }
}

/** A parser for a file that is one schema as a whole (any invalid part makes it damaged). */
export function wholeFile<T>(schema: { safeParse(raw: unknown): { success: true; data: T } | { success: false; error: ZodError } }): Parse<T> {
  return (raw) => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw new Error(zodReason(parsed.error));
    return { value: parsed.data };
  };
}
