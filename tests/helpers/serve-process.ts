/**
 * `portolan serve` as a real process (the CLI from source through tsx), on a free loopback port
 * with a throwaway data folder, so tests can check that it stays up whatever a client sends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '..', '..');

/** A running `portolan serve`. */
export interface ServeProcess {
  child: ChildProcess;
  port: number;
  token: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Null while running; the exit code (or signal name) once it has exited. */
  exited(): number | string | null;
  stop(): Promise<void>;
}

/** Starts `portolan serve --no-open` with extra arguments and waits for its URL. */
export async function startServeProcess(args: string[] = []): Promise<ServeProcess> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'portolan-serve-data-'));
  const staticDir = await mkdtemp(path.join(os.tmpdir(), 'portolan-serve-static-'));
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>Portolan</title>');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src-main/cli/main.ts', 'serve', '--no-open', '--port', '0', ...args], {
    cwd: REPO,
    env: { ...process.env, PORTOLAN_DATA_DIR: dataDir, PORTOLAN_STATIC_DIR: staticDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let exit: number | string | null = null;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = code ?? signal;
      resolve();
    }),
  );
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const url = await new Promise<URL>((resolve, reject) => {
    const check = () => {
      const match = /serving on (http:\S+)/.exec(out);
      if (match) resolve(new URL(match[1]!));
    };
    child.stdout!.on('data', check);
    void gone.then(() => reject(new Error(`portolan serve exited (${exit}) before serving:\n${out}\n${err}`)));
  });
  return {
    child,
    port: Number(url.port),
    token: url.searchParams.get('token')!,
    stderr: () => err,
    exited: () => exit,
    async stop() {
      if (exit === null) {
        child.kill('SIGINT');
        await gone;
      }
      await rm(dataDir, { recursive: true, force: true });
      await rm(staticDir, { recursive: true, force: true });
    },
  };
}
