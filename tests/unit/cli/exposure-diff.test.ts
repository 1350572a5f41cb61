/** `portolan exposure baseline` and `--diff`: exit 1 when something new is exposed since the baseline. */
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src-main/app/create-app.js';
import { exposureCommand } from '../../../src-main/cli/commands/exposure.js';
import type { CliContext } from '../../../src-main/cli/context.js';
import { SurfaceDiff } from '../../../src-main/contract/index.js';
import { parseIptablesSave } from '../../../src-main/engine/exposure/iptables-save.js';
import { ASSETS_DIR } from '../../helpers/app.js';

const servers: net.Server[] = [];
const listen = async () => {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '0.0.0.0', resolve));
  servers.push(s);
  return (s.address() as net.AddressInfo).port;
};
let dataDir: string;
/** Ports the stand-in firewall lets in; every other port is dropped, so other programs on this machine stay out of the surface. */
const open: number[] = [];

async function run(...args: string[]) {
  const r = { code: -1, out: '', err: '' };
  const rules = open.map((p) => `-A INPUT -p tcp -m tcp --dport ${p} -j ACCEPT\n`).join('');
  const ctx: CliContext = {
    args,
    stdout: (t) => (r.out += t),
    stderr: (t) => (r.err += t),
    assetsDir: ASSETS_DIR,
    staticDir: '/nonexistent',
    dataDir,
    openApp: (transport) =>
      createApp({
        assetsDir: ASSETS_DIR,
        dataDir,
        transport,
        heartbeatMs: 0,
        exposure: {
          readFirewall: async () => ({ ok: true, notes: [], ruleset: parseIptablesSave(`*filter\n:INPUT DROP [0:0]\n${rules}COMMIT\n`, 4, 'iptables-save') }),
          interfaces: () => [{ name: 'eth0', address: '192.168.1.10', family: 4, prefix: 24, internal: false }],
        },
      }),
    interrupted: new Promise(() => undefined),
  };
  r.code = await exposureCommand(ctx);
  return r;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'portolan-diff-'));
});
afterAll(() => servers.forEach((s) => s.close()));

describe('portolan exposure --diff', () => {
  it('needs a baseline first (exit 2, with what to run)', async () => {
    expect(await run('--diff', '--no-router')).toMatchObject({ code: 2, err: expect.stringMatching(/No baseline is set: "portolan exposure baseline"/) });
  });

  it('exits 0 when nothing new is exposed, 1 with the new port, 0 again after the baseline accepts it', async () => {
    const a = await listen();
    open.push(a);
    expect(await run('baseline', '--no-router')).toMatchObject({ code: 0, out: 'Baseline set: 1 socket reachable from the network. "portolan exposure --diff" shows what changes.\n' });
    expect(await run('--diff', '--no-router')).toMatchObject({ code: 0, out: expect.stringMatching(/^Nothing changed since the baseline of /) });

    const b = await listen();
    open.push(b);
    const diff = await run('--diff', '--no-router');
    expect(diff.code).toBe(1);
    expect(diff.out).toMatch(new RegExp(`^  \\+ New: tcp 0\\.0\\.0\\.0:${b} \\(.+\\) is reachable from this network\\.$`, 'm'));
    expect(diff.out).toContain('Something is exposed that the baseline did not have.');
    const json = await run('--diff', '--json', '--no-router');
    expect(json.code).toBe(1);
    expect(SurfaceDiff.parse(JSON.parse(json.out)).changes.map((c) => [c.kind, c.item.port])).toEqual([['new', b]]);

    // Closing a port is a change but not an exposure: exit 0.
    await run('baseline', '--no-router');
    open.splice(open.indexOf(a), 1);
    const closed = await run('--diff', '--no-router');
    expect(closed).toMatchObject({ code: 0, out: expect.stringMatching(new RegExp(`^  - Closed: tcp 0\\.0\\.0\\.0:${a} \\(.+\\) is now reachable only from this machine \\(was this network\\)\\.$`, 'm')) });
    expect(await run('baseline', '--clear')).toMatchObject({ code: 0, out: 'The baseline is forgotten.\n' });
  });
});
