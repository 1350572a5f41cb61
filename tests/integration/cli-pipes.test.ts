/**
 * The bundled `portolan` writing into a pipe that its reader closed (`portolan sockets | head -1`):
 * it stops quietly with status 0, as ss does, instead of an EPIPE stack trace; a command that
 * would run until Ctrl+C (sockets --watch) stops too.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src-main/app/create-app.js';
import { ASSETS_DIR } from '../helpers/app.js';
import { bundleCli, type CliExit } from '../helpers/cli-process.js';

let cli: Awaited<ReturnType<typeof bundleCli>>;
let dataDir: string;

beforeAll(async () => {
  cli = await bundleCli();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'portolan-cli-pipes-'));
  const app = await createApp({ assetsDir: ASSETS_DIR, dataDir, transport: 'direct', heartbeatMs: 0 });
  for (let i = 0; i < 5; i++) {
    const result = await app.invoke('forwards.create', { spec: { kind: 'tcp', name: `web ${i}`, listenPort: 8080 + i, targetHost: '127.0.0.1', targetPort: 80 }, start: false });
    expect(result.ok).toBe(true);
  }
  await app.close();
});
afterAll(async () => {
  await cli.remove();
  await rm(dataDir, { recursive: true, force: true });
});

/** Runs the CLI with its stdout a pipe whose reading end this test closes at once, before the CLI writes. */
function withClosedStdout(args: string[]): Promise<CliExit> {
  const child = spawn(process.execPath, [cli.file, ...args], { env: { ...process.env, PORTOLAN_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal, out: '', err })));
}

describe('stdout closed early', () => {
  it.each([[['sockets']], [['sockets', '--json']], [['forwards', 'list']], [['port', '0-65535', '--json']], [['--help']]])('%j exits 0 without a word', async (args) => {
    const { code, err } = await withClosedStdout(args);
    expect(err).toBe('');
    expect(code).toBe(0);
  });

  it('sockets --watch, which runs until Ctrl+C, stops by itself', async () => {
    const { code, err } = await withClosedStdout(['sockets', '--watch']);
    expect(err).toBe('');
    expect(code).toBe(0);
  });
});
