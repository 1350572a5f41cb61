import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NetstatSocketProvider, type CommandResult, type CommandRunner } from '../../../src-main/engine/sockets/command-provider.js';
import { parseNetstat, parseTasklist } from '../../../src-main/engine/sockets/netstat-parser.js';

// Recorded on Windows 11 (CRLF line endings kept): `netstat -ano` and `tasklist /fo csv /nh`.
const NETSTAT = readFileSync(new URL('../../fixtures/sockets/netstat-ano-windows.txt', import.meta.url), 'utf8');
const TASKLIST = readFileSync(new URL('../../fixtures/sockets/tasklist-windows.csv', import.meta.url), 'utf8');

describe('parseTasklist', () => {
  const names = parseTasklist(TASKLIST);

  it('maps every PID to its image name, spaces and quoted commas included', () => {
    expect(names.size).toBe(12);
    expect(names.get(0)).toBe('System Idle Process');
    expect(names.get(4)).toBe('System');
    expect(names.get(9128)).toBe('Docker Desktop.exe');
    expect(names.get(11872)).toBe('chrome.exe');
  });

  it('skips blank, informational and malformed lines', () => {
    const text = '\r\nINFO: No tasks are running which match the specified criteria.\r\n"a.exe","x","S","0","1 K"\r\n"b ""q"".exe","7","S","0","1,024 K"\r\n"c.exe"\r\n';
    expect([...parseTasklist(text)]).toEqual([[7, 'b "q".exe']]);
    expect(parseTasklist('').size).toBe(0);
  });
});

describe('parseNetstat', () => {
  const rows = parseNetstat(NETSTAT, parseTasklist(TASKLIST));
  const find = (proto: string, local: string, port: number, remotePort?: number) =>
    rows.filter((r) => r.proto === proto && r.localAddress === local && r.localPort === port && (remotePort === undefined || r.remotePort === remotePort));

  it('reads every socket line and skips the title and headers', () => {
    expect(rows).toHaveLength(28);
    expect(rows.filter((r) => r.proto === 'tcp')).toHaveLength(14);
    expect(rows.filter((r) => r.proto === 'tcp6')).toHaveLength(6);
    expect(rows.filter((r) => r.proto === 'udp')).toHaveLength(5);
    expect(rows.filter((r) => r.proto === 'udp6')).toHaveLength(3);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
  });

  it('reads a listener field by field', () => {
    expect(rows[0]).toEqual({
      id: 'tcp#1044|0.0.0.0|135|0.0.0.0|0',
      proto: 'tcp',
      localAddress: '0.0.0.0',
      localPort: 135,
      remoteAddress: '0.0.0.0',
      remotePort: 0,
      state: 'LISTEN',
      pid: 1044,
      process: 'svchost.exe',
      rxQueue: 0,
      txQueue: 0,
    });
    expect(find('tcp6', '::', 135)[0]).toMatchObject({ remoteAddress: '::', remotePort: 0, state: 'LISTEN', pid: 1044 });
  });

  it('maps Windows state names to the Linux ones', () => {
    const states = Object.fromEntries(rows.filter((r) => r.remoteAddress === '93.184.216.34' || r.remotePort === 443).map((r) => [r.localPort, r.state]));
    expect(states).toEqual({ 52044: 'ESTABLISHED', 52118: 'CLOSE_WAIT', 52140: 'SYN_SENT', 52160: 'FIN_WAIT2', 52161: 'FIN_WAIT1', 52170: 'LAST_ACK' });
  });

  it('gives TIME_WAIT sockets (PID 0) no owner and an id from their endpoints', () => {
    expect(find('tcp', '127.0.0.1', 52310)[0]).toEqual({
      id: 'tcp|127.0.0.1|52310|127.0.0.1|5432',
      proto: 'tcp',
      localAddress: '127.0.0.1',
      localPort: 52310,
      remoteAddress: '127.0.0.1',
      remotePort: 5432,
      state: 'TIME_WAIT',
      rxQueue: 0,
      txQueue: 0,
    });
  });

  it('reads UDP sockets as UNCONN with "*:*" as the unspecified address of their family', () => {
    const [first, second] = find('udp', '0.0.0.0', 5353);
    expect(first).toEqual({
      id: 'udp#2168|0.0.0.0|5353|0.0.0.0|0',
      proto: 'udp',
      localAddress: '0.0.0.0',
      localPort: 5353,
      remoteAddress: '0.0.0.0',
      remotePort: 0,
      state: 'UNCONN',
      pid: 2168,
      process: 'svchost.exe',
      rxQueue: 0,
      txQueue: 0,
    });
    // The same process bound twice to the same endpoint: still two rows, two ids.
    expect(second?.id).toBe('udp#2168|0.0.0.0|5353|0.0.0.0|0#2');
    expect(find('udp6', '::', 5353)[0]).toMatchObject({ remoteAddress: '::', remotePort: 0, state: 'UNCONN' });
    expect(find('udp6', 'fe80::5d1c:2a7b:9e3f:41c0%12', 1900)[0]).toMatchObject({ pid: 5012, process: 'svchost.exe' });
    expect(find('udp', '192.168.1.40', 137)[0]).toMatchObject({ pid: 4, process: 'System' });
  });

  it('links loopback pairs (IPv4 and IPv6) and leaves other connections alone', () => {
    const [pg] = find('tcp', '127.0.0.1', 5432, 52301);
    const [docker] = find('tcp', '127.0.0.1', 52301);
    expect(pg).toMatchObject({ pid: 3712, process: 'postgres.exe', pairId: docker!.id });
    expect(docker).toMatchObject({ pid: 9128, process: 'Docker Desktop.exe', pairId: pg!.id });
    const [rpc] = find('tcp6', '::1', 49664, 52400);
    const [node] = find('tcp6', '::1', 52400);
    expect(rpc!.pairId).toBe(node!.id);
    expect(node).toMatchObject({ process: 'node.exe', pairId: rpc!.id });
    expect(rows.filter((r) => r.pairId)).toHaveLength(4);
    expect(find('tcp6', 'fe80::5d1c:2a7b:9e3f:41c0%12', 52500)[0]).toMatchObject({ remoteAddress: 'fe80::1%12', remotePort: 445, state: 'ESTABLISHED' });
  });

  it('reads LF output the same, and rows without names when tasklist gave none', () => {
    expect(parseNetstat(NETSTAT.replaceAll('\r\n', '\n'), parseTasklist(TASKLIST))).toEqual(rows);
    const bare = parseNetstat(NETSTAT);
    expect(bare).toHaveLength(28);
    expect(bare[0]).toMatchObject({ pid: 1044 });
    expect(bare.some((r) => r.process !== undefined)).toBe(false);
  });

  it('recognises lines by shape on localized Windows', () => {
    const german = [
      '',
      'Aktive Verbindungen',
      '',
      '  Proto  Lokale Adresse         Remoteadresse          Status           PID',
      '  TCP    0.0.0.0:135            0.0.0.0:0              ABHÖREN         1044',
      '  TCP    127.0.0.1:5432         127.0.0.1:52301        HERGESTELLT     3712',
      '  UDP    0.0.0.0:5353           *:*                                    2168',
    ].join('\r\n');
    expect(parseNetstat(german).map((r) => `${r.proto} ${r.localPort} ${r.state} ${r.pid}`)).toEqual([
      'tcp 135 LISTEN 1044',
      'tcp 5432 HERGESTELLT 3712',
      'udp 5353 UNCONN 2168',
    ]);
  });

  it('gives nothing for empty output and skips garbage', () => {
    expect(parseNetstat('')).toEqual([]);
    const junk = [
      'TCP',
      'TCP 1.2.3.4:80 5.6.7.8:9 ESTABLISHED', // no PID
      'TCP 1.2.3.4:80 5.6.7.8:9 ESTABLISHED abc',
      'TCP 1.2.3.4 5.6.7.8:9 ESTABLISHED 5', // no port
      'UDP 1.2.3.4:80 5', // no remote
      'Can not obtain ownership information',
      'ICMP 1.2.3.4:0 *:* 5',
    ].join('\r\n');
    expect(parseNetstat(junk)).toEqual([]);
  });
});

