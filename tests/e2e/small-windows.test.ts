/**
 * Every view in a small window (900x600, the sidebar leaves 732 px) against a real engine
 * (`portolan serve` on 127.0.0.1), with something in it: a console talking to a peer of this
 * test, a forward that carried traffic with its connection log open, two scans in the history.
 * Each view must fit sideways, keep its toolbars to the rows they are meant to have, and show
 * its key controls whole; the less used controls fold behind a button that opens them.
 * Screenshots of each view at 1280x800 and 900x600 (and dark at 900x600):
 * test-results/screenshots/small-*.png.
 */
import net from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { echoServer, expectFits, rowsOf, SHOTS, useE2E } from '../helpers/e2e.js';

const e2e = useE2E('small-windows');

const SIZES = [
  { width: 1280, height: 800, colorScheme: 'light' },
  { width: 900, height: 600, colorScheme: 'light' },
  { width: 900, height: 600, colorScheme: 'dark' },
] as const;
type Size = (typeof SIZES)[number];
const small = (size: Size) => size.width === 900;

/** Connects to 127.0.0.1:port from the test and writes `text`; the socket stays open until the end. */
async function peer(port: number, text: string): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  socket.on('error', () => {});
  e2e.cleanups.push(() => void socket.destroy());
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(text);
  return socket;
}

async function openAt(size: Size, view: string): Promise<{ page: Page; problems: string[] }> {
  return e2e.open({ view, width: size.width, height: size.height, colorScheme: size.colorScheme });
}

const shot = (page: Page, name: string, size: Size) =>
  page.screenshot({ path: path.join(SHOTS, `small-${name}-${size.width}x${size.height}${size.colorScheme === 'dark' ? '-dark' : ''}.png`) });

