/** The engine's one net module: address forms, loopback checks, the bind probe and the listen/connect sentences. */
import dgram from 'node:dgram';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { forwardExposure, isLoopbackAddress, isLoopbackHost, listenerExposure } from '../../../../src-main/contract/net-notes.js';
import { hostPort, plainAddress } from '../../../../src-main/engine/net/address.js';
import { canBind, nextFreePort, tryBind } from '../../../../src-main/engine/net/bind-probe.js';
import { connectError, listenError, listenProblem, sessionError } from '../../../../src-main/engine/net/errors.js';
import { PortolanError } from '../../../../src-main/contract/errors.js';

const err = (code: string) => Object.assign(new Error(code), { code });

describe('addresses', () => {
  it('unwraps IPv4-mapped addresses and nothing else', () => {
    expect(plainAddress('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(plainAddress('::FFFF:127.0.0.1')).toBe('127.0.0.1');
    expect(plainAddress('::ffff:abcd')).toBe('::ffff:abcd');
    expect(plainAddress('::ffff:7f00:1')).toBe('::ffff:7f00:1');
    expect(plainAddress('::1')).toBe('::1');
    expect(plainAddress('192.168.1.1')).toBe('192.168.1.1');
    expect(plainAddress(undefined)).toBe('');
  });

  it('writes host:port with brackets for IPv6', () => {
    expect(hostPort('::1', 80)).toBe('[::1]:80');
    expect(hostPort('127.0.0.1', 80)).toBe('127.0.0.1:80');
  });

  it('knows loopback addresses (literals) and loopback hosts (literals and localhost)', () => {
    for (const a of ['127.0.0.1', '127.255.1.2', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:0:0:1']) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ['128.0.0.1', '10.0.0.1', '::', '0.0.0.0', '::2', 'fe80::1', '::ffff:10.0.0.1', 'localhost', '', '127.0.0.256', 'x']) expect(isLoopbackAddress(a), a).toBe(false);
    for (const h of ['localhost', 'LOCALHOST', '[::1]', ' 127.0.0.1 ']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['localhost.example', '0.0.0.0', '::', 'db.internal']) expect(isLoopbackHost(h), h).toBe(false);
  });
});

describe('exposure sentences', () => {
  it('warns for a listener reachable from other machines', () => {
    expect(listenerExposure('127.0.0.1', 80, 'tcp')).toBeUndefined();
    expect(listenerExposure('::1', 80, 'tcp')).toBeUndefined();
    expect(listenerExposure('::ffff:127.0.0.1', 80, 'tcp')).toBeUndefined();
    expect(listenerExposure('0.0.0.0', 8080, 'tcp')).toMatch(/exposes port 8080\/tcp to every network/);
    expect(listenerExposure('::', 53, 'udp')).toMatch(/exposes port 53\/udp to every network/);
    expect(listenerExposure('192.168.1.5', 8080, 'tcp')).toMatch(/to the network of that address/);
  });

  it('warns for a forward, naming where it listens', () => {
    expect(forwardExposure('tcp', 'localhost', 80)).toBeUndefined();
    expect(forwardExposure('tcp', '0.0.0.0', 80)).toMatch(/0\.0\.0\.0:80 on this machine exposes this forward to every network/);
    expect(forwardExposure('ssh-remote', '', 80)).toMatch(/on the SSH server exposes this forward to every network/);
    expect(forwardExposure('udp', '192.168.1.20', 53)).toMatch(/to the network of 192\.168\.1\.20/);
  });
});

describe('bind probe and listen sentences (127.0.0.1)', () => {
  const held: Array<net.Server | dgram.Socket> = [];
  afterEach(() => {
    for (const h of held.splice(0)) h.close();
  });
  const holdTcp = () =>
    new Promise<number>((resolve) => {
      const server = net.createServer().listen({ port: 0, host: '127.0.0.1' }, () => resolve((server.address() as net.AddressInfo).port));
      held.push(server);
    });
  const holdUdp = () =>
    new Promise<number>((resolve) => {
      const socket = dgram.createSocket('udp4');
      socket.bind({ port: 0, address: '127.0.0.1' }, () => resolve(socket.address().port));
      held.push(socket);
    });

  it('finds a held TCP and UDP port busy, and offers a free one nearby', async () => {
    for (const [protocol, port] of [['tcp', await holdTcp()], ['udp', await holdUdp()]] as const) {
      const e = await tryBind(protocol, '127.0.0.1', port);
      expect(e?.code).toBe('EADDRINUSE');
      expect(await canBind(protocol, '127.0.0.1', port)).toBe(false);
      const next = await nextFreePort(protocol, '127.0.0.1', port);
      expect(next).toBeGreaterThan(port);
      expect(await canBind(protocol, '127.0.0.1', next!)).toBe(true);
      const problem = await listenProblem(e!, protocol, '127.0.0.1', port);
      expect(problem.code).toBe('EADDRINUSE');
      expect(problem.message).toMatch(new RegExp(`^Port ${port}/${protocol} on 127\\.0\\.0\\.1 is in use by .*\\. Port ${next} is free`));
      expect(problem.holder?.pid).toBe(process.pid);
      const quiet = await listenProblem(e!, protocol, '127.0.0.1', port, { offerFreePort: false });
      expect(quiet.message).not.toMatch(/is free/);
    }
    // Naming the holder reads /proc for every socket of the machine: slow on a busy shared one.
  }, 30000);

  it('explains privileges, foreign addresses, names and address families', async () => {
    expect(await listenError(err('EACCES'), 'tcp', '0.0.0.0', 80)).toMatchObject({ code: 'EACCES', message: expect.stringMatching(/privileged port.*CAP_NET_BIND_SERVICE/) });
    expect((await listenError(err('EADDRNOTAVAIL'), 'tcp', '10.9.9.9', 8080)).message).toMatch(/not an address of this machine/);
    expect((await listenError(err('EAI_AGAIN'), 'udp', 'db.internal', 53)).code).toBe('ENOTFOUND');
    expect(await listenError(err('EAFNOSUPPORT'), 'tcp', '::1', 8080)).toMatchObject({ code: 'EADDRNOTAVAIL', message: 'This machine has no IPv6 support for ::1.' });
    expect((await listenError(err('EWHAT'), 'tcp', 'h', 1)).message).toBe('Could not listen on 1/tcp on h: EWHAT.');
    const already = new PortolanError('ENOTFOUND', 'db.internal does not resolve here');
    expect(await listenError(already, 'tcp', 'db.internal', 1)).toBe(already);
  });

  it('gives each connect failure its own code and sentence', () => {
    expect(connectError(err('ENOTFOUND'), 'tcp', 'no.such.host', 80, 1000)).toMatchObject({ code: 'ENOTFOUND', message: expect.stringMatching(/no\.such\.host could not be resolved \(DNS lookup failed\)/) });
    expect(connectError(err('EAI_AGAIN'), 'tcp', 'x', 80, 1000).code).toBe('ENOTFOUND');
    expect(connectError(err('ECONNREFUSED'), 'tcp', '::1', 80, 1000).message).toMatch(/Connection refused by \[::1\]:80\/tcp/);
    expect(connectError(err('ECONNREFUSED'), 'udp', '127.0.0.1', 53, 1000).message).toMatch(/port unreachable/);
    expect(connectError(err('ETIMEDOUT'), 'tcp', '10.0.0.1', 22, 10000).message).toMatch(/within 10 s \(timeout\)/);
    expect(connectError(err('EHOSTUNREACH'), 'tcp', '10.0.0.1', 22, 1000).code).toBe('EHOSTUNREACH');
    expect(connectError(err('EAFNOSUPPORT'), 'udp', '::1', 53, 1000).message).toMatch(/no IPv6 support/);
    expect(connectError(err('CERT_HAS_EXPIRED'), 'tcp', 'a.test', 443, 1000).code).toBe('TLS_FAILED');
    const codes = ['ENOTFOUND', 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH'].map((c) => connectError(err(c), 'tcp', 'h', 1, 1000).message);
    expect(new Set(codes).size).toBe(4);
    expect(sessionError(err('EWEIRD'), 'tcp', 'h', 1).code).toBe('EWEIRD');
  });
});
