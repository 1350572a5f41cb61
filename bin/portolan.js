#!/usr/bin/env node
// The `portolan` command. It runs the bundled CLI; `npm install` builds it (the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/main/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error('portolan: the CLI is not built yet. Run `npm run build` in the Portolan folder, then try again.');
  process.exit(1);
}
await import(cli);
