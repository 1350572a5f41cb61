/**
 * The built renderer in Chromium against a real engine: `portolan serve` on 127.0.0.1, driven
 * with playwright-core. Screenshots in light and dark land in test-results/screenshots/.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SHOTS as shots, useE2E } from '../helpers/e2e.js';

const e2e = useE2E('dictionary');

async function openApp(colorScheme: 'light' | 'dark'): Promise<Page> {
  const { page, problems } = await e2e.open({ colorScheme });
  expect(problems, 'errors in the page (CSP violations included)').toEqual([]);
  return page;
}

describe('dictionary and learn in the browser', () => {
  // First in the file: the engine's data folder is fresh, as for a newcomer.
  for (const size of [
    { width: 1280, height: 800 },
    { width: 900, height: 600 },
  ]) {
    it(`opens on a start page that leads to the main jobs, in words a user understands (${size.width}x${size.height})`, async () => {
      const { page, problems } = await e2e.open(size);
      expect(problems).toEqual([]);
      // The first visit has no remembered view: the start page. Later ones go back to the last view.
      if (size.width !== 1280) await page.goto(e2e.url.replace(/\?token=.*/, '#/start'));
      await page.getByRole('heading', { name: 'What do you want to do?' }).waitFor();
      await expect.poll(() => page.locator('.statusbar').innerText()).toMatch(/Machine: \S+ \(Linux\)/);
      const status = await page.locator('.statusbar').innerText();
      expect(status).toMatch(/In a browser/);
      expect(status).not.toMatch(/linux ·|\bweb\b/);
      const main = page.locator('main');
      expect(await main.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
      await page.screenshot({ path: path.join(shots, `start-${size.width}x${size.height}.png`) });

      await page.getByRole('link', { name: /Forward a port/ }).click();
      await page.getByRole('form', { name: /new forward/i }).waitFor();
      await page.keyboard.press('Escape');
      await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Start', exact: true }).click();
      await page.getByRole('link', { name: /Watch connections live/ }).click();
      await page.locator('#sockets-filter').waitFor();
      await page.context().close();
    });
  }

  it('Enter opens the best match, ranked by name; a single match opens by itself; the card never belongs to another port', async () => {
    const { page } = await e2e.open({ width: 900, height: 600 });
    await page.goto(e2e.url.replace(/\?token=.*/, '#/start'));
    const start = page.getByRole('searchbox', { name: 'Look a port up' });
    await start.fill('ssh');
    await start.press('Enter');
    await page.getByRole('article', { name: 'Port 22' }).waitFor();
    await expect.poll(() => page.url()).toMatch(/#\/port\/22$/);
    const ports = await page.locator('[role=option][data-port]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.port));
    expect(ports.slice(0, 2)).toEqual(['22', '2222']);
    // Names wrap instead of being cut ("EtherNet/IP-1, ssh-alt").
    const names = page.locator('[role=option][data-port="2222"] .names');
    expect(await names.innerText()).toMatch(/ssh-alt/);
    expect(await names.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await page.screenshot({ path: path.join(shots, 'dictionary-ssh-900x600.png') });

    // A new search that does not hold 22 closes its card; Enter opens the first result's.
    const search = page.getByRole('searchbox', { name: 'Search the port dictionary' });
    await search.fill('mysql');
    await page.locator('[role=option][data-port="3306"]').waitFor();
    await expect.poll(() => page.getByRole('article', { name: 'Port 22' }).count()).toBe(0);
    await search.press('Enter');
    await page.getByRole('article', { name: 'Port 3306' }).waitFor();

    // One match: its card opens without Enter.
    await search.fill('5432');
    await page.getByRole('article', { name: 'Port 5432' }).waitFor();

    // "What is using this port now" beside "Can I listen": the live sockets on that port.
    await page.getByRole('link', { name: 'What is using port 5432 now?' }).click();
    await expect.poll(() => page.locator('#sockets-filter').inputValue()).toBe('port:5432');
    await page.context().close();
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`finds 443, opens its card and the socket-pairs card (${scheme})`, async () => {
      const page = await openApp(scheme);
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(scheme);
      await expect.poll(() => page.locator('.statusbar').innerText()).toMatch(/engine \S+/);

      // The tests above left another view remembered: start from the dictionary.
      await page.goto(e2e.url.replace(/\?token=.*/, '#/dictionary'));
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
      await page.goto(e2e.url.replace(/\?token=.*/, '#/dictionary'));
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
    e2e.stopServer();
    await page.getByTestId('connection').filter({ hasText: 'Reconnecting' }).waitFor();
    // A clear notice over an app that takes no clicks, rather than actions failing one by one.
    const notice = page.getByRole('alertdialog', { name: "Portolan's engine stopped; reconnecting…" });
    await notice.waitFor();
    expect(await page.locator('.shell').evaluate((el) => (el as HTMLElement).inert)).toBe(true);
    await page.screenshot({ path: path.join(shots, 'engine-stopped.png') });
    await page.context().close();
  });
});
