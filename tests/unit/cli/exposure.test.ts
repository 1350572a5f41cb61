/** `portolan exposure`: one object per listener with --json, a table with --why. */
import dgram from 'node:dgram';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../helpers/cli.js';
import { ExposureEntry } from '../../../src-main/contract/index.js';

const run = runCliCaptured;

let tcp: net.Server;
let udp: dgram.Socket;
beforeAll(async () => {
  tcp = net.createServer();
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  // A UDP socket on every interface: its scope is "any" (the firewall decides the rest).
  udp = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => udp.bind(0, '0.0.0.0', resolve));
});
afterAll(() => {
  tcp.close();
  udp.close();
});

describe('portolan exposure', () => {
  it('--json prints one object per listener, in the contract shape, with the chain of reasons', async () => {
    const { code, out } = await run('exposure', '--json', '--no-router');
    expect(code).toBe(0);
    const entries = (JSON.parse(out) as unknown[]).map((e) => ExposureEntry.parse(e));
    const tcpPort = (tcp.address() as net.AddressInfo).port;
    const mine = entries.find((e) => e.protocol === 'tcp' && e.port === tcpPort)!;
    expect(mine).toMatchObject({ address: '127.0.0.1', bind: 'loopback', reachableFrom: 'machine', router: null, pid: process.pid });
    const u = entries.find((e) => e.protocol === 'udp' && e.port === udp.address().port)!;
    expect(u.bind).toBe('any');
    expect(u.reasons[0]).toMatch(/^Bind: every IPv4 interface \(0\.0\.0\.0\)/);
    expect(u.reasons.at(-1)).toMatch(/^Verdict: /);
  });

  it('prints a table, the reasons with --why, and the Learn card', async () => {
    const { code, out } = await run('exposure', '--why', '--no-router');
    expect(code).toBe(0);
    expect(out).toMatch(/^PROTO ADDRESS:PORT/m);
    expect(out).toContain(`tcp   127.0.0.1:${(tcp.address() as net.AddressInfo).port}`);
    expect(out).toMatch(/^ {6}Bind: loopback only/m);
    expect(out).toContain('Learn more: portolan learn firewalls');
  });

  it('close shows the exact rules and changes nothing without --yes; undo asks too', async () => {
    const close = await run('exposure', 'close', '6379', '--lan-only', '--network', '10.0.0.0/8');
    expect(close.code).toBe(1);
    expect(close.err).toContain('iifname != "lo" ip saddr != { 10.0.0.0/8 } tcp dport 6379 drop comment "portolan:lan-only-tcp-6379"');
    expect(close.err).toMatch(/Run again with --yes|cannot change the firewall here/);
    expect(await run('exposure', 'undo')).toMatchObject({ code: 1, err: expect.stringMatching(/Run again with --yes/) });
    expect(await run('exposure', 'close', '0')).toMatchObject({ code: 2, err: expect.stringMatching(/Give the port to close/) });
    expect(await run('exposure', 'close', '22', '--lan-only', '--network', 'x')).toMatchObject({ code: 1, err: expect.stringMatching(/"x" is not a network in CIDR form/) });
  });
});
