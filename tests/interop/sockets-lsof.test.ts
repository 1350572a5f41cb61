/**
 * The lsof provider (what Portolan uses on macOS) run against the real lsof of this machine and
 * compared with the /proc provider: the parser meets lsof's actual field output, not only the
 * fixtures, and both providers name the same process for the same sockets.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import dgram from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import type { SocketRow } from '../../src-main/contract/index.js';
import { LsofSocketProvider } from '../../src-main/engine/sockets/command-provider.js';
import { LinuxSocketProvider } from '../../src-main/engine/sockets/linux-provider.js';
import { freePort, missingPrerequisite, waitFor } from './helpers.js';

const skipReason = process.platform !== 'linux' ? 'not Linux' : missingPrerequisite(['lsof', 'socat']);
if (skipReason) console.warn(`[interop] skipped sockets-lsof: ${skipReason}`);

const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const c of cleanups.reverse()) c();
});

const find = (rows: SocketRow[], pred: (r: SocketRow) => boolean) => rows.filter(pred);

describe.skipIf(!!skipReason)('the lsof provider against the real lsof', () => {
  it('sees a socat listener, a loopback socket pair and a UDP socket as /proc does, with the same owners', async () => {
    const tcpPort = await freePort();
    const socat: ChildProcess = spawn('socat', [`TCP-LISTEN:${tcpPort},bind=127.0.0.1,reuseaddr,fork`, 'SYSTEM:cat'], { stdio: 'ignore' });
    cleanups.push(() => socat.kill('SIGKILL'));
    const proc = new LinuxSocketProvider();
    await waitFor(async () => (await proc.read()).rows.some((r) => r.localPort === tcpPort && r.state === 'LISTEN'));

    // A connection from this process: a socket pair whose two halves have different owners.
    const client = net.connect(tcpPort, '127.0.0.1');
    cleanups.push(() => client.destroy());
    await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
    const udp = dgram.createSocket('udp6');
    cleanups.push(() => udp.close());
    await new Promise<void>((resolve) => udp.bind(0, '::1', resolve));
    const udpPort = udp.address().port;
    const clientPort = client.localPort!;
    // socat forks a child for the connection: wait until /proc shows the accepted half.
    await waitFor(async () => (await proc.read()).rows.some((r) => r.localPort === tcpPort && r.remotePort === clientPort));

    const [fromLsof, fromProc] = await Promise.all([new LsofSocketProvider().read(), proc.read()]);

    for (const rows of [fromLsof.rows, fromProc.rows]) {
      const listener = find(rows, (r) => r.proto === 'tcp' && r.localPort === tcpPort && r.state === 'LISTEN');
      expect(listener).toHaveLength(1);
      expect(listener[0]!.localAddress).toBe('127.0.0.1');
      expect(listener[0]!.process).toBe('socat');
      expect(listener[0]!.pid).toBe(socat.pid);

      const ours = find(rows, (r) => r.proto === 'tcp' && r.localPort === clientPort && r.remotePort === tcpPort);
      expect(ours).toHaveLength(1);
      expect(ours[0]!.state).toBe('ESTABLISHED');
      expect(ours[0]!.pid).toBe(process.pid);

      const accepted = find(rows, (r) => r.proto === 'tcp' && r.localPort === tcpPort && r.remotePort === clientPort);
      expect(accepted.length).toBeGreaterThanOrEqual(1);
      expect(accepted.every((r) => r.state === 'ESTABLISHED' && r.process === 'socat')).toBe(true);

      const udpRow = find(rows, (r) => r.proto === 'udp6' && r.localPort === udpPort);
      expect(udpRow).toHaveLength(1);
      expect(udpRow[0]!.localAddress).toBe('::1');
      expect(udpRow[0]!.pid).toBe(process.pid);
    }

    // Every TCP listener lsof reports, /proc reports too (lsof sees only what it may; as root, all).
    const key = (r: SocketRow) => `${r.proto}|${r.localAddress}|${r.localPort}|${r.pid ?? '?'}`;
    const procListeners = new Set(fromProc.rows.filter((r) => r.state === 'LISTEN').map(key));
    const lsofListeners = fromLsof.rows.filter((r) => r.state === 'LISTEN').map(key);
    expect(lsofListeners.length).toBeGreaterThan(0);
    for (const k of lsofListeners) expect(procListeners.has(k), `lsof lists ${k}`).toBe(true);
  });
});
