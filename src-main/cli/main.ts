/** Entry point of the bundled CLI (dist/main/cli.js), run by bin/portolan.js. */
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { bundledPaths, defaultDataDir } from './paths.js';
import { runCli } from './run.js';

const interrupted = new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});

/** A question on the terminal (asked on stderr, so that stdout stays the command's output). */
async function prompt(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTTY: process.stderr.isTTY === true,
  ...(process.stdin.isTTY && process.stderr.isTTY ? { prompt } : {}),
  ...bundledPaths(fileURLToPath(import.meta.url)),
  dataDir: defaultDataDir(),
  interrupted,
});
// No process.exit: it could cut off output still queued for a pipe; nothing else keeps the loop alive.
process.exitCode = code;
