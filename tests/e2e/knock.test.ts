/**
 * The Knocking view in Chromium against a real engine: open an echo listener in the Listeners
 * view, guard it in the Knocking view with a 3-step sequence (TCP, UDP, TCP) on free 127.0.0.1
 * ports, and knock it from this test with the engine's knock client. A wrong order shows as failed
 * attempts and leaves the listener shut; the right order shows as opened and lets this test's
 * address through. Then the view's own knock client knocks, shows its steps and the check, and
 * hands over to a console. Screenshots: test-results/screenshots/knock-{light,dark}.png.
 */
import net from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { sendKnock } from '../../src-main/engine/knock/knock-client.js';
import { SHOTS, useE2E } from '../helpers/e2e.js';
import { freeKnockPorts } from '../helpers/knock.js';

const e2e = useE2E('knock');
const HOST = '127.0.0.1';

/**
 * Connects to the echo listener and sends a line: resolves with the echo, or with null when the
 * listener closes the connection first (the guard's gate refused this address).
 */
function echoOrRefused(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: HOST });
    let got = '';
    socket.on('error', () => undefined);
    socket.on('connect', () => socket.write('knock knock\n'));
    socket.on('data', (d) => {
      got += d.toString();
      if (got.includes('\n')) {
        socket.destroy();
        resolve(got.trim());
      }
    });
    socket.on('close', () => resolve(got ? got.trim() : null));
  });
}

/** Opens an echo listener on 127.0.0.1 in the Listeners view; resolves with its port. */
async function openEchoListener(page: Page): Promise<number> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Listeners', exact: true }).click();
  const form = page.getByRole('form', { name: 'Open a port' });
  await form.getByLabel('Listen address', { exact: true }).fill(HOST);
  await form.getByRole('textbox', { name: 'Listen port' }).fill('0');
  await form.getByRole('combobox', { name: 'Responder' }).selectOption('echo');
  await form.getByRole('button', { name: 'Listen' }).click();
  const card = page.locator('[data-testid^="listener-"]').filter({ hasText: 'echo' }).last();
  await card.waitFor();
  return Number(/127\.0\.0\.1:(\d+)/.exec(await card.innerText())![1]);
}

