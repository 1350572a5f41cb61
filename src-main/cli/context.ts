/** What every CLI command receives: its arguments, where to write, and how to build the app. */
import type { PortolanApp } from '../app/create-app.js';

/** The environment of one CLI invocation; tests pass their own streams and folders. */
export interface CliContext {
  args: string[];
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  assetsDir: string;
  staticDir: string;
  dataDir: string;
  /** Builds the app on demand, so `portolan --help` costs nothing. */
  openApp(transport: 'web' | 'direct'): Promise<PortolanApp>;
  /** Resolves when the user interrupts a long-running command (Ctrl+C). */
  interrupted: Promise<void>;
  /** Raw input of interactive commands (listen, connect); process.stdin when absent. */
  stdin?: NodeJS.ReadableStream;
  /** Raw output of interactive commands (received bytes, unchanged); process.stdout when absent. */
  stdoutStream?: NodeJS.WritableStream;
  /** True when stderr is a terminal: live progress lines (redrawn in place) go there only then. */
  stderrIsTTY?: boolean;
  /**
   * Asks the user a question and resolves with the typed answer; absent when nobody can answer
   * (stdin or stderr is not a terminal), so commands refuse instead of waiting.
   */
  prompt?: (question: string) => Promise<string>;
}

/** A command's exit status: 0 for success. */
export type ExitCode = number;

/** An error in how a command was invoked: printed with the usage line, exit code 2. */
export class UsageError extends Error {}
