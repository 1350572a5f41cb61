/**
 * Problems with the user's saved files (a damaged file kept aside, a file that cannot be read),
 * gathered in one list that every face shows: the CLI on stderr, the app in its status bar.
 * Each problem is listed once, however often it is met.
 */

/** Where a store reports a problem with its file. */
export interface ProblemSink {
  report(problem: string): void;
}

/** The problems of one run, in the order they were found. */
export class ProblemLog implements ProblemSink {
  private readonly problems: string[] = [];
  private readonly listeners = new Set<(problem: string) => void>();

  report(problem: string): void {
    if (this.problems.includes(problem)) return;
    this.problems.push(problem);
    for (const listener of this.listeners) listener(problem);
  }

  /** Every problem found so far. */
  list(): string[] {
    return [...this.problems];
  }

  /** Calls `listener` with every problem found so far and every new one; returns a stop function. */
  follow(listener: (problem: string) => void): () => void {
    for (const problem of this.problems) listener(problem);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
