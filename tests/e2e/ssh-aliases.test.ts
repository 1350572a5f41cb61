/**
 * ~/.ssh/config aliases in the Forwards view, against a real engine whose home folder holds an
 * ssh config and a known_hosts (HOME points at a folder this test makes): the SSH host field
 * offers the aliases, choosing one says where it leads and fills the user and port, and the tunnel
 * saved with the alias as its host connects to the alias's HostName and Port (an in-process SSH
 * server on 127.0.0.1) and carries data.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useE2E } from '../helpers/e2e.js';
import { SSH_PASSWORD, SSH_USER, startTestSshServer } from '../unit/engine/forwards/ssh-test-server.js';

const home = mkdtempSync(path.join(os.tmpdir(), 'portolan-e2e-home-'));
mkdirSync(path.join(home, '.ssh'));
const e2e = useE2E('ssh-aliases', { env: { HOME: home } });
e2e.cleanups.push(() => rmSync(home, { recursive: true, force: true }));

describe('~/.ssh/config aliases in the forward form', () => {
  it('offers the aliases, fills the user and port of the chosen one, and the tunnel goes where the alias says', async () => {
    const sshd = await startTestSshServer();
    e2e.cleanups.push(() => sshd.close());
    writeFileSync(path.join(home, '.ssh', 'config'), `Host lab\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${SSH_USER}\n\nHost other-box\n  HostName 192.0.2.20\n\nHost *.example\n  User nobody\n`);
    writeFileSync(path.join(home, '.ssh', 'known_hosts'), sshd.knownHostsLine());
    const echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    e2e.cleanups.push(() => echo.close());
    const echoPort = (echo.address() as net.AddressInfo).port;

    const { page, problems } = await e2e.open({ view: 'Forwards' });
    await page.getByRole('button', { name: 'New forward' }).click();
    const form = page.getByRole('form', { name: 'New forward' });
    await form.getByRole('radio', { name: 'SSH -L' }).click();
    await expect.poll(() => form.locator('#fwd-ssh-hosts option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual(['lab', 'other-box']);

    await form.getByLabel('SSH host', { exact: true }).fill('lab');
    await expect.poll(() => form.getByTestId('ssh-alias').innerText()).toBe(`~/.ssh/config: lab is ${SSH_USER}@127.0.0.1:${sshd.port}`);
    expect(await form.getByLabel('SSH user', { exact: true }).inputValue()).toBe(SSH_USER);
    expect(await form.getByLabel('SSH port', { exact: true }).inputValue()).toBe(String(sshd.port));

    await form.getByLabel('Listen port', { exact: true }).fill('0');
    await form.getByLabel('Target host', { exact: true }).fill('127.0.0.1');
    await form.getByLabel('Target port', { exact: true }).fill(String(echoPort));
    await form.getByRole('radio', { name: 'Password' }).click();
    await form.getByLabel('Password', { exact: true }).fill(SSH_PASSWORD);
    await form.getByLabel('Name', { exact: true }).fill('lab tunnel');
    await form.getByRole('button', { name: 'Create forward' }).click();
    await form.waitFor({ state: 'detached' });

    const card = page.getByRole('article', { name: 'Forward lab tunnel' });
    await expect.poll(() => card.getByTestId('forward-state').innerText()).toMatch(/^up on 127\.0\.0\.1:\d+$/);
    const port = Number(/:(\d+)$/.exec(await card.getByTestId('forward-state').innerText())![1]);
    const sock = net.connect({ host: '127.0.0.1', port });
    e2e.cleanups.push(() => sock.destroy());
    const answer = await new Promise<string>((resolve, reject) => {
      sock.once('error', reject);
      sock.once('data', (d) => resolve(d.toString()));
      sock.write('through the alias');
    });
    expect(answer).toBe('through the alias');
    expect(sshd.tcpipRequests.at(-1)).toEqual({ destIP: '127.0.0.1', destPort: echoPort });
    expect(problems).toEqual([]);
  });
});
