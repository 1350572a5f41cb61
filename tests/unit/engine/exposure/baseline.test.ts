/** The attack surface over time: what the network reaches, and the changes since a baseline. */
import { describe, expect, it } from 'vitest';
import type { ExposureEntry, Reach } from '../../../../src-main/contract/index.js';
import { diffSurface, isAlert, surfaceOf } from '../../../../src-main/engine/exposure/baseline.js';

const entry = (protocol: 'tcp' | 'udp', address: string, port: number, reachableFrom: Reach, process = 'nginx'): ExposureEntry => ({
  id: `${protocol}:${address}:${port}`,
  protocol,
  address,
  port,
  pid: 100 + port,
  process,
  bind: address === '127.0.0.1' ? 'loopback' : 'any',
  interfaces: [],
  firewall: { lan: 'allow', internet: 'drop' },
  router: null,
  reachableFrom,
  reasons: [],
});

describe('surfaceOf', () => {
  it('keeps what the network reaches (this network, the internet, unknown), without pids', () => {
    const s = surfaceOf([entry('tcp', '127.0.0.1', 5432, 'machine'), entry('tcp', '0.0.0.0', 22, 'lan', 'sshd'), entry('udp', '::', 53, 'unknown', 'dnsmasq')]);
    expect(s).toEqual([
      { protocol: 'tcp', address: '0.0.0.0', port: 22, process: 'sshd', reachableFrom: 'lan' },
      { protocol: 'udp', address: '::', port: 53, process: 'dnsmasq', reachableFrom: 'unknown' },
    ]);
  });
});

describe('diffSurface', () => {
  const baseline = { at: 1, items: surfaceOf([entry('tcp', '0.0.0.0', 22, 'lan', 'sshd'), entry('tcp', '0.0.0.0', 80, 'internet'), entry('udp', '0.0.0.0', 53, 'lan', 'dnsmasq'), entry('tcp', '::', 8080, 'internet', 'node')]) };

  it('says nothing when the surface is the same (a new pid is not a change)', () => {
    expect(diffSurface(baseline, [entry('tcp', '0.0.0.0', 22, 'lan', 'sshd'), entry('tcp', '0.0.0.0', 80, 'internet'), entry('udp', '0.0.0.0', 53, 'lan', 'dnsmasq'), entry('tcp', '::', 8080, 'internet', 'node'), entry('tcp', '127.0.0.1', 6379, 'machine', 'redis')])).toEqual([]);
  });

  it('finds a new exposed port, a widened verdict, another program, a narrowed one and a closed one, alerts first', () => {
    const now = [
      entry('tcp', '0.0.0.0', 22, 'internet', 'sshd'), // widened: lan -> internet
      entry('tcp', '0.0.0.0', 80, 'lan'), // narrowed
      entry('udp', '0.0.0.0', 53, 'lan', 'evil'), // another program
      entry('tcp', '::', 8080, 'machine', 'node'), // closed to the network, still listening
      entry('tcp', '0.0.0.0', 6379, 'lan', 'redis'), // new
    ];
    const changes = diffSurface(baseline, now);
    expect(changes.map((c) => [c.kind, c.key])).toEqual([
      ['new', 'tcp|0.0.0.0|6379'],
      ['widened', 'tcp|0.0.0.0|22'],
      ['process', 'udp|0.0.0.0|53'],
      ['narrowed', 'tcp|0.0.0.0|80'],
      ['closed', 'tcp|::|8080'],
    ]);
    expect(changes.map(isAlert)).toEqual([true, true, true, false, false]);
    expect(changes[0]!.text).toBe('New: tcp 0.0.0.0:6379 (redis) is reachable from this network.');
    expect(changes[1]!.text).toBe('Widened: tcp 0.0.0.0:22 (sshd) was reachable from this network, now from the internet.');
    expect(changes[4]!.text).toBe('Closed: tcp [::]:8080 (node) is now reachable only from this machine (was the internet).');
  });

  it('counts a port that stopped listening as closed, and lan -> unknown as widened (unknown may be the internet)', () => {
    const changes = diffSurface(baseline, [entry('tcp', '0.0.0.0', 22, 'unknown', 'sshd'), entry('tcp', '0.0.0.0', 80, 'internet'), entry('udp', '0.0.0.0', 53, 'lan', 'dnsmasq')]);
    expect(changes.map((c) => [c.kind, c.key])).toEqual([
      ['widened', 'tcp|0.0.0.0|22'],
      ['closed', 'tcp|::|8080'],
    ]);
    expect(changes[1]!.text).toMatch(/no longer listens/);
  });

  it('the same port on another address is another exposure', () => {
    const changes = diffSurface(baseline, [entry('tcp', '0.0.0.0', 22, 'lan', 'sshd'), entry('tcp', '::', 22, 'lan', 'sshd'), entry('tcp', '0.0.0.0', 80, 'internet'), entry('udp', '0.0.0.0', 53, 'lan', 'dnsmasq'), entry('tcp', '::', 8080, 'internet', 'node')]);
    expect(changes.map((c) => [c.kind, c.key])).toEqual([['new', 'tcp|::|22']]);
  });
});
