/**
 * The Exposure view in Chromium against a real engine (`portolan serve`): this test opens a TCP
 * listener on 127.0.0.1 and a UDP socket on 0.0.0.0; the view shows the first as reachable by
 * this machine only (with its reason chain and the firewalls Learn card), the second with its
 * firewall verdicts; filters narrow the table and are remembered across a reload. The router is
 * never asked (the view asks only on request). Screenshots: exposure-{light,dark}.png.
 */
import dgram from 'node:dgram';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHOTS, useE2E } from '../helpers/e2e.js';

const e2e = useE2E('exposure');

async function sockets(): Promise<{ tcpPort: number; udpPort: number }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => udp.bind(0, '0.0.0.0', resolve));
  e2e.cleanups.push(() => server.close(), () => udp.close());
  return { tcpPort: (server.address() as net.AddressInfo).port, udpPort: udp.address().port };
}

describe('the Exposure view', () => {
  it('shows each listening socket with its verdict and reason chain; filters are remembered', async () => {
    const { tcpPort, udpPort } = await sockets();
    const { page, problems } = await e2e.open({ view: 'Exposure', height: 900 });
    const table = page.getByRole('table', { name: 'Exposure' });
    const row = (port: number) => table.locator(`[data-testid="exposure-row"][data-port="${port}"]`);
    await row(tcpPort).waitFor();
    expect(await row(tcpPort).innerText()).toMatch(/TCP\s+127\.0\.0\.1:\d+.*loopback.*Only this machine/s);
    const udpText = await row(udpPort).innerText();
    expect(udpText).toMatch(/UDP\s+0\.0\.0\.0:\d+/);
    expect(udpText).toMatch(/every interface/);
    expect(await page.getByTestId('exposure-sources').innerText()).toMatch(/Router mappings as last listed \(not asked now\)/);

    // The reason chain of the TCP listener, with the Learn card.
    await row(tcpPort).click();
    const why = page.getByRole('region', { name: 'Why' });
    expect(await why.innerText()).toMatch(/Bind loopback only \(127\.0\.0\.1\)/);
    expect(await why.getByRole('link', { name: 'Learn: firewalls' }).getAttribute('href')).toBe('#/learn/firewalls');

    // Acting on the UDP socket shows the exact rule and waits; Cancel leaves the firewall alone
    // (this test never confirms: the engine runs on this machine).
    await row(udpPort).click();
    await page.getByRole('group', { name: 'Act on it' }).getByRole('button', { name: 'Close to the network…' }).click();
    expect(await page.getByTestId('pending-rules').innerText()).toBe(`iifname != "lo" udp dport ${udpPort} drop comment "portolan:close-udp-${udpPort}"`);
    await page.getByRole('region', { name: 'Confirm' }).getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('region', { name: 'Confirm' }).waitFor({ state: 'detached' });
    await row(tcpPort).click();

    // Filters: only this machine, words; then the filter survives a reload.
    await page.getByRole('group', { name: 'Reachable from' }).getByRole('button', { name: /Only this machine/ }).click();
    await page.getByRole('searchbox', { name: 'Filter' }).fill(String(tcpPort));
    await expect.poll(() => table.locator('[data-testid="exposure-row"]').count()).toBe(1);
    await row(udpPort).waitFor({ state: 'detached' });
    await page.screenshot({ path: path.join(SHOTS, 'exposure-light.png') });
    // The settings store saves a filter after a pause in typing: wait until it is on disk.
    await expect.poll(() => readFile(path.join(e2e.dataDir, 'settings.json'), 'utf8').catch(() => ''), { timeout: 10000 }).toContain(`\\"text\\":\\"${tcpPort}\\"`);
    await page.reload();
    await page.getByTestId('connection').filter({ hasText: 'Connected' }).waitFor();
    await row(tcpPort).waitFor();
    expect(await page.getByRole('searchbox', { name: 'Filter' }).inputValue()).toBe(String(tcpPort));
    expect(await page.getByRole('group', { name: 'Reachable from' }).getByRole('button', { name: /Only this machine/ }).getAttribute('aria-pressed')).toBe('true');
    expect(await table.locator('[data-testid="exposure-row"]').count()).toBe(1);
    expect(problems).toEqual([]);
  });

  it('dark theme', async () => {
    await sockets();
    const { page } = await e2e.open({ view: 'Exposure', colorScheme: 'dark', height: 900 });
    await page.getByRole('table', { name: 'Exposure' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'exposure-dark.png') });
  });
});
