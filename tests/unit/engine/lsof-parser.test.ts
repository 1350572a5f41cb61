import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SocketRow } from '../../../src-main/contract/index.js';
import { LsofSocketProvider, type CommandRunner } from '../../../src-main/engine/sockets/command-provider.js';
import { parseEndpoint, parseLsof } from '../../../src-main/engine/sockets/lsof-parser.js';

// Field output of `lsof -nP -w +c 0 -iTCP -iUDP -Tqs -FpcLftdPnT` on macOS 14, run with sudo:
// listeners (IPv4, IPv6, wildcards), loopback pairs (one through a dual-stack IPv6 socket),
// connected and unconnected UDP, a command with spaces, and a listener shared by two nginx.
const FIXTURE = readFileSync(new URL('../../fixtures/sockets/lsof-macos.txt', import.meta.url), 'utf8');

const byId = (rows: SocketRow[], id: string) => rows.find((r) => r.id === id);

describe('parseLsof', () => {
  const rows = parseLsof(FIXTURE);

  it('reads every socket once, in lsof order', () => {
    expect(rows).toHaveLength(17);
    expect(rows.map((r) => r.pid)).toEqual([312, 501, 501, 501, 688, 688, 688, 1204, 1204, 1204, 1204, 1377, 1377, 1377, 1377, 1380, 1381]);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
  });

  it('reads an IPv4 listener field by field', () => {
    expect(rows[0]).toEqual({
      id: 'tcp#0x6a1f3c2e9b8d7a41',
      proto: 'tcp',
      localAddress: '127.0.0.1',
      localPort: 631,
      remoteAddress: '0.0.0.0',
      remotePort: 0,
      state: 'LISTEN',
      pid: 312,
      process: 'cupsd',
      user: 'root',
      rxQueue: 0,
      txQueue: 0,
    });
  });

  it('writes "*" as the unspecified address of the socket family', () => {
    expect(rows[1]).toMatchObject({ proto: 'tcp', localAddress: '0.0.0.0', localPort: 49152, remoteAddress: '0.0.0.0', remotePort: 0 });
    expect(rows[2]).toMatchObject({ proto: 'tcp6', localAddress: '::', localPort: 49152, remoteAddress: '::', remotePort: 0, state: 'LISTEN' });
    expect(rows[3]).toMatchObject({ proto: 'udp', localAddress: '0.0.0.0', localPort: 0, remoteAddress: '0.0.0.0', remotePort: 0, state: 'UNCONN' });
    expect(rows[16]).toMatchObject({ proto: 'udp6', localAddress: '::', localPort: 5353, state: 'UNCONN', pid: 1381, process: 'nginx' });
  });

  it('reads remote endpoints, queues, states and commands with spaces', () => {
    expect(rows[4]).toEqual({
      id: 'tcp#0x6a1f3c2e9b8d2301',
      proto: 'tcp',
      localAddress: '192.168.1.23',
      localPort: 52144,
      remoteAddress: '142.250.185.78',
      remotePort: 443,
      state: 'ESTABLISHED',
      pid: 688,
      process: 'Google Chrome Helper',
      user: 'alice',
      rxQueue: 0,
      txQueue: 517,
    });
    expect(rows[5]).toMatchObject({
      proto: 'udp6',
      localAddress: '2a01:cb00:1234:5600:8d2e:4f1a:9b3c:7e10',
      localPort: 61234,
      remoteAddress: '2a00:1450:4007:80a::200e',
      remotePort: 443,
      state: 'ESTABLISHED',
      rxQueue: 1320,
    });
    expect(rows[6]).toMatchObject({ state: 'CLOSE_WAIT', rxQueue: 31 });
    expect(rows[12]).toMatchObject({ proto: 'tcp6', localAddress: '::1', localPort: 50012, remoteAddress: '::1', remotePort: 3000, state: 'SYN_SENT' });
    expect(rows[14]).toMatchObject({ state: 'FIN_WAIT2', remoteAddress: '93.184.216.34', remotePort: 80 });
  });

  it('keeps IPv4 addresses of a dual-stack IPv6 socket, with proto tcp6', () => {
    expect(rows[10]).toMatchObject({ proto: 'tcp6', localAddress: '127.0.0.1', localPort: 5432, remoteAddress: '127.0.0.1', remotePort: 61001 });
  });

  it('links loopback pairs in both directions, and nothing else', () => {
    const server = byId(rows, 'tcp#0x6a1f3c2e9b8d2406')!;
    const client = byId(rows, 'tcp#0x6a1f3c2e9b8d5008')!;
    expect(server).toMatchObject({ localPort: 8080, remotePort: 50000, pid: 1204, pairId: client.id });
    expect(client).toMatchObject({ localPort: 50000, remotePort: 8080, pid: 1377, rxQueue: 12, pairId: server.id });
    // Across families: the IPv6 socket speaking IPv4 and a plain IPv4 client.
    expect(rows[10]!.pairId).toBe(rows[13]!.id);
    expect(rows[13]!.pairId).toBe(rows[10]!.id);
    expect(rows.filter((r) => r.pairId).map((r) => r.id)).toHaveLength(4);
  });

  it('lists a socket shared by forked processes once, for the first process', () => {
    const shared = rows.filter((r) => r.localPort === 8081);
    expect(shared).toHaveLength(1);
    expect(shared[0]).toMatchObject({ pid: 1380, state: 'LISTEN', localAddress: '0.0.0.0' });
  });

  it('reads CRLF output the same', () => {
    expect(parseLsof(FIXTURE.replaceAll('\n', '\r\n'))).toEqual(rows);
  });

  it('names sockets by PID and descriptor when lsof gives no kernel address', () => {
    const [row] = parseLsof('p42\ncsshd\nf3\ntIPv4\nPTCP\nn*:22\nTST=LISTEN\n');
    expect(row).toMatchObject({ id: 'tcp#42:3', localAddress: '0.0.0.0', localPort: 22, state: 'LISTEN', process: 'sshd', rxQueue: 0 });
    expect(row!.user).toBeUndefined();
  });

  it('maps BSD state names to the Linux ones', () => {
    const states = ['SYN_RCVD', 'FIN_WAIT_1', 'CLOSED', 'LAST_ACK', 'TIME_WAIT', 'WEIRD'].map(
      (st, i) => parseLsof(`p1\nf${i}\nPTCP\nn10.0.0.1:${1000 + i}->10.0.0.2:80\nTST=${st}\n`)[0]!.state,
    );
    expect(states).toEqual(['SYN_RECV', 'FIN_WAIT1', 'CLOSE', 'LAST_ACK', 'TIME_WAIT', 'WEIRD']);
  });

  it('gives nothing for empty output and skips garbage', () => {
    expect(parseLsof('')).toEqual([]);
    expect(parseLsof('\n\n')).toEqual([]);
    expect(parseLsof('lsof: WARNING: can\'t stat() nfs file system\nhello\n')).toEqual([]);
    const text = [
      'f9\nPTCP\nn1.2.3.4:5', // a file before any process
      'pabc\nf1\nPTCP\nn1.2.3.4:5', // a PID that is not a number
      'p7\ncx\nf1\ntunix\nn/var/run/x.sock', // not TCP or UDP
      'f2\nPTCP\nnlocalhost:http', // names instead of numbers
      'f3\nPTCP\nn1.2.3.4:99999', // port out of range
      'f4\nPUDP\nn1.2.3.4:5->', // broken remote
      'f5\nPTCP', // no name
      'f6\nPUDP\nn[::1]:53\nTQR=x\nTQS=7\nTZZ=1',
    ].join('\n');
    const rows = parseLsof(text);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ proto: 'udp6', localAddress: '::1', localPort: 53, pid: 7, process: 'x', rxQueue: 0, txQueue: 7 });
  });
});

