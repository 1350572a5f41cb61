import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

/** Lints `code` as if it were the file at `filePath` and returns the layering messages. */
async function layering(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

describe('layering lint rule (docs/ARCHITECTURE.md)', () => {
  // The first lint loads the config, typescript-eslint and the Svelte parser: seconds on a busy
  // machine, so it happens here with room, not inside the first case's 5 s.
  beforeAll(() => layering('src-main/engine/warm-up.ts', ''), 60_000);

  it.each([
    ['src-main/engine/x.ts', "import { createApp } from '../app/create-app.js';"],
    ['src-main/engine/dictionary/x.ts', "import { startWebServer } from '../../transports/web.js';"],
    ['src-main/engine/x.ts', "import { app } from 'electron';"],
    ['src-main/app/x.ts', "import { startWebServer } from '../transports/web.js';"],
    ['src-main/app/x.ts', "import { BrowserWindow } from 'electron';"],
    ['src-main/transports/x.ts', "import { ipcMain } from 'electron';"],
    ['src-main/cli/x.ts', "import '../electron/main.js';"],
    ['src-main/contract/x.ts', "import fs from 'node:fs';"],
    // A value from contract/index.js builds every area's schemas: values come from the area's file.
    ['src-main/engine/x.ts', "import { PortolanError } from '../contract/index.js';"],
    ['src-main/cli/commands/x.ts', "import { calls } from '../../contract/index.js';"],
    ['src-main/contract/x.ts', "import { Dictionary } from '../engine/dictionary/dictionary.js';"],
    ['src-renderer/src/lib/x.ts', "import net from 'node:net';"],
    ['src-renderer/src/lib/x.ts', "import { createApp } from '../../../src-main/app/create-app.js';"],
    ['src-renderer/src/lib/x.ts', "import { ipcRenderer } from 'electron';"],
    // Components are linted too: a view cannot reach past the contract.
    ['src-renderer/src/views/x/X.svelte', "<script lang=\"ts\">\n  import { createApp } from '../../../../src-main/app/create-app.js';\n</script>\n<p>x</p>"],
    ['src-renderer/src/views/x/X.svelte', "<script lang=\"ts\">\n  import fs from 'node:fs';\n</script>"],
  ])('refuses %s: %s', async (file, code) => {
    expect(await layering(file, code)).not.toEqual([]);
  });

  it.each([
    ['src-main/engine/x.ts', "import { PortolanError } from '../contract/errors.js';"],
    ['src-main/engine/x.ts', "import type { SocketRow } from '../contract/index.js';"],
    ['src-main/app/x.ts', "import { checkBind } from '../engine/sockets/bind-check.js';"],
    ['src-main/electron/x.ts', "import { app } from 'electron';"],
    ['src-renderer/src/lib/x.ts', "import type { Client } from '../../../src-main/contract/index.js';"],
    ['src-renderer/src/views/x/X.svelte', "<script lang=\"ts\">\n  import { plainAddress } from '../../../../src-main/contract/net-notes.js';\n  plainAddress('');\n</script>"],
  ])('allows %s: %s', async (file, code) => {
    expect(await layering(file, code)).toEqual([]);
  });
});
