/**
 * The Router view end to end, against miniupnpd: `portolan serve` and Chromium both run inside the
 * lan namespace of router-net.ts (the 10.81/10.82 addresses exist only in the namespaces this test
 * makes), so the engine's gateway is the test's miniupnpd and the browser reaches serve on the
 * namespace's own 127.0.0.1. A client in the wan namespace proves that a mapping added in the UI
 * opens the port, and that removing it in the UI closes it. A second, silent gateway namespace
 * shows "no router answered" with what was tried.
 *
 * Set PORTOLAN_STATIC_DIR to test another renderer build (it is passed to serve).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingPrerequisite } from './helpers.js';
import { NETNS_ADDR, routerNetUp, type RouterNet } from './router-net.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SHOTS = path.join(ROOT, 'test-results', 'screenshots');
const skipReason =
  missingPrerequisite(['ip', 'nft', 'miniupnpd', 'socat', 'upnpc']) ??
  (existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install chromium)`) ??
  (existsSync(path.join(ROOT, 'dist/main/cli.js')) ? undefined : 'dist/main is not built (npm run build:main)') ??
  (existsSync(path.join(process.env.PORTOLAN_STATIC_DIR ?? path.join(ROOT, 'dist/renderer'), 'index.html')) ? undefined : 'the renderer is not built (npm run build:renderer)');
if (skipReason) console.warn(`[interop] skipped router e2e: ${skipReason}`);

/** A running `portolan serve` inside a namespace, with Chromium in the same namespace. */
interface Face {
  serve: ChildProcess;
  url: string;
  browser: Browser;
  dataDir: string;
  tmp: string;
  /** Stops the browser and serve (SIGTERM: the app closes and removes mappings marked for quit). */
  stop(): Promise<void>;
}

