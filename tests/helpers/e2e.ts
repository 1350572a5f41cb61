/**
 * The end-to-end harness: a real engine (`portolan serve` on 127.0.0.1, its own data folder) and
 * Debian's Chromium driven by playwright-core. Each e2e file calls `useE2E(name)` once at top
 * level; it builds dist/ when missing, starts both before the tests and stops both after.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
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

/**
 * How many rows a box's shown children are laid out in: a toolbar that wraps has more than one.
 * Children of `display: contents` wrappers (a ToolbarFold that is not folded) count as the box's
 * own; a child starts a new row when it begins below every child of the row before.
 */
export function rowsOf(box: Locator): Promise<number> {
  return box.evaluate((el) => {
    const rects: DOMRect[] = [];
    const visit = (parent: Element) => {
      for (const child of parent.children) {
        if (getComputedStyle(child).display === 'contents') visit(child);
        else {
          const r = child.getBoundingClientRect();
          if (r.width > 0 && r.height > 0) rects.push(r);
        }
      }
    };
    visit(el);
    rects.sort((a, b) => a.top - b.top);
    let rows = 0;
    let bottom = -Infinity;
    for (const r of rects) {
      if (r.top >= bottom - 1) {
        rows++;
        bottom = r.bottom;
      } else bottom = Math.max(bottom, r.bottom);
    }
    return rows;
  });
}

/**
 * Expects the view to fit the window sideways (nothing sticks out of `main`) and each control to
 * be whole on screen once scrolled to: inside the window and not cut by any box that clips it.
 */
export async function expectFits(page: Page, controls: Locator[] = []): Promise<void> {
  const main = await page.locator('main').evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
  expect(main.scroll, 'the view is no wider than the main area').toBeLessThanOrEqual(main.client);
  const size = page.viewportSize()!;
  for (const control of controls) {
    await control.scrollIntoViewIfNeeded();
    const cut = await control.evaluate((el, { width, height }) => {
      const r = el.getBoundingClientRect();
      const outside = (left: number, top: number, right: number, bottom: number) =>
        r.left < left - 0.5 || r.top < top - 0.5 || r.right > right + 0.5 || r.bottom > bottom + 0.5;
      if (r.width === 0 || r.height === 0) return 'not shown';
      if (outside(0, 0, width, height)) return `outside the window (${Math.round(r.left)},${Math.round(r.top)} to ${Math.round(r.right)},${Math.round(r.bottom)})`;
      // Boxes above a position: fixed element (a dialog) do not clip it.
      for (let a = getComputedStyle(el).position === 'fixed' ? null : el.parentElement; a; a = a.parentElement) {
        const style = getComputedStyle(a);
        if (style.position === 'fixed' && style.overflowX === 'visible' && style.overflowY === 'visible') break;
        if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
        const b = a.getBoundingClientRect();
        const left = b.left + a.clientLeft;
        const top = b.top + a.clientTop;
        if (a.scrollLeft > 0) return `${a.tagName.toLowerCase()}.${a.className} is scrolled sideways to show it`;
        if (outside(left, top, left + a.clientWidth, top + a.clientHeight)) return `cut by ${a.tagName.toLowerCase()}.${a.className}`;
        if (style.position === 'fixed') break;
      }
      return '';
    }, size);
    expect(cut, `${control} is whole on screen at ${size.width}x${size.height}`).toBe('');
  }
}

/** A TCP echo server on 127.0.0.1 (any free port, half-open allowed), closed after the file's tests. */
export async function echoServer(e2e: E2E): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  e2e.cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}
