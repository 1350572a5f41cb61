import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkBind } from '../../src-main/engine/sockets/bind-check.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function holdTcp(host: string): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen({ port: 0, host }, () => resolve((server.address() as net.AddressInfo).port));
    cleanups.push(() => server.close());
  });
}

function holdUdp(host: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.bind({ port: 0, address: host }, () => resolve(socket.address().port));
    cleanups.push(() => socket.close());
  });
}

describe('checkBind against real sockets', () => {
  it('reports a free port as free, and port 0 as "any free port"', async () => {
    const result = await checkBind({ port: 0, protocol: 'tcp', host: '127.0.0.1' });
    expect(result.status).toBe('free');
    expect(result.message).toMatch(/any free port/);
  });

  it.each(['127.0.0.1', '::1'])('names this process as the holder of a busy TCP port on %s', async (host) => {
    const port = await holdTcp(host);
    const result = await checkBind({ port, protocol: 'tcp', host });
    expect(result.status).toBe('in-use');
    expect(result.holder?.pid).toBe(process.pid);
    expect(result.message).toContain(`(pid ${process.pid})`);
  });

  it('names the holder of a busy UDP port', async () => {
    const port = await holdUdp('127.0.0.1');
    const result = await checkBind({ port, protocol: 'udp', host: '127.0.0.1' });
    expect(result.status).toBe('in-use');
    expect(result.holder?.pid).toBe(process.pid);
  });

  it('sees that a wildcard listener also blocks the loopback address', async () => {
    const port = await holdTcp('0.0.0.0');
    expect((await checkBind({ port, protocol: 'tcp', host: '127.0.0.1' })).status).toBe('in-use');
  });

  it('explains an address that is not on this machine', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a host; binding sends no traffic.
    const result = await checkBind({ port: 0, protocol: 'tcp', host: '192.0.2.1' });
    expect(result.status).toBe('unavailable');
    expect(result.message).toMatch(/not an address of this machine/);
  });

  it('explains a privileged port when run without privileges', (ctx) => {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
    if (process.getuid?.() !== 0) return ctx.skip('needs root to start a child as an unprivileged user');
    if (start <= 80) return ctx.skip(`ip_unprivileged_port_start is ${start}: port 80 is not privileged here`);
    const script = `import { checkBind } from ${JSON.stringify(path.resolve('src-main/engine/sockets/bind-check.ts'))};
      console.log(JSON.stringify(await checkBind({ port: 80, protocol: 'tcp', host: '127.0.0.1' })));`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: '/tmp' },
    });
    expect(child.stderr).toBe('');
    const result = JSON.parse(child.stdout);
    expect(result.status).toBe('needs-privileges');
    expect(result.message).toMatch(/privileged port.*CAP_NET_BIND_SERVICE/);
  });
});
