/**
 * The end-to-end harness: a real engine (`portolan serve` on 127.0.0.1, its own data folder) and
 * Debian's Chromium driven by playwright-core. Each e2e file calls `useE2E(name)` once at top
 * level; it builds dist/ when missing, starts both before the tests and stops both after.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';

/** The repository root. */
export const ROOT = path.resolve(import.meta.dirname, '../..');
/** Where e2e tests write screenshots (the README's come from here). */
export const SHOTS = path.join(ROOT, 'test-results', 'screenshots');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Starts `portolan serve` with a data folder; resolves with the child and the token URL it prints. */
export function startServer(dataDir: string, extraEnv: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/portolan.js', 'serve', '--port', '0', '--no-open'], {
      cwd: ROOT,
      env: { ...process.env, PORTOLAN_DATA_DIR: dataDir, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+/.exec(out);
      if (match) {
        child.stdout?.off('data', onData);
        resolve({ child, url: match[0] });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`portolan serve exited (${code}) before printing its URL:\n${out}`)));
  });
}

/** What a test file gets from {@link useE2E}; fields are filled in beforeAll. */
export interface E2E {
  /** The token URL of the running engine. */
  url: string;
  /** The engine's data folder (settings, saved profiles). */
  dataDir: string;
  browser: Browser;
  /** Run after all tests (close sockets the test opened...). */
  cleanups: (() => unknown)[];
  /** Stops the engine (to test how the UI shows a lost link). */
  stopServer(): void;
  /** Opens a new page on the app, waits for the engine link, and clicks a view in the sidebar when given. */
  open(options?: { view?: string; colorScheme?: 'light' | 'dark'; width?: number; height?: number }): Promise<{ page: Page; problems: string[] }>;
}

/** Registers beforeAll/afterAll hooks that start and stop the engine and the browser. */
export function useE2E(name: string, options: { env?: Record<string, string> } = {}): E2E {
  let server: ChildProcess | undefined;
  const ctx = { cleanups: [] as E2E['cleanups'] } as E2E;
  ctx.stopServer = () => void server?.kill('SIGTERM');
  ctx.open = async ({ view, colorScheme = 'light', width = 1280, height = 800 } = {}) => {
    const context = await ctx.browser.newContext({ colorScheme, viewport: { width, height } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (msg) => msg.type() === 'error' && problems.push(msg.text()));
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(ctx.url);
    await page.getByTestId('connection').filter({ hasText: 'Connected' }).waitFor();
    if (view) {
      await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: view, exact: true }).click();
      await expect.poll(() => page.url()).toMatch(/#\/\w+/);
    }
    return { page, problems };
  };
  beforeAll(async () => {
    if (!existsSync(path.join(ROOT, 'dist/renderer/index.html')) || !existsSync(path.join(ROOT, 'dist/main/cli.js'))) {
      const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
      if (build.status !== 0) throw new Error('npm run build failed');
    }
    mkdirSync(SHOTS, { recursive: true });
    ctx.dataDir = mkdtempSync(path.join(tmpdir(), `portolan-e2e-${name}-`));
    const started = await startServer(ctx.dataDir, options.env);
    server = started.child;
    ctx.url = started.url;
    ctx.browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    for (const cleanup of ctx.cleanups) await cleanup();
    await ctx.browser?.close();
    server?.kill('SIGTERM');
    if (ctx.dataDir) rmSync(ctx.dataDir, { recursive: true, force: true });
  });
  return ctx;
}
