/**
 * The Listeners view in Chromium against a real engine (`portolan serve` on 127.0.0.1): open a
 * TCP listener in the UI, connect from this test with node:net, type in the console and receive
 * the line here, send from here and see it in the console, toggle the hex dump, send EOF, close
 * the peer and the listener. A second test sends 50 MB to a console and prints the longest gap
 * between animation frames (no timed assertion). A third opens a console in a second page and
 * after a reload: it shows what was said before (sessions.transcript), then goes on live. A
 * fourth has two pages type in one session: each shows the other's lines live (sessions.sent),
 * in the sent colour, and its own once.
 * Screenshots: test-results/screenshots/consoles-*.png.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SHOTS as shots, useE2E } from '../helpers/e2e.js';

const e2e = useE2E('consoles');
const cleanups = e2e.cleanups;

/** Opens the app on the Listeners view. */
async function openListeners(): Promise<{ page: Page; problems: string[] }> {
  const { page, problems } = await e2e.open({ view: 'Listeners' });
  await page.getByRole('form', { name: 'Open a port' }).waitFor();
  expect(page.url()).toMatch(/#\/listen$/);
  return { page, problems };
}

/** Opens a TCP console listener on 127.0.0.1 with the form; resolves with its port. */
async function listen(page: Page, port = '0'): Promise<number> {
  const form = page.getByRole('form', { name: 'Open a port' });
  await form.getByLabel('Listen address', { exact: true }).fill('127.0.0.1');
  await form.getByRole('textbox', { name: 'Listen port' }).fill(port);
  await form.getByRole('combobox', { name: 'Responder' }).selectOption('interactive');
  const before = await page.locator('[data-testid^="listener-"]').count();
  await form.getByRole('button', { name: 'Listen' }).click();
  await expect.poll(() => page.locator('[data-testid^="listener-"]').count()).toBe(before + 1);
  const card = page.locator('[data-testid^="listener-"]').last();
  const m = /127\.0\.0\.1:(\d+)/.exec(await card.innerText());
  return Number(m![1]);
}

/** A client of the test process, collecting what it receives. */
async function client(port: number) {
  // allowHalfOpen: reading goes on after the console sends EOF.
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  socket.on('error', () => {});
  const received: Buffer[] = [];
  let ended = false;
  socket.on('data', (d) => received.push(d));
  socket.on('end', () => (ended = true));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  cleanups.push(() => socket.destroy());
  return { socket, text: () => Buffer.concat(received).toString('utf8'), ended: () => ended };
}

/** The visible text of the shown console (xterm's DOM rows). */
function consoleText(page: Page): Promise<string> {
  return page
    .getByTestId('console')
    .locator('.xterm-rows')
    .innerText()
    .then((t) => t.replace(/\u00a0/g, ' '));
}

describe('the Listeners view in the browser', () => {
  it('opens a listener, talks to a peer in its console (text and hex), sends EOF and closes', async () => {
    const { page, problems } = await openListeners();
    await page.getByRole('heading', { name: 'Listeners', level: 1 }).waitFor();
    const form = page.getByRole('form', { name: 'Open a port' });
    await page.screenshot({ path: path.join(shots, 'consoles-empty-light.png') });

    // Validation as you type, and the plain warning for an exposed address.
    await form.getByRole('textbox', { name: 'Listen port' }).fill('70000');
    await form.getByText('Ports go from 0 (any free port) to 65535.').waitFor();
    expect(await form.getByRole('button', { name: 'Listen' }).isDisabled()).toBe(true);
    await form.getByLabel('Listen address', { exact: true }).fill('0.0.0.0');
    expect(await page.getByTestId('exposure-warning').innerText()).toMatch(/other computers can connect/);

    // A busy port: the engine's sentence, and one click to use the free port it proposes.
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => holder.close());
    const busy = (holder.address() as net.AddressInfo).port;
    await form.getByLabel('Listen address', { exact: true }).fill('127.0.0.1');
    await form.getByRole('textbox', { name: 'Listen port' }).fill(String(busy));
    await form.getByRole('button', { name: 'Listen' }).click();
    const alert = form.getByRole('alert');
    await expect.poll(() => alert.innerText()).toMatch(new RegExp(`Port ${busy}/tcp on 127.0.0.1 is in use`));
    const useFree = form.getByRole('button', { name: /^Use port \d+$/ });
    if (await useFree.count()) {
      const free = Number((await useFree.innerText()).replace(/\D/g, ''));
      await useFree.click();
      const card = page.locator('[data-testid^="listener-"]').filter({ hasText: `127.0.0.1:${free}` });
      await card.waitFor();
      await card.getByRole('button', { name: 'Close' }).first().click();
      await card.waitFor({ state: 'detached' });
    }
    holder.close();

    // Open a console listener on any free port, connect from here: a tab and a console appear.
    const port = await listen(page);
    // On 127.0.0.1 a router cannot reach it: the same rule as a forward's, said in text.
    const listenerCard = page.locator('[data-testid^="listener-"]').filter({ hasText: `127.0.0.1:${port}` });
    expect(await listenerCard.getByRole('button', { name: 'Expose through router' }).isDisabled()).toBe(true);
    expect(await listenerCard.getByTestId('expose-why').innerText()).toMatch(/^Expose through router is not possible yet\. Listens on 127\.0\.0\.1 only/);
    const peer = await client(port);
    const row = page.locator('[data-testid^="session-"]').filter({ hasText: `127.0.0.1:${peer.socket.localPort}` });
    await row.waitFor();
    expect(await row.innerText()).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}\\s*⇄\\s*127\\.0\\.0\\.1:${peer.socket.localPort}`));
    await page.getByTestId('console').locator('.xterm-rows').waitFor();

    // Type a line in the console: the peer receives it with the chosen ending (LF by default).
    await page.getByTestId('console').locator('.xterm-screen').click();
    await page.keyboard.type('hello from the console');
    await page.keyboard.press('Enter');
    await expect.poll(() => peer.text()).toBe('hello from the console\n');
    await expect.poll(() => consoleText(page)).toContain('hello from the console');

    // CRLF endings.
    await page.getByRole('combobox', { name: 'Line ending' }).selectOption('crlf');
    await page.getByTestId('console').locator('.xterm-screen').click();
    await page.keyboard.type('second');
    await page.keyboard.press('Enter');
    await expect.poll(() => peer.text()).toBe('hello from the console\nsecond\r\n');

    // Send from here: the console shows it; the hex toggle shows its bytes.
    peer.socket.write('hello\nworld https://example.org/ ok\n');
    await expect.poll(() => consoleText(page)).toMatch(/hello\s+world https:\/\/example\.org\/ ok/);
    await page.screenshot({ path: path.join(shots, 'consoles-session-light.png') });
    await page.getByRole('radio', { name: 'Hex' }).click();
    await expect.poll(() => consoleText(page)).toContain('68 65 6c 6c 6f 0a');
    expect(await consoleText(page)).toMatch(/00000000 {2}68 65 6c 6c 6f 0a 77 6f {2}72 6c 64 20 68 74 74 70 {2}\|hello\.world http\|/);
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.screenshot({ path: path.join(shots, 'consoles-hex-dark.png') });
    // What was sent stays in the hex view, marked apart from what was received.
    expect(await consoleText(page)).toMatch(/→ hello from the console[\s\S]*→ second[\s\S]*00000000/);
    await page.getByRole('radio', { name: 'Text' }).click();
    await expect.poll(() => consoleText(page)).toMatch(/hello\s+world/);
    // ...and back in the text view.
    expect(await consoleText(page)).toMatch(/hello from the console[\s\S]*second[\s\S]*hello\s+world/);
    // The saved transcript holds both, marked apart, as text and hex. At 1280 px the console's
    // toolbar folds the transcript controls behind one button (one row instead of two).
    await page.getByRole('button', { name: 'Transcript', exact: true }).click();
    await page.getByRole('combobox', { name: 'Transcript format' }).selectOption('both');
    const [saved] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save transcript' }).click()]);
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Save transcript' }).waitFor({ state: 'hidden' });
    const transcript = readFileSync((await saved.path())!, 'utf8');
    expect(transcript).toMatch(/^> hello from the console\n> second\n< hello\n< world https:\/\/example\.org\/ ok\n/);
    expect(transcript).toMatch(/--- hex dump ---[\s\S]*> sent 31 bytes\n00000000  68 65 6c 6c 6f/);
    await page.screenshot({ path: path.join(shots, 'consoles-session-dark.png') });

    // Ctrl+F finds text in the console.
    await page.getByTestId('console').locator('.xterm-screen').click();
    await page.keyboard.press('Control+f');
    const find = page.getByRole('searchbox', { name: 'Find in console' });
    await find.waitFor();
    await find.fill('world');
    await page.keyboard.press('Escape');
    await find.waitFor({ state: 'detached' });

    // Send EOF: the peer sees the end of the stream; the session stays open for reading.
    await page.getByRole('button', { name: 'Send EOF' }).click();
    await expect.poll(() => peer.ended()).toBe(true);
    peer.socket.write('still here\n');
    await expect.poll(() => consoleText(page)).toContain('still here');

    // Close the peer, then the listener.
    // (Our peer keeps its side open after the EOF: the engine cuts it off after 2 s.)
    await page.getByRole('button', { name: 'Close peer' }).click();
    await expect.poll(() => row.innerText(), { timeout: 5000 }).toMatch(/closed/i);
    peer.socket.end();
    await page.emulateMedia({ colorScheme: 'light' });
    await page.screenshot({ path: path.join(shots, 'consoles-closed-light.png') });
    const card = page.locator('[data-testid^="listener-"]').filter({ hasText: `127.0.0.1:${port}` });
    await card.locator('header').getByRole('button', { name: 'Close' }).click();
    await card.waitFor({ state: 'detached' });
    const refused = await new Promise<string>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve('connected')));
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
    expect(problems, 'errors in the page (CSP violations included)').toEqual([]);
    await page.context().close();
  });

  it('stays responsive while a peer sends 50 MB to a console: prints the longest frame', async () => {
    const { page, problems } = await openListeners();
    const port = await listen(page);
    const peer = await client(port);
    const row = page.locator('[data-testid^="session-"]').filter({ hasText: `127.0.0.1:${peer.socket.localPort}` });
    await row.getByRole('button', { name: 'Console' }).click();
    await expect.poll(() => row.getAttribute('class')).toMatch(/\bactive\b/);
    await page.getByTestId('console').locator('.xterm-rows').waitFor();
    await page.evaluate(() => {
      const w = window as unknown as { gaps: number[]; stopFrames: boolean };
      w.gaps = [];
      w.stopFrames = false;
      let last = performance.now();
      const frame = (t: number) => {
        w.gaps.push(t - last);
        last = t;
        if (!w.stopFrames) requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });
    const total = 50 * 1024 * 1024;
    const line = Buffer.from(`${'0123456789abcdefghijklmnopqrstuvwxyz'.repeat(2)} the quick brown fox\n`);
    const chunk = Buffer.concat(Array.from({ length: Math.ceil(65536 / line.length) }, () => line));
    const started = Date.now();
    await new Promise<void>((resolve) => {
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          const part = chunk.subarray(0, Math.min(chunk.length, total - sent));
          sent += part.length;
          if (!peer.socket.write(part)) return void peer.socket.once('drain', pump);
        }
        resolve();
      };
      pump();
    });
    const written = Date.now() - started;
    // The console has drawn everything once the engine counts it all received and nothing is unacknowledged.
    const info = page.locator('.pane .info').first();
    await expect.poll(() => info.innerText(), { timeout: 180_000, interval: 500 }).toMatch(/↓ 50 MiB/);
    await expect.poll(() => page.getByTestId('paused').count(), { timeout: 60_000 }).toBe(0);
    const drawn = Date.now() - started;
    const { gaps, heap } = await page.evaluate(() => {
      const w = window as unknown as { gaps: number[]; stopFrames: boolean };
      w.stopFrames = true;
      const mem = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
      return { gaps: w.gaps.slice(1), heap: mem?.usedJSHeapSize ?? 0 };
    });
    const sorted = [...gaps].sort((a, b) => a - b);
    const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? NaN;
    console.log(
      `console 50 MB burst: written by the peer in ${(written / 1000).toFixed(1)} s, drawn in ${(drawn / 1000).toFixed(1)} s; ` +
        `${gaps.length} frames, longest ${Math.max(...gaps).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; JS heap after ${(heap / 1048576).toFixed(0)} MiB`,
    );
    await page.screenshot({ path: path.join(shots, 'consoles-burst-light.png') });
    expect(gaps.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 300_000);

  it('a console opened in a new page (a reload, a second window) shows what was said before it, then goes on live', async () => {
    const first = await openListeners();
    const port = await listen(first.page);
    const peer = await client(port);
    const tab = (page: Page) => page.getByRole('tab', { name: `127.0.0.1:${peer.socket.localPort}` });
    await tab(first.page).click();
    // The first test left CRLF remembered.
    await first.page.getByRole('combobox', { name: 'Line ending' }).selectOption('lf');
    await first.page.getByTestId('console').locator('.xterm-screen').click();
    await first.page.keyboard.type('earlier question');
    await first.page.keyboard.press('Enter');
    await expect.poll(() => peer.text()).toBe('earlier question\n');
    peer.socket.write('earlier answer\n');
    await expect.poll(() => consoleText(first.page)).toContain('earlier answer');

    // A second page of the same engine: its console starts with the conversation, both ways.
    const { page, problems } = await openListeners();
    await tab(page).click();
    await expect.poll(() => consoleText(page)).toMatch(/earlier question[\s\S]*earlier answer/);
    // Live bytes follow it in both pages, and nothing is shown twice.
    peer.socket.write('later\n');
    await expect.poll(() => consoleText(page)).toMatch(/earlier answer\s+later/);
    await expect.poll(() => consoleText(first.page)).toMatch(/earlier answer\s+later/);
    expect((await consoleText(page)).match(/earlier (question|answer)/g)).toEqual(['earlier question', 'earlier answer']);
    // Sent and received stay marked apart: the saved transcript of the new page says which is which.
    await page.getByRole('button', { name: 'Transcript', exact: true }).click();
    const [saved] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save transcript' }).click()]);
    await page.keyboard.press('Escape');
    expect(readFileSync((await saved.path())!, 'utf8')).toBe('> earlier question\n< earlier answer\n< later\n');
    // Nothing was dropped: no note about older bytes.
    expect(await page.getByTestId('history-dropped').count()).toBe(0);
    await page.screenshot({ path: path.join(shots, 'consoles-second-page-light.png') });

    // A reload of the first page: the same conversation again.
    await first.page.reload();
    await first.page.getByTestId('connection').filter({ hasText: 'Connected' }).waitFor();
    await tab(first.page).click();
    await expect.poll(() => consoleText(first.page)).toMatch(/earlier question[\s\S]*earlier answer\s+later/);

    const card = page.locator('[data-testid^="listener-"]').filter({ hasText: `127.0.0.1:${port}` });
    await card.locator('header').getByRole('button', { name: 'Close' }).click();
    await card.waitFor({ state: 'detached' });
    expect(problems).toEqual([]);
    expect(first.problems).toEqual([]);
    await page.context().close();
    await first.page.context().close();
  });

  it('two pages on one session: what one page sends shows live in the other, in the sent colour, and once in the sender', async () => {
    const a = await openListeners();
    const port = await listen(a.page);
    const peer = await client(port);
    const b = await openListeners();
    const tab = (page: Page) => page.getByRole('tab', { name: `127.0.0.1:${peer.socket.localPort}` });
    for (const page of [a.page, b.page]) {
      await tab(page).click();
      await page.getByRole('combobox', { name: 'Line ending' }).selectOption('lf');
      await page.getByTestId('console').locator('.xterm-rows').waitFor();
    }
    const typeLine = async (page: Page, line: string) => {
      await page.getByTestId('console').locator('.xterm-screen').click();
      await page.keyboard.type(line);
      await page.keyboard.press('Enter');
    };

    await typeLine(a.page, 'sent by page a');
    await expect.poll(() => peer.text()).toBe('sent by page a\n');
    // Page b did not send it and shows it at once, without a reload.
    await expect.poll(() => consoleText(b.page)).toContain('sent by page a');
    peer.socket.write('the peer answers\n');
    await expect.poll(() => consoleText(b.page)).toMatch(/sent by page a\s+the peer answers/);
    await expect.poll(() => consoleText(a.page)).toMatch(/sent by page a\s+the peer answers/);
    await typeLine(b.page, 'sent by page b');
    await expect.poll(() => peer.text()).toBe('sent by page a\nsent by page b\n');
    await expect.poll(() => consoleText(a.page)).toMatch(/the peer answers\s+sent by page b/);

    // Each line once in each page: the sender's local echo is not followed by a second copy.
    for (const page of [a.page, b.page]) {
      const shown = await consoleText(page);
      expect(shown.match(/sent by page [ab]|the peer answers/g)).toEqual(['sent by page a', 'the peer answers', 'sent by page b']);
    }
    // Marked apart as in a redraw: a peer's sent text is drawn in the sent colour (ANSI cyan), what was received is not.
    const cyan = (page: Page, text: string) => page.getByTestId('console').locator('.xterm-rows span.xterm-fg-6', { hasText: text }).count();
    expect(await cyan(b.page, 'sent by page a')).toBeGreaterThan(0);
    expect(await cyan(a.page, 'sent by page b')).toBeGreaterThan(0);
    expect(await cyan(b.page, 'the peer answers')).toBe(0);
    await b.page.screenshot({ path: path.join(shots, 'consoles-two-pages-light.png') });
    // Both pages keep the same transcript, sent and received marked apart.
    for (const page of [a.page, b.page]) {
      await page.getByRole('button', { name: 'Transcript', exact: true }).click();
      const [saved] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save transcript' }).click()]);
      await page.keyboard.press('Escape');
      expect(readFileSync((await saved.path())!, 'utf8')).toBe('> sent by page a\n< the peer answers\n> sent by page b\n');
    }

    const card = a.page.locator('[data-testid^="listener-"]').filter({ hasText: `127.0.0.1:${port}` });
    await card.locator('header').getByRole('button', { name: 'Close' }).click();
    await card.waitFor({ state: 'detached' });
    expect(a.problems).toEqual([]);
    expect(b.problems).toEqual([]);
    await a.page.context().close();
    await b.page.context().close();
  });

  it('a link from another view fills the connect form', async () => {
    const { page, problems } = await openListeners();
    await page.goto(e2e.url.replace(/\?token=.*/, '#/listen?connect=127.0.0.1&port=6553&proto=udp'));
    const form = page.getByRole('form', { name: 'Connect to a port' });
    await expect.poll(() => form.getByRole('textbox', { name: 'Connect port' }).inputValue()).toBe('6553');
    expect(await form.getByLabel('Connect host', { exact: true }).inputValue()).toBe('127.0.0.1');
    expect(await form.getByRole('radio', { name: 'UDP' }).getAttribute('aria-checked')).toBe('true');
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