describe('every view in a small window', () => {
  let echo = 0;
  let forwardPort = 0;

  it('makes something to show: a console with a peer, a forward with its log, two scans', async () => {
    echo = await echoServer(e2e);
    const { page, problems } = await e2e.open({ view: 'Listeners' });
    const form = page.getByRole('form', { name: 'Open a port' });
    await form.getByRole('textbox', { name: 'Listen port' }).fill('0');
    await form.getByRole('combobox', { name: 'Responder' }).selectOption('interactive');
    await form.getByRole('button', { name: 'Listen' }).click();
    const card = page.locator('[data-testid^="listener-"]').first();
    await card.waitFor();
    const listenPort = Number(/127\.0\.0\.1:(\d+)/.exec(await card.innerText())![1]);
    await peer(listenPort, 'hello from a peer of the test\n');
    await page.getByTestId('console').waitFor();

    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Forwards', exact: true }).click();
    await page.getByRole('button', { name: 'New forward' }).click();
    const forward = page.getByRole('form', { name: 'New forward' });
    await forward.getByLabel('Listen port', { exact: true }).fill('0');
    await forward.getByLabel('Target host', { exact: true }).fill('127.0.0.1');
    await forward.getByLabel('Target port', { exact: true }).fill(String(echo));
    await forward.getByLabel('Name', { exact: true }).fill('echo');
    await forward.getByLabel('Name', { exact: true }).press('Enter');
    await forward.waitFor({ state: 'detached' });
    const state = page.getByRole('article', { name: 'Forward echo' }).getByTestId('forward-state');
    await expect.poll(() => state.innerText()).toMatch(/^listening on 127\.0\.0\.1:\d+$/);
    forwardPort = Number(/:(\d+)$/.exec(await state.innerText())![1]);
    // 300 KiB each way through the forward: six-digit byte counts, the widest a pair line shows.
    await peer(forwardPort, 'x'.repeat(300 * 1024));
    await expect.poll(() => page.getByRole('article', { name: 'Forward echo' }).getByTestId('bytes-out').innerText()).toBe('300 KiB');

    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Scanner', exact: true }).click();
    for (let i = 0; i < 2; i++) {
      const scan = page.getByRole('form', { name: 'New scan' });
      await scan.getByRole('textbox', { name: 'Targets' }).fill('127.0.0.1');
      await scan.getByRole('textbox', { name: 'Ports' }).fill(`${echo},${listenPort},${forwardPort}`);
      await scan.getByRole('textbox', { name: 'Ports' }).press('Enter');
      await page.locator('[data-testid="scan-progress"][data-state="done"]').waitFor();
    }
    expect(problems).toEqual([]);
    await page.context().close();
  });

  for (const size of SIZES) {
    const at = `${size.width}x${size.height}${size.colorScheme === 'dark' ? ' dark' : ''}`;

    it(`Sockets (${at}): two toolbar rows, the rest folded under Options, Export and Alerts; Process beside the detail panel`, async () => {
      const { page, problems } = await openAt(size, 'Sockets');
      const grid = page.getByRole('grid', { name: 'Sockets' });
      // With ~10,000 sockets the first snapshot takes a while on a busy 2-core machine.
      await grid.getByRole('row').nth(2).waitFor({ timeout: 90_000 });
      const lines = page.locator('header.toolbar .line');
      await expect.poll(() => lines.count()).toBe(2);
      for (const mode of ['Sockets', 'Pairs', 'Graph', 'Sockets']) {
        await page.getByRole('radio', { name: mode, exact: true }).click();
        expect(await rowsOf(lines.nth(0)), `${mode}: the first toolbar line is one row`).toBe(1);
        expect(await rowsOf(lines.nth(1)), `${mode}: the second toolbar line is one row`).toBe(1);
        await expectFits(page, [page.getByRole('searchbox', { name: 'Filter the sockets' }), page.getByRole('radiogroup', { name: 'Show' })]);
        if (mode !== 'Graph') {
          // The table's last column is whole (in pairs mode ↑ / ↓; RTT and Retr give way when narrow).
          const table = page.getByRole('grid', { name: mode === 'Pairs' ? 'Socket pairs' : 'Sockets' });
          await table.getByRole('row').nth(2).waitFor();
          await expectFits(page, [table.getByRole('columnheader').filter({ visible: true }).last()]);
          // The widest badge of the Range column fits its cell (where the column is shown: not at 900 px).
          const badge = table.locator('.badge-eph').first();
          if (mode === 'Sockets' && (await badge.count())) await expectFits(page, [badge]);
        }
        if (mode !== 'Sockets') await shot(page, `sockets-${mode.toLowerCase()}`, size);
      }
      const status = page.getByTestId('sockets-status');
      expect(await status.evaluate((el) => el.scrollWidth <= el.clientWidth), 'the status line is not cut').toBe(true);
      await page.getByRole('radio', { name: 'Sockets', exact: true }).click();
      const hideLoopback = page.getByRole('checkbox', { name: 'Hide loopback' });
      if (small(size)) {
        // Folded: hidden until Options opens it; Escape folds it again.
        expect(await hideLoopback.isVisible()).toBe(false);
        await page.getByRole('button', { name: 'Options', exact: true }).click();
        await expectFits(page, [hideLoopback, page.getByRole('checkbox', { name: 'Names' })]);
        await page.keyboard.press('Escape');
        await hideLoopback.waitFor({ state: 'hidden' });
        await page.getByRole('button', { name: 'Export', exact: true }).click();
        await expectFits(page, [page.getByRole('button', { name: 'Export CSV' }), page.getByRole('button', { name: 'Export JSON' })]);
        await page.keyboard.press('Escape');
      } else {
        expect(await page.getByRole('button', { name: 'Options', exact: true }).isVisible()).toBe(false);
        await expectFits(page, [hideLoopback, page.getByRole('button', { name: 'Accept current listeners as baseline' })]);
      }
      await grid.getByRole('row').nth(2).locator('[role=gridcell]').first().click();
      const detail = page.getByTestId('socket-detail');
      await detail.waitFor();
      const process = await grid.getByRole('columnheader', { name: 'Process' }).boundingBox();
      const panel = await detail.boundingBox();
      expect(process && panel && process.x + process.width <= panel.x + 1, 'the Process column is beside the detail panel').toBe(true);
      await expectFits(page, [page.getByRole('searchbox', { name: 'Filter the sockets' })]);
      await shot(page, 'sockets-detail', size);
      expect(problems).toEqual([]);
      await page.context().close();
    }, 150_000);

    it(`Listeners (${at}): the console toolbar is one row, its other controls folded`, async () => {
      const { page, problems } = await openAt(size, 'Listeners');
      const consoleBox = page.getByTestId('console');
      await consoleBox.waitFor();
      const toolbar = page.locator('section.pane .toolbar');
      expect(await rowsOf(toolbar), 'the console toolbar is one row').toBe(1);
      await expectFits(page, [page.getByRole('radiogroup', { name: 'Input mode' }), page.getByRole('button', { name: 'Close peer' }), page.getByRole('button', { name: 'Listen' })]);
      if (small(size)) {
        await page.getByRole('button', { name: 'More', exact: true }).click();
        await expectFits(page, [page.getByRole('button', { name: 'Send EOF' }), page.getByRole('button', { name: 'Save transcript' })]);
      } else {
        await page.getByRole('button', { name: 'Transcript', exact: true }).click();
        await expectFits(page, [page.getByRole('button', { name: 'Send EOF' }), page.getByRole('combobox', { name: 'Transcript format' }), page.getByRole('button', { name: 'Save transcript' })]);
      }
      await shot(page, 'listeners', size);
      expect(problems).toEqual([]);
      await page.context().close();
    });

    it(`Forwards (${at}): a pair and its byte counts on one line, the log whole, the form inside the window`, async () => {
      const { page, problems } = await openAt(size, 'Forwards');
      const card = page.getByRole('article', { name: 'Forward echo' });
      const pair = card.locator('[data-testid^="connection-"]').first();
      await pair.waitFor();
      expect(await rowsOf(pair), 'client ⇄ Portolan ⇄ target and the bytes are one line').toBe(1);
      const log = card.getByRole('button', { name: /Connection log/ });
      if ((await log.getAttribute('aria-expanded')) !== 'true') await log.click();
      const table = card.getByRole('table', { name: 'Connection log of echo' });
      await table.waitFor();
      expect(await table.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
      for (const cell of await table.locator('td.num').all()) {
        const lines = await cell.evaluate((el) => {
          const range = document.createRange();
          range.selectNodeContents(el);
          return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
        });
        expect(lines, `the byte count ${await cell.innerText()} on one line`).toBe(1);
      }
      await expectFits(page, [card.getByRole('button', { name: 'Delete echo' }), card.getByTestId('bytes-out'), table.getByRole('row').first()]);
      await page.getByRole('button', { name: 'Connection log' }).first().scrollIntoViewIfNeeded();
      await shot(page, 'forwards', size);
      await page.getByRole('button', { name: 'New forward' }).click();
      const form = page.getByRole('form', { name: 'New forward' });
      await form.waitFor();
      await expectFits(page, [form, form.getByRole('button', { name: 'Create forward' })]);
      await shot(page, 'forwards-form', size);
      expect(problems).toEqual([]);
      await page.context().close();
    });

    it(`Scanner (${at}): the history fits its pane, every scan's actions whole; the compare selects fit`, async () => {
      const { page, problems } = await openAt(size, 'Scanner');
      await expectFits(page, [page.getByRole('button', { name: 'Start scan' })]);
      await page.getByRole('tab', { name: /History/ }).click();
      const history = page.getByRole('region', { name: 'Scan history' });
      await expect.poll(() => history.locator('tbody tr').count()).toBe(2);
      expect(await history.evaluate((el) => el.scrollWidth <= el.clientWidth), 'the history is no wider than its pane').toBe(true);
      const row = history.locator('tbody tr').first();
      await expectFits(page, [row.getByRole('button', { name: 'Open' }), row.getByRole('combobox', { name: /^Export scan/ }), row.getByRole('button', { name: /^Delete scan of/ })]);
      await shot(page, 'scan-history', size);
      await row.getByRole('button', { name: 'Compare' }).click();
      await expectFits(page, [page.getByRole('combobox', { name: 'Earlier scan', exact: true }), page.getByRole('combobox', { name: 'Later scan', exact: true })]);
      expect(problems).toEqual([]);
      await page.context().close();
    });

    it(`Knocking (${at}): both columns fit; Knock and Create guard whole`, async () => {
      const { page, problems } = await openAt(size, 'Knocking');
      const create = page.getByRole('button', { name: 'Create guard' });
      await create.waitFor();
      await expectFits(page, [page.getByRole('button', { name: 'Knock', exact: true }), page.getByRole('combobox', { name: 'Guarded listener or forward' }), create]);
      await page.locator('main').evaluate((el) => el.querySelectorAll('.col').forEach((c) => c.scrollTo(0, 0)));
      await shot(page, 'knock', size);
      expect(problems).toEqual([]);
      await page.context().close();
    });

    it(`Router (${at}): no card is squeezed shut; Map port whole`, async () => {
      const { page, problems } = await openAt(size, 'Router');
      const mappings = page.getByRole('region', { name: 'Mappings' });
      await mappings.waitFor();
      expect(await mappings.evaluate((el) => el.scrollHeight <= el.clientHeight + 1), 'the mappings card shows all it holds').toBe(true);
      await expectFits(page, [page.getByRole('button', { name: 'Look for my router' }), page.getByRole('button', { name: 'Map port' })]);
      await page.locator('main .page').evaluate((el) => el.scrollTo(0, 0));
      await shot(page, 'router', size);
      expect(problems).toEqual([]);
      await page.context().close();
    });

    it(`Exposure (${at}): the filter bar is two rows at most, its buttons whole`, async () => {
      const { page, problems } = await openAt(size, 'Exposure');
      const bar = page.getByRole('group', { name: 'Exposure filters' });
      await bar.getByRole('button', { name: 'Refresh' }).waitFor();
      expect(await rowsOf(bar)).toBeLessThanOrEqual(2);
      await expectFits(page, [bar.getByRole('searchbox', { name: 'Filter' }), bar.getByRole('button', { name: 'Set as baseline' })]);
      // The Process column keeps "node (1234)" on one line (it wrapped at 900 px); the whole name is its tooltip.
      const owners = page.getByTestId('exposure-process');
      await owners.first().waitFor();
      const lines = await owners.evaluateAll((els) =>
        els.map((el) => {
          const range = document.createRange();
          range.selectNodeContents(el);
          const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
          return { text: el.textContent, title: el.getAttribute('title'), lines, whole: el.scrollWidth <= el.clientWidth };
        }),
      );
      for (const owner of lines) expect(owner, `${owner.text} on one line`).toMatchObject({ text: owner.text, title: owner.text, lines: 1 });
      // A name and pid alone (this test's own "node (1234)") is shown whole; longer ones may end in an ellipsis.
      const plain = lines.filter((o) => /^[\w.-]+ \(\d+\)$/.test(o.text ?? ''));
      expect(plain.length).toBeGreaterThan(0);
      for (const owner of plain) expect(owner.whole, `${owner.text} whole`).toBe(true);
      await shot(page, 'exposure', size);
      expect(problems).toEqual([]);
      await page.context().close();
    });

    it(`Learn (${at}): the list and the card fit`, async () => {
      const { page, problems } = await openAt(size, 'Learn');
      await page.getByRole('navigation', { name: 'Learn cards' }).waitFor();
      await expectFits(page, [page.locator('#learn-title')]);
      await shot(page, 'learn', size);
      expect(problems).toEqual([]);
      await page.context().close();
    });
  }
});
