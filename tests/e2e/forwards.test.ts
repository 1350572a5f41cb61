/**
 * The Forwards view in Chromium against a real engine (`portolan serve` on 127.0.0.1): validation
 * as you type, the exposure warning and whether the target name resolves, a TCP forward made by
 * form to an echo server of this test (its "Expose through router" disabled: loopback only), 1 MiB
 * pushed through it and read back byte-exact while the byte counters, the sparkline and the
 * connection (as socket pairs, then in the log) appear, stop; then a busy port named by the
 * engine, duplicate, delete with confirmation, export and import, and a prefill from a link;
 * an SSH -L tunnel through an in-process SSH server whose unknown host key is shown for the
 * user to reject, then accept; and an ssh command line pasted to fill the form (one of its two
 * forwards, with a jump host), saved, and copied back as a command from its card.
 * Screenshots: test-results/screenshots/forwards-*.png.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../src-renderer/src/lib/consoles/bytes.js';
import { echoServer as startEcho, SHOTS, useE2E } from '../helpers/e2e.js';
import { SSH_PASSWORD, SSH_USER, startTestSshServer } from '../unit/engine/forwards/ssh-test-server.js';

const e2e = useE2E('forwards');
const echoServer = () => startEcho(e2e);

/** Connects to 127.0.0.1:port from the test; resolves once connected. */
async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  e2e.cleanups.push(() => void socket.destroy());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

/** Writes `data` and resolves with the first data.length bytes that come back. */
function roundTrip(socket: net.Socket, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= data.length) {
        socket.off('data', onData);
        socket.off('error', reject);
        resolve(Buffer.concat(chunks));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(data);
  });
}

/** The port a card's state sentence says it listens on. */
async function listeningPort(page: Page, name: string): Promise<number> {
  const state = page.getByRole('article', { name: `Forward ${name}` }).getByTestId('forward-state');
  await expect.poll(() => state.innerText()).toMatch(/^listening on 127\.0\.0\.1:\d+$/);
  return Number(/:(\d+)$/.exec(await state.innerText())![1]);
}