/** Starts serve and Chromium inside `ns` (netns): serve's 127.0.0.1 is the namespace's own loopback. */
async function faceIn(ns: string): Promise<Face> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'portolan-router-e2e-'));
  const dataDir = path.join(tmp, 'data');
  mkdirSync(dataDir);
  const env: NodeJS.ProcessEnv = { ...process.env, PORTOLAN_DATA_DIR: dataDir };
  if (process.env.PORTOLAN_STATIC_DIR) env.PORTOLAN_STATIC_DIR = path.resolve(process.env.PORTOLAN_STATIC_DIR);
  // `ip netns exec` execs the command, so this child's PID is serve's own.
  const serve = spawn('ip', ['netns', 'exec', ns, process.execPath, 'bin/portolan.js', 'serve', '--port', '0', '--no-open'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+/.exec(out);
      if (match) resolve(match[0]);
    };
    serve.stdout!.on('data', onData);
    serve.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    serve.once('exit', (code) => reject(new Error(`portolan serve exited (${code}) before printing its URL:\n${out}`)));
  });
  // Playwright spawns the browser itself, so a wrapper puts it in the namespace (pipes survive exec).
  const wrapper = path.join(tmp, 'chromium-in-netns');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} ${CHROMIUM} "$@"\n`);
  chmodSync(wrapper, 0o755);
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: wrapper,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  } catch (err) {
    serve.kill('SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const face: Face = {
    serve,
    url,
    browser,
    dataDir,
    tmp,
    async stop() {
      await browser.close().catch(() => undefined);
      if (serve.exitCode === null && serve.signalCode === null) {
        const exited = new Promise((r) => serve.once('exit', r));
        serve.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 8000))]);
        if (serve.exitCode === null && serve.signalCode === null) serve.kill('SIGKILL');
      }
      rmSync(tmp, { recursive: true, force: true });
    },
  };
  return face;
}

/** Opens the app in a new page; collects console errors. */
async function open(face: Face, colorScheme: 'light' | 'dark' = 'light'): Promise<{ page: Page; problems: string[] }> {
  const context = await face.browser.newContext({ colorScheme, viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  // A step that cannot happen fails with the locator it waited for, well before the test's timeout.
  page.setDefaultTimeout(15000);
  const problems: string[] = [];
  page.on('console', (msg) => msg.type() === 'error' && problems.push(msg.text()));
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto(face.url);
  await page.getByTestId('connection').filter({ hasText: 'Connected' }).waitFor();
  return { page, problems };
}

const goTo = (page: Page, view: string) => page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: view, exact: true }).click();

describe.skipIf(!!skipReason)('the Router view against miniupnpd (serve and Chromium in the lan namespace)', () => {
  let net: RouterNet;
  let face: Face | undefined;
  const SERVICE_PORT = 8090;
  const EXTERNAL = 18090;
  const OTHER = 18095;
  const ON_QUIT = 18096;

  /** What a client in the wan namespace (netns) reads from the router's external port. */
  function fromWan(port: number): string {
    const r = spawnSync('ip', ['netns', 'exec', net.wan, 'socat', '-T2', '-', `TCP:${NETNS_ADDR.rtrWan}:${port},connect-timeout=2`], { input: '', encoding: 'utf8', timeout: 10000 });
    return r.status === 0 ? r.stdout.trim() : `(failed: ${r.stderr.trim().split('\n').pop()})`;
  }
  const dnatTo = (port: number) =>
    net.exec(net.rtr, ['nft', 'list', 'chain', 'inet', 'filter', 'prerouting_miniupnpd']).split('\n').filter((l) => l.includes('dnat') && l.includes(`dport ${port} `)).length;

  beforeAll(async () => {
    net = await routerNetUp();
    // A mapping another program made (upnpc, the miniupnpc client), which UPnP lists.
    net.exec(net.lan, ['upnpc', '-u', `http://${NETNS_ADDR.rtrLan}:5000/rootDesc.xml`, '-e', 'other-program', '-a', NETNS_ADDR.lan, '8095', String(OTHER), 'TCP']);
    face = await faceIn(net.lan);
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await face?.stop();
    net?.down();
  });

  it('shows the router, maps a listener in one click (reachable from the WAN), and removes it', async () => {
    const { page, problems } = await open(face!);

    // Nothing is sent to the router until the user asks (issue 13.10): the view offers to look.
    // A counter in the router's namespace sees every IPv4 packet from this machine (the lan address).
    net.exec(net.rtr, ['nft', '-f', '-'], `table inet ptl_count {\n chain input {\n type filter hook input priority -300; policy accept;\n ip saddr ${NETNS_ADDR.lan} counter\n }\n}\n`);
    const packetsFromLan = () => Number(/packets (\d+)/.exec(net.exec(net.rtr, ['nft', 'list', 'chain', 'inet', 'ptl_count', 'input']))?.[1]);
    await goTo(page, 'Router');
    await page.getByTestId('router-consent').waitFor();
    expect(await page.getByTestId('router-name').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Discover again' }).count()).toBe(0);
    await page.waitForTimeout(1500); // time for a discovery to leave, if the view had started one
    expect(packetsFromLan()).toBe(0);
    await page.getByRole('button', { name: 'Look for my router' }).click();
    await expect.poll(packetsFromLan, { timeout: 10000 }).toBeGreaterThan(0);

    // The router and its external address; other programs' mappings are listed.
    await expect.poll(() => page.getByTestId('router-name').textContent(), { timeout: 15000 }).toBe('portolan-test-router');
    expect(await page.getByTestId('router-external').textContent()).toBe(NETNS_ADDR.rtrWan);
    expect(await page.getByTestId('router-protocols').locator('.badge').allTextContents()).toEqual(['UPnP IGD (used by default)', 'PCP', 'NAT-PMP']);
    const table = page.getByRole('table', { name: 'Router mappings' });
    const other = table.getByRole('row').filter({ hasText: String(OTHER) });
    await other.waitFor();
    expect(await other.textContent()).toContain('other-program');
    expect(await other.textContent()).toContain('another program');

    // A listener on the LAN address, exposed through the router from its card.
    await goTo(page, 'Listeners');
    const listen = page.getByRole('form', { name: 'Open a port' });
    await listen.getByLabel('Listen address').fill('0.0.0.0');
    await listen.getByLabel('Listen port').fill(String(SERVICE_PORT));
    await listen.getByLabel('Responder').selectOption('banner');
    await listen.getByLabel('Banner text').fill('hello-through-the-router');
    await listen.getByRole('button', { name: 'Listen' }).click();
    const card = page.getByRole('article', { name: `Listener TCP 0.0.0.0:${SERVICE_PORT}` });
    await card.getByRole('button', { name: 'Expose through router' }).click();

    // The add form arrives filled; the plain warning says what this opens.
    const form = page.getByRole('form', { name: 'Add a mapping' });
    await expect.poll(() => form.getByLabel('Internal port').inputValue()).toBe(String(SERVICE_PORT));
    expect(await form.getByLabel('External port').inputValue()).toBe(String(SERVICE_PORT));
    expect(await form.getByRole('radio', { name: 'TCP' }).getAttribute('aria-checked')).toBe('true');
    // Validation as the user types.
    await form.getByLabel('External port').fill('70000');
    await expect.poll(() => form.getByText('External port: Ports go from 1 to 65535.').count()).toBe(1);
    expect(await form.getByRole('button', { name: 'Map port' }).isDisabled()).toBe(true);
    await form.getByLabel('External port').fill(String(EXTERNAL));
    await form.getByLabel('Description').fill('portolan-e2e');
    await expect.poll(() => page.getByTestId('router-exposure').textContent()).toContain(`${NETNS_ADDR.lan}:${SERVICE_PORT} (TCP) to the whole internet`);
    await form.getByRole('button', { name: 'Map port' }).click();

    const row = table.getByRole('row').filter({ hasText: String(EXTERNAL) });
    await expect.poll(() => row.textContent(), { timeout: 15000 }).toContain('active');
    expect(await row.textContent()).toContain(`${NETNS_ADDR.lan}:${SERVICE_PORT}`);
    expect(await row.textContent()).toContain('Portolan: renewed at half the lease');
    expect(await row.textContent()).toMatch(/(59|1 h) min|1 h/);
    expect(fromWan(EXTERNAL)).toBe('hello-through-the-router');

    // The router's refusal, in its words: secure mode refuses a mapping to another LAN address.
    const elsewhere = NETNS_ADDR.lan.replace(/\d+$/, '99');
    await form.getByLabel('External port').fill('18097');
    await form.getByLabel('Internal address').fill(elsewhere);
    await form.getByLabel('Internal port').fill('8097');
    await expect.poll(() => form.getByText(/refuse a mapping to 10\.81\.0\.99 \(UPnP error 718\)/).count()).toBe(1);
    await form.getByRole('button', { name: 'Map port' }).click();
    await expect.poll(() => form.getByRole('alert').textContent(), { timeout: 15000 }).toMatch(/refused .*UPnP error 718 ConflictInMappingEntry/);
    for (const field of ['External port', 'Internal address', 'Internal port']) await form.getByLabel(field).fill('');

    // Screenshots for the README, light and dark (a second page): the mapping, and a form being filled with its warning.
    const shoot = async (p: Page, theme: string) => {
      const f = p.getByRole('form', { name: 'Add a mapping' });
      await f.getByLabel('External port').fill('25565');
      await f.getByLabel('Internal port').fill('25565');
      await p.getByTestId('router-exposure').waitFor();
      await p.screenshot({ path: path.join(SHOTS, `router-${theme}.png`), fullPage: true });
      for (const field of ['External port', 'Internal port']) await f.getByLabel(field).fill('');
    };
    await shoot(page, 'light');
    // A second page: the permission is remembered (a setting), so the view asks the router at once.
    const dark = await open(face!, 'dark');
    await goTo(dark.page, 'Router');
    await dark.page.getByRole('table', { name: 'Router mappings' }).getByRole('row').filter({ hasText: String(EXTERNAL) }).waitFor({ timeout: 15000 });
    await dark.page.getByTestId('router-name').waitFor();
    expect(await dark.page.getByTestId('router-consent').count()).toBe(0);
    await shoot(dark.page, 'dark');
    expect(dark.problems).toEqual([]);
    await dark.page.context().close();

    // Removing it in the UI closes the port.
    await row.getByRole('button', { name: `Remove TCP ${EXTERNAL}` }).click();
    await expect.poll(() => dnatTo(EXTERNAL), { timeout: 10000 }).toBe(0);
    expect(fromWan(EXTERNAL)).toMatch(/^\(failed/);
    await expect.poll(() => table.getByRole('row').filter({ hasText: String(EXTERNAL) }).count(), { timeout: 10000 }).toBe(0);
    // Other programs' mappings stay unless removed on purpose.
    expect(dnatTo(OTHER)).toBe(1);

    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('removes a mapping marked "remove when Portolan quits" when serve stops', async () => {
    const { page, problems } = await open(face!);
    await goTo(page, 'Router');
    const form = page.getByRole('form', { name: 'Add a mapping' });
    await expect.poll(() => page.getByTestId('router-name').textContent(), { timeout: 15000 }).toBe('portolan-test-router');
    await form.getByLabel('External port').fill(String(ON_QUIT));
    await form.getByLabel('Internal port').fill(String(SERVICE_PORT));
    await form.getByLabel('Remove my mapping when Portolan quits').check();
    await form.getByRole('button', { name: 'Map port' }).click();
    const row = page.getByRole('table', { name: 'Router mappings' }).getByRole('row').filter({ hasText: String(ON_QUIT) });
    await expect.poll(() => row.textContent(), { timeout: 15000 }).toContain('removed when Portolan quits');
    expect(fromWan(ON_QUIT)).toBe('hello-through-the-router');
    expect(problems).toEqual([]);
    await face!.stop();
    face = undefined;
    expect(dnatTo(ON_QUIT)).toBe(0);
  });
});

describe.skipIf(!!skipReason)('the Router view when no router answers (a silent gateway in namespaces)', () => {
  let face: Face | undefined;
  const id = Math.random().toString(16).slice(2, 8);
  const host = `ptl-nrh-${id}`;
  const gw = `ptl-nrg-${id}`;

  beforeAll(async () => {
    // host (10.83.0.2) --veth-- gw (10.83.0.1, nothing listening): a default route, and silence.
    for (const ns of [host, gw]) {
      spawnSync('ip', ['netns', 'add', ns]);
      spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    const run = (cmd: string[]) => {
      const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${cmd.join(' ')}: ${r.stderr}`);
    };
    run(['ip', 'link', 'add', `pn${id}h`, 'netns', host, 'type', 'veth', 'peer', 'name', `pn${id}g`, 'netns', gw]);
    run(['ip', '-n', host, 'addr', 'add', '10.83.0.2/24', 'dev', `pn${id}h`]);
    run(['ip', '-n', gw, 'addr', 'add', '10.83.0.1/24', 'dev', `pn${id}g`]);
    run(['ip', '-n', host, 'link', 'set', `pn${id}h`, 'up']);
    run(['ip', '-n', gw, 'link', 'set', `pn${id}g`, 'up']);
    run(['ip', '-n', host, 'route', 'add', 'default', 'via', '10.83.0.1']);
    face = await faceIn(host);
  });
  afterAll(async () => {
    await face?.stop();
    for (const ns of [host, gw]) spawnSync('ip', ['netns', 'del', ns]);
  });

  it('says "no router answered" and what was tried, in plain words', async () => {
    const { page, problems } = await open(face!);
    await goTo(page, 'Router');
    await page.getByRole('button', { name: 'Look for my router' }).click();
    const none = page.getByTestId('no-router');
    await none.waitFor({ timeout: 20000 });
    const text = (await none.textContent()) ?? '';
    expect(text).toContain('No router answered at 10.83.0.1.');
    expect(text).toMatch(/UPnP IGD: no answer to the SSDP search/);
    expect(text).toMatch(/NAT-PMP: no NAT-PMP answer from 10\.83\.0\.1:5351/);
    expect(text).toMatch(/PCP: no PCP answer from 10\.83\.0\.1:5351/);
    expect(await page.getByRole('form', { name: 'Add a mapping' }).getByRole('button', { name: 'Map port' }).isDisabled()).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'router-no-router-light.png'), fullPage: true });
    // Discover again asks once more and says the same.
    await page.getByRole('button', { name: 'Discover again' }).click();
    await page.getByRole('button', { name: 'Asking the router…' }).waitFor();
    await page.getByRole('button', { name: 'Discover again' }).waitFor({ timeout: 20000 });
    await none.waitFor();
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
