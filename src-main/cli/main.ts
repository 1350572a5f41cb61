/** Entry point of the bundled CLI (dist/main/cli.js), run by bin/portolan.js. */
import { fileURLToPath } from 'node:url';
import { EXIT } from './context.js';
import { bundledPaths, defaultDataDir } from './paths.js';
import { runCli } from './run.js';

// stdout closed by its reader (`portolan sockets | head -1`): like ss, stop quietly with status 0.
// Without a handler the EPIPE 'error' is thrown as an uncaught exception with a stack trace.
let stdoutClosed = false;
let closeStdout: () => void = () => undefined;
const stdoutGone = new Promise<void>((resolve) => (closeStdout = resolve));
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (!stdoutClosed && err.code !== 'EPIPE') process.stderr.write(`portolan: cannot write to stdout (${err.code ?? err.message}); stopping.\n`);
  stdoutClosed = true;
  closeStdout();
});
// Nowhere is left to report an error of stderr itself (a closed 2>&1 pipe): the exit status says it.
process.stderr.on('error', () => undefined);

const interrupted = Promise.race([
  new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  }),
  stdoutGone,
]);

// A command must end with a status. If the event loop empties while it still waits (a bug: an
// awaited event that nothing can deliver any more), Node would exit with 13 ("unsettled top-level
// await") and no word; say so instead, with the documented status.
let settled = false;
process.once('exit', () => {
  if (settled) return;
  process.stderr.write(`portolan: internal error: the command stopped before giving a result (exit status ${EXIT.internal}). Please report it with the command line you ran.\n`);
  process.exitCode = EXIT.internal;
});

/** A question on the terminal (asked on stderr, so that stdout stays the command's output). */
async function prompt(question: string): Promise<string> {
  // Loaded when a question is asked: readline and its streams are most of a command's start otherwise.
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => void (stdoutClosed || process.stdout.write(text)),
  stderr: (text) => process.stderr.write(text),
  stderrIsTTY: process.stderr.isTTY === true,
  ...(process.stdin.isTTY && process.stderr.isTTY ? { prompt } : {}),
  ...bundledPaths(fileURLToPath(import.meta.url)),
  dataDir: defaultDataDir(),
  interrupted,
  // Absolute paths: pkexec runs the reader with a clean environment, from /.
  ...(process.argv[1] ? { socketReader: [process.execPath, process.argv[1]] } : {}),
});
settled = true;
// No process.exit: it could cut off output still queued for a pipe; nothing else keeps the loop alive.
process.exitCode = stdoutClosed ? EXIT.ok : code;