describe('the Forwards view in the browser', () => {
  it('creates a TCP forward by form, carries 1 MiB byte-exact, shows bytes, rate and connections, and stops', async () => {
    const { page, problems } = await e2e.open({ view: 'Forwards' });
    expect(page.url()).toMatch(/#\/forwards$/);
    await page.getByText('No forward yet.').waitFor();
    const target = await echoServer();

    await page.getByRole('button', { name: 'New forward' }).click();
    const form = page.getByRole('form', { name: 'New forward' });
    await form.waitFor();

    // Validation as you type: a bad port, then the plain warning for an exposed listen address.
    await form.getByLabel('Listen port', { exact: true }).fill('70000');
    await form.getByText('Listen ports go from 0 (any free port) to 65535.').waitFor();
    await form.getByLabel('Target port', { exact: true }).fill('0');
    await form.getByText('Target ports go from 1 to 65535.').waitFor();
    await form.getByLabel('Listen address', { exact: true }).fill('0.0.0.0');
    expect(await page.getByTestId('exposure-warning').innerText()).toMatch(/exposes this forward to every network/);
    await form.getByLabel('Allowed clients', { exact: true }).fill('10.0.0.0/33');
    await form.getByText('"10.0.0.0/33" is not an address block').waitFor();
    await form.getByLabel('Allowed clients', { exact: true }).fill('127.0.0.0/8, ::1');
    await form.getByLabel('Listen address', { exact: true }).fill('127.0.0.1');
    await page.getByTestId('exposure-warning').waitFor({ state: 'detached' });

    // A target name is looked up when the user leaves the field (never while typing): a warning
    // when it does not resolve (Save stays possible), its addresses when it does; an IP address
    // is not looked up.
    const resolved = page.getByTestId('resolve-targetHost');
    await form.getByLabel('Target host', { exact: true }).fill('no-such-host.invalid');
    expect(await resolved.count()).toBe(0);
    await form.getByLabel('Target host', { exact: true }).press('Tab');
    await expect.poll(() => resolved.innerText()).toMatch(/^⚠ no-such-host\.invalid does not resolve here \(ENOTFOUND\): check the name, or this machine's DNS\. You can still save/);
    await form.getByLabel('Target host', { exact: true }).fill('localhost');
    await form.getByLabel('Target host', { exact: true }).blur();
    await expect.poll(() => resolved.innerText()).toMatch(/^localhost resolves to (127\.0\.0\.1|::1)/);

    // A valid forward to the echo server; Enter saves.
    await form.getByLabel('Listen port', { exact: true }).fill('0');
    await form.getByLabel('Target host', { exact: true }).fill('127.0.0.1');
    await resolved.waitFor({ state: 'detached' });
    await form.getByLabel('Target port', { exact: true }).fill(String(target));
    await form.getByLabel('Name', { exact: true }).fill('echo');
    expect(await form.locator('.invalid').count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'forwards-form-light.png') });
    await form.getByLabel('Name', { exact: true }).press('Enter');
    await form.waitFor({ state: 'detached' });

    const card = page.getByRole('article', { name: 'Forward echo' });
    const port = await listeningPort(page, 'echo');
    expect(await card.getByRole('switch', { name: 'Run echo' }).getAttribute('aria-checked')).toBe('true');
    expect(await card.getByLabel('Route').innerText()).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}\\s*→\\s*127\\.0\\.0\\.1:${target}`));
    // On loopback only: a router could not reach it, and the disabled button says why.
    const expose = card.getByRole('button', { name: 'Expose through router' });
    expect(await expose.isDisabled()).toBe(true);
    expect(await expose.getAttribute('title')).toMatch(/^Listens on 127\.0\.0\.1 only: a router mapping cannot reach it; edit the forward/);
    expect(await card.getByTestId('expose-why').innerText()).toMatch(/^Expose through router is not possible yet\. Listens on 127\.0\.0\.1 only/);
    expect(await card.getByTestId('connection-count').innerText()).toBe('0 open · 0 in all');

    // 1 MiB through the forward in 16 rounds, back byte-exact; the counter follows each round
    // (so the traffic spreads over a few seconds and the sparkline draws a plateau).
    const client = await connect(port);
    const pair = card.locator('[data-testid^="connection-"]').filter({ hasText: `127.0.0.1:${client.localPort}` });
    await pair.waitFor();
    expect(await pair.innerText()).toMatch(new RegExp(`127\\.0\\.0\\.1:${client.localPort}\\s*⇄.*Portolan.*⇄\\s*127\\.0\\.0\\.1:${target}`, 's'));
    const data = randomBytes(1024 * 1024);
    const back: Buffer[] = [];
    const ROUND = 64 * 1024;
    for (let at = 0; at < data.length; at += ROUND) {
      back.push(await roundTrip(client, data.subarray(at, at + ROUND)));
      await expect.poll(() => card.getByTestId('bytes-in').innerText()).toBe(formatBytes(at + ROUND));
    }
    const echoed = Buffer.concat(back);
    expect(echoed.length).toBe(data.length);
    expect(echoed.equals(data)).toBe(true);

    // The counters and the sparkline follow.
    await expect.poll(() => card.getByTestId('bytes-out').innerText()).toBe('1.0 MiB');
    await expect.poll(() => card.getByTestId('connection-count').innerText()).toBe('1 open · 1 in all');
    await card.getByTestId('sparkline').locator('path.line').first().waitFor();
    expect(await card.getByTestId('sparkline-scale').innerText()).toMatch(/\/s\s+\d+ s$/);

    // The connection log, with per-connection bytes.
    await card.getByRole('button', { name: /Connection log/ }).click();
    const log = card.getByRole('table', { name: 'Connection log of echo' });
    const row = log.getByRole('row').filter({ hasText: `127.0.0.1:${client.localPort}` });
    await expect.poll(() => row.innerText()).toMatch(/1\.0 MiB\s+1\.0 MiB/);
    await page.screenshot({ path: path.join(SHOTS, 'forwards-list-light.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.screenshot({ path: path.join(SHOTS, 'forwards-list-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });

    // The client leaves: the log says closed; then stop the forward and it no longer listens.
    client.end();
    await expect.poll(() => row.innerText()).toMatch(/closed/);
    await expect.poll(() => card.getByTestId('connection-count').innerText()).toBe('0 open · 1 in all');
    await card.getByRole('switch', { name: 'Run echo' }).click();
    await expect.poll(() => card.getByTestId('forward-state').innerText()).toBe('stopped');
    expect(await card.getByRole('switch', { name: 'Run echo' }).getAttribute('aria-checked')).toBe('false');
    await expect(connect(port)).rejects.toThrow(/ECONNREFUSED/);
    expect(problems).toEqual([]);
  });

  it('names the holder of a busy port, duplicates, deletes with confirmation, exports, imports and takes a prefill', async () => {
    const { page, problems } = await e2e.open({ view: 'Forwards' });
    const target = await echoServer();
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    e2e.cleanups.push(() => void holder.close());
    const busy = (holder.address() as net.AddressInfo).port;

    // A busy listen port is found while typing (the holder named, the next free port offered); a
    // forward pointing at itself is flagged; one that cannot start is not saved.
    await page.getByRole('button', { name: 'New forward' }).click();
    const form = page.getByRole('form', { name: 'New forward' });
    await form.getByLabel('Listen port', { exact: true }).fill(String(busy));
    const listenCheck = form.getByTestId('listen-check');
    // (The holder is found by reading /proc: give it time on a busy machine.)
    await expect
      .poll(() => listenCheck.innerText(), { timeout: 15000 })
      .toMatch(new RegExp(`Port ${busy}/tcp on 127\\.0\\.0\\.1 is in use by \\S+ \\(pid \\d+\\)[\\s\\S]*Use \\d+ \\(free\\)`));
    await form.getByLabel('Target host', { exact: true }).fill('127.0.0.1');
    await form.getByLabel('Target port', { exact: true }).fill(String(busy));
    await form.getByRole('button', { name: 'Create forward' }).click();
    await form.getByText(/^This forward points at itself: it listens on 127\.0\.0\.1:\d+ and sends to 127\.0\.0\.1:\d+/).waitFor();
    await form.getByLabel('Target port', { exact: true }).fill(String(target));
    await form.getByLabel('Name', { exact: true }).fill('web');
    await form.getByRole('button', { name: 'Create forward' }).click();
    const alert = form.getByRole('alert');
    await expect.poll(() => alert.innerText()).toMatch(new RegExp(`It could not start, so it was not saved:\\s*Port ${busy}/tcp on 127\\.0\\.0\\.1 is in use`));
    expect(await page.getByRole('article', { name: 'Forward web' }).count()).toBe(0);
    await alert.getByRole('button', { name: 'Save anyway (stopped)' }).waitFor();
    // Take the free port offered instead: it starts, and only then is it saved.
    await listenCheck.getByRole('button', { name: /^Use \d+ \(free\)$/ }).click();
    await expect.poll(() => listenCheck.innerText(), { timeout: 15000 }).toMatch(/is free here/);
    const offered = Number(await form.getByLabel('Listen port', { exact: true }).inputValue());
    expect(offered).toBeGreaterThan(busy);
    await form.getByRole('button', { name: 'Create forward' }).click();
    await form.waitFor({ state: 'detached' });
    const card = page.getByRole('article', { name: 'Forward web' });
    expect(await listeningPort(page, 'web')).toBe(offered);

    // Duplicate: a stopped copy.
    await card.getByRole('button', { name: 'Duplicate web' }).click();
    const copy = page.getByRole('article', { name: 'Forward web (copy)' });
    await expect.poll(() => copy.getByTestId('forward-state').innerText()).toBe('stopped');

    // Delete asks first; Escape keeps it, Delete removes it.
    await copy.getByRole('button', { name: 'Delete web (copy)' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete forward web (copy)' });
    await confirm.waitFor();
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    await copy.getByRole('button', { name: 'Delete web (copy)' }).click();
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    await copy.waitFor({ state: 'detached' });

    // Export downloads the profiles; importing them back adds stopped copies with unique names.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^portolan-forwards-\d{4}-\d{2}-\d{2}\.json$/);
    const doc = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(doc.format).toBe('portolan-forwards');
    expect(doc.forwards.map((f: { name: string }) => f.name)).toEqual(expect.arrayContaining(['echo', 'web']));
    expect(JSON.stringify(doc)).not.toMatch(/password|passphrase/);
    await page.getByLabel('Import forwards from a file').setInputFiles({ name: 'mine.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(doc)) });
    await page.getByRole('status').filter({ hasText: 'Imported 2 forwards, stopped: echo (2), web (2).' }).waitFor();
    await page.getByRole('article', { name: 'Forward web (2)' }).waitFor();
    await page.getByLabel('Import forwards from a file').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{ nope') });
    await page.getByRole('alert').filter({ hasText: 'broken.json is not JSON' }).waitFor();

    // A link from another view opens the form filled (UDP here).
    await page.evaluate(() => (location.hash = '#/forwards?targetHost=192.0.2.7&targetPort=53&listenPort=5353&proto=udp'));
    await form.waitFor();
    expect(await form.getByRole('radio', { name: 'UDP' }).getAttribute('aria-checked')).toBe('true');
    expect(await form.getByLabel('Target host', { exact: true }).inputValue()).toBe('192.0.2.7');
    expect(await form.getByLabel('Target port', { exact: true }).inputValue()).toBe('53');
    expect(await form.getByLabel('Listen port', { exact: true }).inputValue()).toBe('5353');
    expect(await form.getByLabel('Name', { exact: true }).getAttribute('placeholder')).toBe('192.0.2.7:53 (UDP)');
    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached' });
    expect(problems).toEqual([]);
  });

  it('shows an unknown SSH host key for the user to reject or accept, then carries data through the tunnel', async () => {
    const { page, problems } = await e2e.open({ view: 'Forwards' });
    const target = await echoServer();
    const sshd = await startTestSshServer();
    e2e.cleanups.push(() => sshd.close());

    await page.getByRole('button', { name: 'New forward' }).click();
    const form = page.getByRole('form', { name: 'New forward' });
    await form.getByRole('radio', { name: 'SSH -L' }).click();
    await form.getByLabel('Listen port', { exact: true }).fill('0');
    await form.getByLabel('Target host', { exact: true }).fill('127.0.0.1');
    await form.getByLabel('Target port', { exact: true }).fill(String(target));
    await form.getByLabel('SSH user', { exact: true }).fill(SSH_USER);
    await form.getByLabel('SSH host', { exact: true }).fill('127.0.0.1');
    await form.getByLabel('SSH port', { exact: true }).fill(String(sshd.port));
    await form.getByRole('radio', { name: 'Password' }).click();
    await form.getByRole('button', { name: 'Create forward' }).click();
    await form.getByText('Give the password: the engine keeps it in its secret store').waitFor();
    await form.getByLabel('Password', { exact: true }).fill(SSH_PASSWORD);
    await form.getByLabel('Name', { exact: true }).fill('tunnel');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.screenshot({ path: path.join(SHOTS, 'forwards-form-ssh-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    await form.getByLabel('Password', { exact: true }).press('Enter');

    // The unknown key is shown, never accepted on its own; Escape rejects it.
    const dialog = page.getByRole('dialog', { name: 'Unknown SSH host key' });
    await dialog.waitFor();
    expect(await dialog.getByTestId('hostkey-fingerprint').innerText()).toBe(sshd.fingerprint);
    expect(await dialog.getByTestId('hostkey-type').innerText()).toBe('ssh-ed25519');
    expect(await dialog.getByTestId('hostkey-host').innerText()).toBe(`127.0.0.1:${sshd.port}`);
    await page.screenshot({ path: path.join(SHOTS, 'forwards-hostkey-light.png') });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    const card = page.getByRole('article', { name: 'Forward tunnel' });
    await expect.poll(() => card.getByTestId('forward-state').innerText()).toMatch(/^failed: The SSH server 127\.0\.0\.1:\d+ is not known yet/);
    expect(await card.getByText('secret stored').count()).toBe(1);

    // Started again: asked again; accepted, the tunnel comes up and carries data.
    await card.getByRole('switch', { name: 'Run tunnel' }).click();
    await dialog.getByRole('button', { name: 'Accept and trust' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => card.getByTestId('forward-state').innerText()).toMatch(/^up on 127\.0\.0\.1:\d+$/);
    const port = Number(/:(\d+)$/.exec(await card.getByTestId('forward-state').innerText())![1]);
    const client = await connect(port);
    const data = randomBytes(64 * 1024);
    expect((await roundTrip(client, data)).equals(data)).toBe(true);
    await expect.poll(() => card.getByTestId('bytes-in').innerText()).toBe(formatBytes(data.length));
    client.destroy();
    await card.getByRole('switch', { name: 'Run tunnel' }).click();
    await expect.poll(() => card.getByTestId('forward-state').innerText()).toBe('stopped');
    expect(problems).toEqual([]);
  });

  it('fills the form from a pasted ssh command line, and the card gives the command back', async () => {
    const { page, problems } = await e2e.open({ view: 'Forwards' });
    await page.getByRole('button', { name: 'New forward' }).click();
    const form = page.getByRole('form', { name: 'New forward' });
    await form.getByRole('button', { name: 'Paste ssh command…' }).click();
    const line = form.getByLabel('ssh command line', { exact: true });

    // What cannot be a forward is said before anything is filled.
    await line.fill('ssh me@bastion.example.com');
    await expect.poll(() => form.getByTestId('ssh-command-error').innerText()).toMatch(/no -L, -R or -D/);
    expect(await form.getByRole('button', { name: 'Fill the form' }).isDisabled()).toBe(true);

    // Two forwards: the second is chosen; Enter in the box fills the form (it does not submit it).
    await line.fill('ssh -N -p 2222 -J hop@127.0.0.2:2200 -L 8443:web.internal:443 -L [::1]:15432:db.internal:5432 admin@127.0.0.1');
    await form.getByLabel('Forward to take', { exact: true }).selectOption({ label: '-L [::1]:15432:db.internal:5432' });
    await expect.poll(() => form.getByTestId('ssh-command-summary').innerText()).toBe('-L [::1]:15432:db.internal:5432 via admin@127.0.0.1:2222 through hop@127.0.0.2:2200');
    await line.press('Enter');
    await form.getByTestId('ssh-command-filled').waitFor();
    expect(await form.getByRole('radio', { name: 'SSH -L' }).getAttribute('aria-checked')).toBe('true');
    const value = (label: string) => form.getByLabel(label, { exact: true }).inputValue();
    expect(await value('Listen address')).toBe('::1');
    expect(await value('Listen port')).toBe('15432');
    expect(await value('Target host')).toBe('db.internal');
    expect(await value('Target port')).toBe('5432');
    expect(await value('SSH user')).toBe('admin');
    expect(await value('SSH host')).toBe('127.0.0.1');
    expect(await value('SSH port')).toBe('2222');
    expect(await value('Jump host')).toBe('hop@127.0.0.2:2200');
    expect(await form.getByLabel('Name', { exact: true }).getAttribute('placeholder')).toBe('db.internal:5432 via 127.0.0.1');

    // Saved stopped (nothing listens on those SSH ports), its card copies it back as the same command.
    // The login method is not part of an ssh line: the form keeps the one remembered (password after the test above).
    await form.getByRole('radio', { name: 'Agent' }).click();
    await form.getByLabel('Start now').uncheck();
    await form.getByRole('button', { name: 'Create forward' }).click();
    await form.waitFor({ state: 'detached' });
    const card = page.getByRole('article', { name: 'Forward db.internal:5432 via 127.0.0.1' });
    const copy = card.getByRole('button', { name: 'Copy db.internal:5432 via 127.0.0.1 as a command' });
    expect(await copy.getAttribute('data-command')).toBe(
      "ssh -N -p 2222 -J hop@127.0.0.2:2200 -o ExitOnForwardFailure=yes -L '[::1]:15432:db.internal:5432' admin@127.0.0.1",
    );
    expect(await copy.innerText()).toBe('Copy as ssh');
    expect(problems).toEqual([]);
  });
});
