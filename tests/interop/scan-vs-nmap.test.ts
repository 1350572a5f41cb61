/**
 * Portolan's scanner against nmap on a host in a network namespace: the same state for every TCP
 * port 1-10000 as nmap -sT (on one thread and shared between worker threads), and for the probed
 * UDP ports as nmap -sU.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortScan } from '../../src-main/engine/scanner/port-scan.js';
import { missingPrerequisite } from './helpers.js';
import { HOST, UDP_PORTS, nmapStates, up, type ScanHostNs } from './scan-host.js';

const skipReason = missingPrerequisite(['nmap', 'nft', 'ip', 'socat']);
if (skipReason) console.warn(`[interop] skipped scan-vs-nmap: ${skipReason}`);

let host: ScanHostNs | undefined;
beforeAll(async () => {
  if (!skipReason) host = await up();
});
afterAll(async () => {
  await host?.down();
});

async function portolan(protocol: 'tcp' | 'udp', ports: number[], workers?: number): Promise<Map<number, string>> {
  const scan = new PortScan({ hosts: [{ target: HOST, address: HOST, addresses: [HOST] }], ports, protocol, timing: 4, ...(workers ? { workers } : {}) });
  if (workers) expect(scan.threads).toBe(workers);
  await scan.run();
  const states = new Map(ports.map((p) => [p, 'closed']));
  for (const r of scan.listResults()) states.set(r.port, r.state);
  return states;
}

const differences = (a: Map<number, string>, b: Map<number, string>) => [...a].filter(([p, s]) => b.get(p) !== s).map(([p, s]) => `${p}: portolan ${s}, nmap ${b.get(p)}`);

describe.skipIf(!!skipReason)('scanner against nmap', () => {
  it('gives every TCP port 1-10000 the state nmap -sT gives it', async () => {
    const ports = Array.from({ length: 10000 }, (_, i) => i + 1);
    const ours = await portolan('tcp', ports);
    const nmap = spawnSync('nmap', ['-n', '-Pn', '-sT', '-T4', '-p', '1-10000', '-oX', '-', HOST], { encoding: 'utf8' });
    expect(nmap.status, nmap.stderr).toBe(0);
    const theirs = nmapStates(nmap.stdout, ports);
    expect(differences(ours, theirs)).toEqual([]);
    expect([22, 80, 443, 1080].map((p) => ours.get(p))).toEqual(['open', 'open', 'open', 'open']);
    expect([135, 1433, 7050].map((p) => ours.get(p))).toEqual(['filtered', 'filtered', 'filtered']);
    // The same scan shared between two worker threads (as big scans are): the same states.
    const shared = await portolan('tcp', ports, 2);
    expect(differences(shared, theirs)).toEqual([]);
  }, 90000);

  it('gives the probed UDP ports the state nmap -sU gives them', async () => {
    const ours = await portolan('udp', UDP_PORTS);
    const nmap = spawnSync('nmap', ['-n', '-Pn', '-sU', '-T4', '-p', UDP_PORTS.join(','), '-oX', '-', HOST], { encoding: 'utf8' });
    expect(nmap.status, nmap.stderr).toBe(0);
    const theirs = nmapStates(nmap.stdout, UDP_PORTS);
    expect(differences(ours, theirs)).toEqual([]);
    expect([53, 69, 500, 123].map((p) => ours.get(p))).toEqual(['open', 'open|filtered', 'filtered', 'closed']);
  }, 60000);
});
