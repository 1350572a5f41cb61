/**
 * The built renderer in Chromium against a real engine: `portolan serve` on 127.0.0.1, driven
 * with playwright-core. Screenshots in light and dark land in test-results/screenshots/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const shots = path.join(root, 'test-results', 'screenshots');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let server: ChildProcess | undefined;
let browser: Browser | undefined;
let dataDir = '';
let url = '';

/** Starts `portolan serve` and resolves with the token URL it prints. */
function startServer(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/portolan.js', 'serve', '--port', '0', '--no-open'], {
      cwd: root,
      env: { ...process.env, PORTOLAN_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = child;
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+/.exec(out);
      if (match) {
        child.stdout?.off('data', onData);
        resolve(match[0]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`portolan serve exited (${code}) before printing its URL:\n${out}`)));
  });
}

async function openApp(colorScheme: 'light' | 'dark'): Promise<Page> {
  const context = await browser!.newContext({ colorScheme, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (msg) => msg.type() === 'error' && problems.push(msg.text()));
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto(url);
  await page.getByTestId('connection').filter({ hasText: 'Connected' }).waitFor();
  expect(problems, 'errors in the page (CSP violations included)').toEqual([]);
  return page;
}

beforeAll(async () => {
  if (!existsSync(path.join(root, 'dist/renderer/index.html')) || !existsSync(path.join(root, 'dist/main/cli.js'))) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  mkdirSync(shots, { recursive: true });
  dataDir = mkdtempSync(path.join(tmpdir(), 'portolan-e2e-'));
  url = await startServer();
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  console.log(`e2e screenshots: ${shots}`);
});

describe('dictionary and learn in the browser', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`finds 443, opens its card and the socket-pairs card (${scheme})`, async () => {
      const page = await openApp(scheme);
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(scheme);
      await expect.poll(() => page.locator('.statusbar').innerText()).toMatch(/engine \S+/);

      const search = page.getByRole('searchbox', { name: 'Search the port dictionary' });
      if (scheme === 'light') await page.screenshot({ path: path.join(shots, 'dictionary-empty-light.png') });
      await page.keyboard.press('/');
      expect(await search.evaluate((el) => el === document.activeElement)).toBe(true);
      await search.fill(''); // the second run starts with the first run's remembered search
      await page.keyboard.type('443');
      const row = page.locator('[role=option][data-port="443"]');
      await row.waitFor();
      await expect.poll(() => page.locator('.summary').innerText()).toMatch(/\d+ results?, page 1 of \d+/);

      await row.getByRole('link', { name: '443' }).click();
      const card = page.getByRole('article', { name: 'Port 443' });
      await card.waitFor();
      expect(await card.innerText()).toMatch(/https/);
      expect(page.url()).toMatch(/#\/port\/443$/);

      await card.getByRole('button', { name: 'Check' }).click();
      await card.getByRole('status').waitFor();
      expect(await card.getByRole('status').innerText()).toMatch(/Free|In use|Needs privileges|Unavailable/);
      await page.screenshot({ path: path.join(shots, `dictionary-443-${scheme}.png`) });

      await card.getByRole('link', { name: 'Ephemeral range' }).click();
      const learn = page.getByRole('article').filter({ has: page.locator('#learn-title') });
      await learn.waitFor();
      expect(page.url()).toMatch(/#\/learn\/socket-pairs$/);
      expect(await learn.locator('#learn-title').innerText()).toMatch(/pair/i);
      await page.screenshot({ path: path.join(shots, `learn-socket-pairs-${scheme}.png`) });

      // The search is remembered through the engine's settings.
      await page.reload();
      await page.getByTestId('connection').filter({ hasText: 'Connected' }).waitFor();
      await page.goto(url.replace(/\?token=.*/, '#/dictionary'));
      await expect.poll(() => page.getByRole('searchbox').inputValue()).toBe('443');

      // Ctrl+K jumps to a port by number.
      await page.keyboard.press('Control+k');
      await page.getByRole('dialog', { name: 'Go to' }).getByRole('textbox').fill('22');
      await page.screenshot({ path: path.join(shots, `palette-${scheme}.png`) });
      await page.keyboard.press('Enter');
      await page.getByRole('article', { name: 'Port 22' }).waitFor();
      await page.screenshot({ path: path.join(shots, `dictionary-22-${scheme}.png`), fullPage: true });
      await page.context().close();
    });
  }

  it('shows the lost link in the status bar when the engine stops', async () => {
    const page = await openApp('light');
    server?.kill('SIGTERM');
    await page.getByTestId('connection').filter({ hasText: 'Reconnecting' }).waitFor();
    await page.context().close();
  });
});