describe('parseEndpoint', () => {
  it('splits the forms lsof and netstat print', () => {
    expect(parseEndpoint('127.0.0.1:80')).toEqual({ host: '127.0.0.1', port: 80 });
    expect(parseEndpoint('[::1]:631')).toEqual({ host: '::1', port: 631 });
    expect(parseEndpoint('[fe80::1%12]:1900')).toEqual({ host: 'fe80::1%12', port: 1900 });
    expect(parseEndpoint('*:*')).toEqual({ host: '*', port: 0 });
    for (const bad of ['', ':80', '::1:80', '1.2.3.4', '1.2.3.4:', '1.2.3.4:x', '[::1:80']) expect(parseEndpoint(bad)).toBeUndefined();
  });
});

describe('LsofSocketProvider', () => {
  const fake = (result: Awaited<ReturnType<CommandRunner>> | Error) => {
    const calls: { file: string; args: readonly string[] }[] = [];
    const run: CommandRunner = async (file, args) => {
      calls.push({ file, args });
      if (result instanceof Error) throw result;
      return result;
    };
    return { run, calls };
  };
  const nodeError = (props: Record<string, unknown>) => Object.assign(new Error('spawn failed'), props);

  it('runs lsof without a shell and parses its output', async () => {
    const { run, calls } = fake({ stdout: FIXTURE, stderr: '', exitCode: 0 });
    const provider = new LsofSocketProvider(run);
    expect(provider.source).toBe('lsof');
    const reading = await provider.read();
    expect(reading.rows).toHaveLength(17);
    expect(reading.hiddenOwners).toBe(0);
    expect(calls).toEqual([{ file: 'lsof', args: ['-nP', '-w', '+c', '0', '-iTCP', '-iUDP', '-Tqs', '-FpcLftdPnT'] }]);
  });

  it('takes exit code 1 without output as "no sockets"', async () => {
    expect(await new LsofSocketProvider(fake({ stdout: '', stderr: '', exitCode: 1 }).run).read()).toEqual({ rows: [], hiddenOwners: 0 });
  });

  it('explains failures', async () => {
    const read = (result: Parameters<typeof fake>[0]) => new LsofSocketProvider(fake(result).run).read();
    await expect(read(nodeError({ code: 'ENOENT' }))).rejects.toThrow(/lsof was not found.*\/usr\/sbin\/lsof/);
    await expect(read(nodeError({ killed: true, signal: 'SIGTERM', code: null }))).rejects.toThrow(/did not finish within 15 s/);
    await expect(read(nodeError({ code: 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER' }))).rejects.toThrow(/more than 64 MiB/);
    await expect(read({ stdout: '', stderr: 'lsof: illegal option character: T\nlsof 4.91\n', exitCode: 1 })).rejects.toThrow(
      'lsof failed (exit code 1): lsof: illegal option character: T',
    );
  });
});
