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
  /** Resolves when the user interrupts a long-running command (Ctrl+C), or when stdout is closed early. */
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
  /**
   * How to run this same `portolan` again (`<node> <bin/portolan.js>`, or the installed app in CLI
   * mode), so that `portolan serve` can start the socket reader alone, elevated, when the user
   * asks for every owner. Absent: the web UI's "Show all owners" says to use sudo instead.
   */
  socketReader?: readonly string[];
}

/**
 * The hidden command that runs the socket reader alone, answering JSON lines on stdio: what
 * sockets.elevate starts through pkexec, after CliContext.socketReader's command line.
 */
export const SOCKET_READER_COMMAND = '__socket-reader';

/** A command's exit status: 0 for success; see EXIT for the others. */
export type ExitCode = number;

/**
 * The exit statuses of every command, printed by `portolan --help`. Every non-zero one comes with
 * its reason on stderr. Scripts may rely on them: they only ever gain new numbers.
 */
export const EXIT = {
  /** Done; also a foreground command stopped with Ctrl+C, and stdout closed early (`| head`). */
  ok: 0,
  /** The command failed: the reason is on stderr (a busy port, a refused connection, a failed tunnel...). */
  failed: 1,
  /** The command line is wrong: the reason and the usage are on stderr. */
  usage: 2,
  /** An SSH server's host key is not trusted: unknown and not accepted, or not the one on record. */
  hostKey: 3,
  /** An SSH server refused the login (password, key or agent), or the key could not be used. */
  login: 4,
  /** A bug in Portolan: the command ended without a result (please report it). */
  internal: 70,
  /** A scan cancelled with Ctrl+C (its partial results are printed and saved). */
  cancelled: 130,
} as const;

/** The exit-status table for `portolan --help`. */
export const EXIT_HELP = `Exit status:
  ${EXIT.ok}    done (also: Ctrl+C on a command that runs until stopped; stdout closed early, as in | head)
  ${EXIT.failed}    failed: the reason is on stderr
  ${EXIT.usage}    wrong command line: the reason and the usage are on stderr
  ${EXIT.hostKey}    SSH host key not trusted (unknown and not accepted, or different from the one on record)
  ${EXIT.login}    SSH login refused (password, key or agent), or the key could not be used
  ${EXIT.internal}   internal error: the command ended without a result (a bug: please report it)
  ${EXIT.cancelled}  scan cancelled with Ctrl+C (partial results printed and saved)
`;

/** The exit status for an engine error code: SSH trust and login failures have their own. */
export function exitCodeFor(errorCode: string | undefined): ExitCode {
  if (errorCode === 'HOSTKEY_UNKNOWN' || errorCode === 'HOSTKEY_MISMATCH') return EXIT.hostKey;
  if (errorCode === 'AUTH_FAILED') return EXIT.login;
  return EXIT.failed;
}

/** An error in how a command was invoked: printed with the usage line, exit code 2. */
export class UsageError extends Error {}
