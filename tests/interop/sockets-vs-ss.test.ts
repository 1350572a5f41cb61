/**
 * The engine's view of this machine's sockets checked against the standard tools: the holder of a
 * port bound by socat is named "socat", and the listeners read from /proc match `ss -ltn`/`-lun`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { checkBind } from '../../src-main/engine/sockets/bind-check.js';
import { parseProcNet } from '../../src-main/engine/sockets/proc-net.js';
import { freePort, missingPrerequisite, waitFor } from './helpers.js';

const skipReason = missingPrerequisite(['socat', 'ss']);
if (skipReason) console.warn(`[interop] skipped sockets-vs-ss: ${skipReason}`);

const peers: ChildProcess[] = [];
afterAll(() => {
  for (const p of peers) p.kill('SIGKILL');
});

function listeningOn(port: number, proto: 'tcp' | 'udp'): boolean {
  const out = spawnSync('ss', ['-Hn', proto === 'tcp' ? '-lt' : '-lu', `sport = :${port}`], { encoding: 'utf8' }).stdout;
  return out.trim().length > 0;
}

/** "addr:port" keys of listening sockets as ss prints them, normalized to the engine's spelling. */
function ssListeners(proto: 'tcp' | 'udp'): Set<string> {
  const out = spawnSync('ss', ['-Hn', proto === 'tcp' ? '-lt' : '-lua'], { encoding: 'utf8' }).stdout;
  const keys = new Set<string>();
  for (const line of out.trim().split('\n').filter(Boolean)) {
    const local = line.trim().split(/\s+/)[3]!;
    const at = local.lastIndexOf(':');
    let addr = local.slice(0, at).replace(/^\[|\]$/g, '').replace(/%.*$/, '');
    if (addr === '*') addr = '0.0.0.0|::';
    keys.add(`${addr}:${local.slice(at + 1)}`);
  }
  return keys;
}

function procListeners(proto: 'tcp' | 'udp'): Set<string> {
  const keys = new Set<string>();
  for (const family of ['', '6']) {
    const rows = parseProcNet(readFileSync(`/proc/net/${proto}${family}`, 'utf8'), proto);
    for (const r of rows) {
      if (proto === 'tcp' && r.state !== 'LISTEN') continue;
      if (proto === 'udp' && r.state !== 'UNCONN') continue;
      keys.add(`${r.localAddress}:${r.localPort}`);
    }
  }
  return keys;
}

describe.skipIf(!!skipReason)('sockets against socat and ss', () => {
  it('names socat as the holder of a TCP port it listens on', async () => {
    const port = await freePort();
    peers.push(spawn('socat', [`TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`, 'SYSTEM:cat'], { stdio: 'ignore' }));
    await waitFor(() => listeningOn(port, 'tcp'));
    const result = await checkBind({ port, protocol: 'tcp', host: '127.0.0.1' });
    expect(result.status).toBe('in-use');
    expect(result.holder?.process).toBe('socat');
    expect(result.message).toMatch(/in use by socat \(pid \d+\)/);
  });

  it('names socat as the holder of a UDP port it is bound to', async () => {
    const port = await freePort();
    peers.push(spawn('socat', [`UDP-RECVFROM:${port},bind=127.0.0.1,fork`, 'SYSTEM:cat'], { stdio: 'ignore' }));
    await waitFor(() => listeningOn(port, 'udp'));
    const result = await checkBind({ port, protocol: 'udp', host: '127.0.0.1' });
    expect(result.status).toBe('in-use');
    expect(result.holder?.process).toBe('socat');
  });

  it.each(['tcp', 'udp'] as const)('reads the same %s listeners from /proc as ss shows', (proto) => {
    const fromSs = ssListeners(proto);
    const fromProc = procListeners(proto);
    // ss prints a dual-stack wildcard as "*"; accept either family's wildcard for it.
    for (const key of fromSs) {
      const [addr, port] = [key.slice(0, key.lastIndexOf(':')), key.slice(key.lastIndexOf(':') + 1)];
      const candidates = addr === '0.0.0.0|::' ? [`0.0.0.0:${port}`, `:::${port}`] : [key];
      expect(candidates.some((c) => fromProc.has(c)), `ss shows ${key}`).toBe(true);
    }
    expect(fromProc.size).toBeGreaterThanOrEqual(fromSs.size);
  });
});
