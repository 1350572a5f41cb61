/**
 * Problems a face without a window found (one CLI command moved a damaged settings.json aside)
 * are kept for the faces with one: the CLI prints them on stderr, and the next desktop app or
 * `portolan serve` lists them once in its status bar, so a reset made by a script reaches the
 * person too. Kept in problems-to-show.json (a {@link DataFile}, like every file Portolan owns).
 */
import path from 'node:path';
import * as z from 'zod';
import { DataFile, wholeFile } from './data-file.js';
import type { ProblemLog } from './problem-log.js';

const MAX_KEPT = 50;

/** What the face does with problems: show them (it has a window) or keep them for one that does. */
export type ProblemFace = 'shows' | 'keeps';

/**
 * Connects the run's problem log to the notices file. Call it once every file was read, so that a
 * problem this run found itself is not told twice. Returns a function that waits for the file.
 */
export async function carryProblems(dataDir: string, problems: ProblemLog, face: ProblemFace): Promise<() => Promise<void>> {
  const file = new DataFile<string[]>(path.join(dataDir, 'problems-to-show.json'), {
    what: 'list of problems to show',
    instead: 'problems found by earlier commands are not shown',
    empty: () => [],
    parse: wholeFile(z.array(z.string()).max(1000)),
  });
  file.reportTo(problems);
  const kept = await file.load();
  const write = (list: string[]) =>
    file.save(() => `${JSON.stringify(list.slice(-MAX_KEPT), null, 2)}\n`).catch((err: unknown) => problems.report((err as Error).message));
  if (face === 'shows') {
    if (kept.length) {
      const mine = new Set(problems.list());
      for (const problem of kept) if (!mine.has(problem)) problems.report(`Found by an earlier portolan command: ${problem}`);
      // Shown once: the list is emptied now that this window has it.
      void write([]);
    }
  } else {
    // Every problem of this run, now and later (a save that fails mid-command), is kept; writes coalesce.
    problems.follow((problem) => {
      if (kept.includes(problem)) return;
      kept.push(problem);
      void write(kept);
    });
  }
  return () => file.flush();
}
