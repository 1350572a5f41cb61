#!/usr/bin/env node
// The `portolan` command. It runs the bundled CLI; `npm install` builds it (the prepare script).
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

// V8's compile cache (Node 22.1 and later; absent from Node 20, where this does nothing): later runs
// reuse the compiled code of the CLI's chunks instead of compiling them again at every start.
module.enableCompileCache?.();

const cli = fileURLToPath(new URL('../dist/main/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error('portolan: the CLI is not built yet. Run `npm run build` in the Portolan folder, then try again.');
  process.exit(1);
}
await import(cli);
