/**
 * The Scanner view in Chromium against a real engine (`portolan serve` on 127.0.0.1). The test runs
 * an SSH-like banner server and an HTTP server on 127.0.0.1 and finds a closed port; it then scans
 * them by form and sees progress, the open ports with their detected services and the closed one
 * counted; pauses, resumes and cancels a slowed-down scan while an open port appears live; opens the
 * history, exports nmap XML, CSV and JSON, saves and uses a profile, compares two scans after the HTTP server stopped (newly closed),
 * asks before a public address (never accepted: no packet leaves loopback), and follows a prefill
 * link and the "open a console" action. Screenshots: test-results/screenshots/scan-*.png.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SHOTS, useE2E } from '../helpers/e2e.js';

const e2e = useE2E('scan');

/** Closes a server after the tests (idempotent: a test may close it first). */
function closeLater(server: net.Server): void {
  e2e.cleanups.push(() => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())));
}

/** A TCP server on 127.0.0.1 that greets like OpenSSH does. */
async function sshLike(): Promise<number> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.end('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeLater(server);
  return (server.address() as net.AddressInfo).port;
}

/** An HTTP server on 127.0.0.1 that names itself nginx. */
async function httpServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { Server: 'nginx/1.24.0', 'Content-Type': 'text/plain' });
    res.end('hello\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeLater(server);
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Fills the scan form and presses Enter in the ports field. */
async function startScan(page: Page, targets: string, ports: string, rateLimit = ''): Promise<void> {
  const form = page.getByRole('form', { name: 'New scan' });
  await form.getByRole('textbox', { name: 'Targets' }).fill(targets);
  await form.getByRole('textbox', { name: 'Rate limit' }).fill(rateLimit);
  const portsBox = form.getByRole('textbox', { name: 'Ports' });
  await portsBox.fill(ports);
  await portsBox.press('Enter');
}

/** The row of a port in the results table. */
const portRow = (page: Page, port: number) => page.getByRole('grid', { name: 'Scan results' }).locator(`[data-key="p 127.0.0.1 tcp ${port}"]`);

/** Waits until the scan on screen is in `state` (done, cancelled, paused, running). */
const waitState = (page: Page, state: string) => page.locator(`[data-testid="scan-progress"][data-state="${state}"]`).waitFor();

describe('the Scanner view', () => {
  let ssh = 0;
  let web: Awaited<ReturnType<typeof httpServer>>;
  let closed = 0;

  it('scans loopback by form: progress, open ports with their services, the closed port counted; history and exports', async () => {
    ssh = await sshLike();
    web = await httpServer();
    closed = await closedPort();
    const { page, problems } = await e2e.open({ view: 'Scanner' });
    await expect.poll(() => page.url()).toMatch(/#\/scan$/);
    const form = page.getByRole('form', { name: 'New scan' });
    await expect.poll(() => form.getByRole('checkbox', { name: 'Detect services' }).isChecked()).toBe(true);

    // Validation as the user types, with the engine's sentences.
    await form.getByRole('textbox', { name: 'Ports' }).fill('80-22');
    await expect.poll(() => form.getByRole('status').first().innerText()).toMatch(/The port range 80-22 is reversed/);
    expect(await form.getByRole('button', { name: 'Start scan' }).isDisabled()).toBe(true);

    await startScan(page, '127.0.0.1', `${ssh},${web.port},${closed}`);
    const bar = page.getByRole('progressbar', { name: 'Ports scanned' });
    await bar.waitFor();
    expect(await bar.getAttribute('aria-valuemax')).toBe('3');
    await waitState(page, 'done');
    expect(await bar.getAttribute('aria-valuenow')).toBe('3');
    expect(await page.getByTestId('scan-done').innerText()).toBe('3 / 3');
    expect(await page.getByTestId('scan-open').innerText()).toBe('2');
    expect(await page.getByTestId('scan-closed').innerText()).toBe('1');

    // Open ports with their services; the closed one is counted in its host's heading.
    await expect.poll(() => portRow(page, ssh).innerText()).toMatch(/ssh[\s\S]*OpenSSH 9\.2p1/);
    await expect.poll(() => portRow(page, web.port).innerText()).toMatch(/http[\s\S]*nginx 1\.24\.0/);
    expect(await portRow(page, closed).count()).toBe(0);
    expect(await page.getByTestId('host-127.0.0.1').innerText()).toMatch(/2 open, 1 closed/);
    // Each port links to its dictionary card; each state says what it means.
    expect(await portRow(page, ssh).getByRole('link', { name: String(ssh) }).getAttribute('href')).toBe(`#/port/${ssh}`);
    expect(await portRow(page, ssh).locator('[data-state="open"]').getAttribute('title')).toMatch(/^open: A program accepted the connection/);
    await page.screenshot({ path: path.join(SHOTS, 'scan-done-light.png') });
    await page.getByText('What the states mean').click();
    expect(await page.getByTestId('state-legend').innerText()).toMatch(/filtered[\s\S]*No answer came back/);
    expect(await page.getByTestId('state-legend').getByRole('link', { name: 'Learn more' }).first().getAttribute('href')).toBe('#/learn/scanning');

    // Exports of the finished scan: nmap's XML and CSV.
    const [xml] = await Promise.all([page.waitForEvent('download'), page.getByTestId('scan-progress').getByRole('button', { name: 'Export nmap XML' }).click()]);
    expect(xml.suggestedFilename()).toMatch(/^portolan-scan-.*\.xml$/);
    const xmlText = readFileSync((await xml.path())!, 'utf8');
    expect(xmlText).toContain('<nmaprun scanner="nmap"');
    expect(xmlText).toContain(`portid="${ssh}"`);
    expect(xmlText).toMatch(/<extraports state="closed" count="1">/);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('scan-progress').getByRole('button', { name: 'Export CSV' }).click()]);
    const csvText = readFileSync((await csv.path())!, 'utf8');
    expect(csvText.split('\r\n').filter(Boolean)).toHaveLength(3);
    expect(csvText).toContain(`127.0.0.1,${web.port},tcp,open`);

    // The history holds the scan saved on disk.
    await page.getByRole('tab', { name: /History/ }).click();
    const history = page.getByRole('region', { name: 'Scan history' });
    await expect.poll(() => history.locator('tbody tr').count()).toBe(1);
    expect(await history.locator('tbody tr').first().innerText()).toMatch(new RegExp(`127\\.0\\.0\\.1[\\s\\S]*${ssh},${web.port},${closed}[\\s\\S]*TCP[\\s\\S]*2[\\s\\S]*done`));
    await page.screenshot({ path: path.join(SHOTS, 'scan-history-light.png') });
    const [json] = await Promise.all([page.waitForEvent('download'), history.getByRole('combobox', { name: /^Export scan/ }).first().selectOption('json')]);
    const saved = JSON.parse(readFileSync((await json.path())!, 'utf8'));
    expect(saved.info.state).toBe('done');
    expect(saved.results.map((r: { port: number }) => r.port).sort()).toEqual([ssh, web.port].sort());
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('pauses, resumes and cancels a scan while an open port shows up live', async () => {
    const { page, problems } = await e2e.open({ view: 'Scanner' });
    // 20 probes a second over 401 ports: about 20 s, time enough to pause, resume and cancel.
    await startScan(page, '127.0.0.1', `${ssh},1-400`, '20');
    await waitState(page, 'running');
    await portRow(page, ssh).waitFor();
    expect(await page.getByTestId('scan-progress').getAttribute('data-state')).toBe('running');
    await page.getByRole('button', { name: 'Pause' }).click();
    await waitState(page, 'paused');
    expect(await page.getByRole('progressbar', { name: 'Ports scanned' }).getAttribute('aria-valuemax')).toBe('401');
    await page.screenshot({ path: path.join(SHOTS, 'scan-paused-light.png') });
    await page.getByRole('button', { name: 'Resume' }).click();
    await waitState(page, 'running');
    await page.getByRole('button', { name: 'Cancel scan' }).click();
    await waitState(page, 'cancelled');
    expect(await portRow(page, ssh).innerText()).toMatch(/open/);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('compares two scans of the host: the stopped HTTP server is newly closed', async () => {
    await web.close();
    const { page, problems } = await e2e.open({ view: 'Scanner' });
    await startScan(page, '127.0.0.1', `${ssh},${web.port},${closed}`);
    await waitState(page, 'done');
    expect(await page.getByTestId('scan-open').innerText()).toBe('1');
    await page.getByRole('button', { name: 'Compare with previous' }).click();
    const diff = page.getByTestId('diff-127.0.0.1');
    await diff.waitFor();
    expect(await diff.innerText()).toMatch(new RegExp(`Newly closed \\(1\\)[\\s\\S]*${web.port}/tcp`));
    expect(await diff.innerText()).not.toMatch(/Newly open/);
    // The chosen scans' names are whole in their selects (the text fits the box it is drawn in).
    for (const name of ['Earlier scan', 'Later scan']) {
      const select = page.getByRole('combobox', { name, exact: true });
      const fit = await select.evaluate((el: HTMLSelectElement) => {
        const ctx = document.createElement('canvas').getContext('2d')!;
        const style = getComputedStyle(el);
        ctx.font = `${style.fontSize} ${style.fontFamily}`;
        const text = el.selectedOptions[0]?.text ?? '';
        // Room for the text: the box minus padding and the drop-down arrow (about 20 px).
        const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
        return { text, need: ctx.measureText(text).width, room };
      });
      expect(fit.text, name).toMatch(/127\.0\.0\.1/);
      expect(fit.need, `${name}: "${fit.text}"`).toBeLessThanOrEqual(fit.room);
    }
    await page.screenshot({ path: path.join(SHOTS, 'scan-diff-light.png') });
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('asks before scanning a public address, and Escape cancels without scanning', async () => {
    const { page, problems } = await e2e.open({ view: 'Scanner' });
    await page.getByRole('tab', { name: /History/ }).click();
    const rows = page.getByRole('region', { name: 'Scan history' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    // The history filters by target; old scans can go (none is a day old here).
    const filter = page.getByRole('searchbox', { name: 'Filter scans by target' });
    await filter.fill('192.0.2');
    await expect.poll(() => rows.count()).toBe(0);
    expect(await page.getByTestId('history-count').innerText()).toBe('0 of 3 scans');
    await filter.fill('127.0.0.1');
    await expect.poll(() => rows.count()).toBe(3);
    await page.getByRole('combobox', { name: 'Delete scans older than' }).selectOption('1');
    expect(await page.getByRole('button', { name: 'Delete 0 old scans…' }).isDisabled()).toBe(true);
    await filter.fill('');
    // 192.0.2.1 is TEST-NET-1: public by the engine's rule, and never contacted (the dialog is never accepted).
    await startScan(page, '192.0.2.1', '443');
    expect(await page.getByTestId('public-warning').innerText()).toMatch(/192\.0\.2\.1 is outside private/);
    const dialog = page.getByRole('alertdialog', { name: 'Scan addresses outside your networks?' });
    await dialog.waitFor();
    const text = await dialog.innerText();
    expect(text).toMatch(/192\.0\.2\.1 is outside private, loopback and link-local addresses/);
    expect(text).toMatch(/Targets\s+192\.0\.2\.1/);
    expect(text).toMatch(/Why this is asked/);
    expect(await dialog.getByRole('button', { name: 'Cancel' }).evaluate((el) => el === document.activeElement)).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'scan-confirm-light.png') });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await rows.count()).toBe(3);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('fills the form from a link, opens a console from an open port, and looks right in the dark', async () => {
    const { page, problems } = await e2e.open({ view: 'Scanner', colorScheme: 'dark' });
    await page.evaluate((port) => (location.hash = `#/scan?target=::1&ports=${port}&proto=udp`), ssh);
    const form = page.getByRole('form', { name: 'New scan' });
    await expect.poll(() => form.getByRole('textbox', { name: 'Targets' }).inputValue()).toBe('::1');
    expect(await form.getByRole('textbox', { name: 'Ports' }).inputValue()).toBe(String(ssh));
    expect(await form.getByRole('radio', { name: 'UDP' }).getAttribute('aria-checked')).toBe('true');
    await form.getByRole('radio', { name: 'TCP' }).click();

    // A profile saves the form; using it fills the form back.
    const profiles = page.getByRole('region', { name: 'Scan profiles' });
    await profiles.getByRole('textbox', { name: 'Profile name' }).fill('Loopback SSH');
    await profiles.getByRole('button', { name: 'Save' }).click();
    await profiles.getByRole('button', { name: 'Use profile Loopback SSH' }).waitFor();
    await form.getByRole('textbox', { name: 'Targets' }).fill('127.0.0.9');
    await profiles.getByRole('button', { name: 'Use profile Loopback SSH' }).click();
    expect(await form.getByRole('textbox', { name: 'Targets' }).inputValue()).toBe('::1');
    expect(await form.getByRole('radio', { name: 'TCP' }).getAttribute('aria-checked')).toBe('true');

    // The first scan, opened from the history, in the dark theme.
    await page.getByRole('tab', { name: /History/ }).click();
    await page.getByRole('region', { name: 'Scan history' }).getByRole('button', { name: /^Open scan/ }).last().click();
    await portRow(page, ssh).waitFor();
    await expect.poll(() => portRow(page, web.port).innerText()).toMatch(/nginx/);
    await page.screenshot({ path: path.join(SHOTS, 'scan-done-dark.png') });

    await portRow(page, ssh).getByRole('button', { name: `Open a console to 127.0.0.1 port ${ssh}` }).click();
    await expect.poll(() => page.url()).toMatch(new RegExp(`#/listen\\?connect=127\\.0\\.0\\.1&port=${ssh}&proto=tcp$`));
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