describe('the Knocking view', () => {
  it('guards a listener behind a sequence typed in the UI; the log shows failed and opening knocks', async () => {
    const { page, problems } = await e2e.open({ view: 'Knocking', height: 1000 });
    const view = page.getByRole('region', { name: 'Knocking' });
    // The guard panel opens with one line about scanners, not a block of text; the rest is a click away.
    const note = view.getByTestId('visibility-note');
    await note.waitFor();
    expect(await note.innerText()).toBe("Scanners see a guard's TCP knock ports as open; UDP steps reveal least.");
    await note.getByText("Scanners see a guard's TCP knock ports as open").click();
    await expect.poll(() => note.innerText()).toMatch(/UDP steps therefore reveal least/);
    // The file button names the one file it is for (not the browser's "Choose Files").
    expect(await view.getByTestId('knockd-file').innerText()).toMatch(/Choose knockd\.conf…/);

    const listenPort = await openEchoListener(page);
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Knocking', exact: true }).click();
    const [p1, p2, p3] = (await freeKnockPorts(3)) as [number, number, number];

    // The guard, typed in its form: TCP p1, UDP p2, TCP p3, protecting the echo listener.
    const guardForm = page.getByRole('form', { name: 'New guard' });
    await guardForm.getByLabel('Guard name').fill('e2e door');
    const select = guardForm.getByRole('combobox', { name: 'Guarded listener or forward' });
    const option = select.locator('option').filter({ hasText: `:${listenPort}` });
    await select.selectOption(await option.getAttribute('value'));
    await guardForm.getByLabel('Guard step 1 port').fill(String(p1));
    await guardForm.getByLabel('Guard step 2 port').fill(String(p2));
    await guardForm.getByRole('radiogroup', { name: 'Guard step 2 protocol' }).getByRole('radio', { name: 'UDP' }).click();
    await guardForm.getByLabel('Guard step 3 port').fill(String(p3));
    await guardForm.getByLabel('Open for (seconds)').fill('120');
    await guardForm.getByRole('button', { name: 'Create guard' }).click();

    const card = page.getByRole('listitem', { name: 'Guard e2e door' });
    await card.getByTestId('guard-state').filter({ hasText: 'armed' }).waitFor();
    expect(await card.innerText()).toContain(`${p1},${p2}:udp,${p3}`);

    // Before any knock the gate is shut to this address.
    expect(await echoOrRefused(listenPort)).toBeNull();
    await card.getByText('1 refused').waitFor();

    // The wrong order: failed attempts in the log, and the gate stays shut.
    const wrong = await sendKnock({ host: HOST, steps: [{ port: p2, protocol: 'udp' }, { port: p1, protocol: 'tcp' }, { port: p3, protocol: 'tcp' }], delayMs: 50, family: 'any', runId: 'wrong', checkTimeoutMs: 1000 });
    expect(wrong.steps.map((s) => s.outcome)).not.toContain('error');
    const log = page.getByRole('log', { name: 'Knock attempt log' });
    await log.locator('[data-testid="attempt"][data-outcome="reset-wrong-port"]').nth(1).waitFor();
    expect(await log.locator('[data-outcome="reset-wrong-port"]').first().innerText()).toMatch(/127\.0\.0\.1.*wrong port/s);
    expect(await log.locator('[data-outcome="opened"]').count()).toBe(0);
    expect(await echoOrRefused(listenPort)).toBeNull();

    // The right order: each step, then the opening, for 127.0.0.1 only.
    await sendKnock({ host: HOST, steps: [{ port: p1, protocol: 'tcp' }, { port: p2, protocol: 'udp' }, { port: p3, protocol: 'tcp' }], delayMs: 50, family: 'any', runId: 'right', checkTimeoutMs: 1000 });
    const opened = log.locator('[data-testid="attempt"][data-outcome="opened"]');
    await opened.waitFor();
    expect(await opened.innerText()).toMatch(/127\.0\.0\.1\s+e2e door\s+\d+\/tcp\s+3\/3\s+opened/);
    expect(await log.getByText('step 2 of 3 matched').count()).toBeGreaterThanOrEqual(1);
    await card.getByText(/Open to 127\.0\.0\.1/).waitFor();
    expect(await echoOrRefused(listenPort)).toBe('knock knock');

    // The view's own client: the same sequence typed as text, then check the listener's port.
    const knockForm = page.getByRole('form', { name: 'Knock', exact: true });
    await knockForm.getByLabel('Knock host').fill(HOST);
    await knockForm.getByRole('button', { name: 'Type as text' }).click();
    await knockForm.getByLabel('Knock sequence as text').fill(`${p1},${p2}:udp,${p3}`);
    await knockForm.getByRole('button', { name: 'Use', exact: true }).click();
    expect(await knockForm.getByLabel('Knock step 2 port').inputValue()).toBe(String(p2));
    await knockForm.getByLabel('Delay between steps (ms)').fill('20');
    await knockForm.getByLabel('Then check port').fill(String(listenPort));
    await knockForm.getByRole('button', { name: 'Knock', exact: true }).click();
    const run = page.getByRole('region', { name: 'Knock run' });
    await run.getByTestId('knock-check').waitFor();
    expect(await run.getByTestId('knock-step').count()).toBe(3);
    expect(await run.getByTestId('knock-step').nth(1).innerText()).toContain(`${p2}/udp`);
    expect(await run.getByTestId('knock-check').innerText()).toMatch(/reachable/);
    await log.locator('[data-outcome="opened"]').nth(1).waitFor();

    // Save it as a profile, and export it as knockd.conf.
    await page.getByLabel('Profile name').fill('e2e profile');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByRole('list', { name: 'Saved profiles' }).getByText('e2e profile').waitFor();
    await page.getByRole('button', { name: 'Export knockd.conf' }).click();
    const exported = page.getByLabel('Exported knockd.conf');
    await exported.waitFor();
    expect(await exported.inputValue()).toMatch(new RegExp(`\\[e2e profile\\][^[]*sequence\\s+=\\s+${p1}:tcp,${p2}:udp,${p3}:tcp`));

    await page.screenshot({ path: path.join(SHOTS, 'knock-light.png') });

    // Hand over to a console on the checked port.
    await run.getByRole('button', { name: 'Open a console' }).click();
    await page.getByRole('form', { name: 'Connect to a port' }).waitFor();
    expect(decodeURIComponent(page.url())).toContain(`#/listen?connect=127.0.0.1&port=${listenPort}`);
    expect(await page.getByRole('form', { name: 'Connect to a port' }).getByRole('textbox', { name: 'Connect port' }).inputValue()).toBe(String(listenPort));

    // A link prefills the knock form.
    await page.evaluate(() => (location.hash = '#/knock?host=127.0.0.2&check=2222'));
    await knockForm.waitFor();
    expect(await knockForm.getByLabel('Knock host').inputValue()).toBe('127.0.0.2');
    expect(await knockForm.getByLabel('Then check port').inputValue()).toBe('2222');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('shows the guards and their log in the dark theme', async () => {
    const { page, problems } = await e2e.open({ view: 'Knocking', colorScheme: 'dark', height: 1000 });
    await page.getByRole('listitem', { name: 'Guard e2e door' }).waitFor();
    await page.getByRole('log', { name: 'Knock attempt log' }).locator('[data-outcome="opened"]').first().waitFor();
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(30, 30, 30)');
    await page.screenshot({ path: path.join(SHOTS, 'knock-dark.png') });
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
