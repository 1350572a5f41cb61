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
    await page.context().close();
  });
});