describe('NetstatSocketProvider', () => {
  const ok = (stdout: string): CommandResult => ({ stdout, stderr: '', exitCode: 0 });

  function fakeWindows(tasklist: CommandResult | Error = ok(TASKLIST)) {
    const calls: string[] = [];
    const run: CommandRunner = async (file, args) => {
      calls.push(`${file} ${args.join(' ')}`);
      if (file === 'netstat') return ok(NETSTAT);
      if (tasklist instanceof Error) throw tasklist;
      return tasklist;
    };
    return { run, calls };
  }

  it('runs netstat -ano, names the PIDs with tasklist and keeps the names between ticks', async () => {
    let now = 1_000_000;
    const { run, calls } = fakeWindows();
    const provider = new NetstatSocketProvider(run, () => now);
    expect(provider.source).toBe('netstat');
    const first = await provider.read();
    expect(first.rows).toHaveLength(28);
    expect(first.hiddenOwners).toBe(0);
    expect(first.rows[0]!.process).toBe('svchost.exe');
    expect(calls).toEqual(['netstat -ano', 'tasklist /fo csv /nh']);
    now += 5_000;
    await provider.read();
    expect(calls).toHaveLength(3); // every PID already had a name
    now += 6_000;
    await provider.read();
    expect(calls.slice(3)).toEqual(['netstat -ano', 'tasklist /fo csv /nh']); // names are refreshed every 10 s
  });

  it('keeps the table, without names, when tasklist fails', async () => {
    const reading = await new NetstatSocketProvider(fakeWindows(Object.assign(new Error('spawn tasklist ENOENT'), { code: 'ENOENT' })).run).read();
    expect(reading.rows).toHaveLength(28);
    expect(reading.rows.some((r) => r.process !== undefined)).toBe(false);
  });

  it('explains netstat failures', async () => {
    const failing = (error: Error | CommandResult) =>
      new NetstatSocketProvider(async () => {
        if (error instanceof Error) throw error;
        return error;
      }).read();
    await expect(failing(Object.assign(new Error('spawn netstat ENOENT'), { code: 'ENOENT' }))).rejects.toThrow(/netstat was not found.*System32/);
    await expect(failing({ stdout: '', stderr: 'The requested operation requires elevation.', exitCode: 1 })).rejects.toThrow(
      'netstat -ano failed (exit code 1): The requested operation requires elevation.',
    );
  });
});
