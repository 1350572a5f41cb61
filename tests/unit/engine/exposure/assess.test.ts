/** The exposure chain per socket: bind scope, firewall verdicts, router mapping, verdict and reasons. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Mapping, SocketRow } from '../../../../src-main/contract/index.js';
import { assessExposure, bindScope, type ExposureInputs, type InterfaceAddress } from '../../../../src-main/engine/exposure/assess.js';
import { interfaceAddresses } from '../../../../src-main/engine/exposure/host.js';
import { parseNftJson } from '../../../../src-main/engine/exposure/nft-json.js';

const IFACES: InterfaceAddress[] = [
  { name: 'lo', address: '127.0.0.1', family: 4, prefix: 8, internal: true },
  { name: 'lo', address: '::1', family: 6, prefix: 128, internal: true },
  { name: 'eth0', address: '192.168.1.10', family: 4, prefix: 24, internal: false },
  { name: 'eth0', address: 'fe80::10', family: 6, prefix: 64, internal: false },
  { name: 'docker0', address: '172.17.0.1', family: 4, prefix: 16, internal: false },
];
const row = (proto: SocketRow['proto'], localAddress: string, localPort: number, extra: Partial<SocketRow> = {}): SocketRow => ({
  id: `${proto}:${localAddress}:${localPort}`,
  proto,
  localAddress,
  localPort,
  remoteAddress: proto.endsWith('6') ? '::' : '0.0.0.0',
  remotePort: 0,
  state: proto.startsWith('tcp') ? 'LISTEN' : 'UNCONN',
  rxQueue: 0,
  txQueue: 0,
  pid: 812,
  process: 'nginx',
  ...extra,
});
const mapping = (internalHost: string, internalPort: number, externalPort = internalPort): Mapping => ({
  id: `tcp:${externalPort}`,
  protocol: 'tcp',
  externalPort,
  internalHost,
  internalPort,
  leaseSeconds: 3600,
  description: 'test',
  via: 'upnp',
  state: 'active',
  ownedByPortolan: false,
});
const ruleset = parseNftJson(readFileSync(path.join(__dirname, 'fixtures', 'nft-native.json'), 'utf8'));
const inputs = (rows: SocketRow[], extra: Partial<ExposureInputs> = {}): ExposureInputs => ({
  rows,
  interfaces: IFACES,
  firewall: { ok: true, ruleset, notes: [] },
  router: { ok: true, mappings: [], asked: true },
  ...extra,
});
const one = (r: SocketRow, extra: Partial<ExposureInputs> = {}) => assessExposure(inputs([r], extra))[0]!;

describe('bind scope', () => {
  it('tells loopback, one interface and every interface apart, with v4-mapped and dual-stack addresses', () => {
    expect(bindScope(row('tcp', '127.0.0.53', 53), IFACES).bind).toBe('loopback');
    expect(bindScope(row('tcp6', '::ffff:127.0.0.1', 80), IFACES).bind).toBe('loopback');
    const eth = bindScope(row('tcp6', '::ffff:192.168.1.10', 80), IFACES);
    expect(eth).toMatchObject({ bind: 'interface', text: 'one interface: eth0 (192.168.1.10)' });
    expect(eth.entries.map((e) => e.daddr)).toEqual(['192.168.1.10']);
    const any4 = bindScope(row('tcp', '0.0.0.0', 80), IFACES);
    expect(any4.entries.map((e) => `${e.iface.name}/${e.daddr}`)).toEqual(['eth0/192.168.1.10', 'docker0/172.17.0.1']);
    const dual = bindScope(row('tcp6', '::', 80), IFACES);
    expect(dual.text).toMatch(/IPv6 and IPv4/);
    expect(dual.entries.map((e) => e.daddr)).toEqual(['192.168.1.10', 'fe80::10', '172.17.0.1']);
    expect(bindScope(row('tcp6', '::', 80), IFACES, true).entries.map((e) => e.daddr)).toEqual(['fe80::10']);
    expect(bindScope(row('tcp', '10.9.9.9', 80), IFACES)).toMatchObject({ bind: 'interface', entries: [], text: expect.stringMatching(/no interface holds/) });
  });

  it('reads prefix lengths from os.networkInterfaces()', () => {
    const got = interfaceAddresses({ eth0: [{ address: '192.168.1.10', netmask: '255.255.255.0', family: 'IPv4', mac: '', internal: false, cidr: '192.168.1.10/24' }] });
    expect(got).toEqual([{ name: 'eth0', address: '192.168.1.10', family: 4, prefix: 24, internal: false }]);
  });
});

describe('assessExposure', () => {
  it('loopback: only this machine, whatever the firewall', () => {
    const e = one(row('tcp', '127.0.0.1', 6379, { process: 'redis-server', pid: 99 }));
    expect(e).toMatchObject({ bind: 'loopback', reachableFrom: 'machine', router: null, interfaces: [] });
    expect(e.reasons[0]).toBe('Bind: loopback only (127.0.0.1): no other machine can connect; held by redis-server (pid 99).');
  });

  it('every interface, allowed by a rule: this network, with the rule in the reasons', () => {
    const e = one(row('tcp', '0.0.0.0', 443));
    expect(e).toMatchObject({ bind: 'any', reachableFrom: 'lan', firewall: { lan: 'allow', internet: 'allow', rule: expect.stringContaining('@web_ports') } });
    expect(e.reasons).toEqual([
      'Bind: every IPv4 interface (0.0.0.0): eth0, docker0; held by nginx (pid 812).',
      expect.stringMatching(/^Firewall, from this network \(eth0\): Allowed by rule 7/),
      expect.stringMatching(/^Firewall, from the internet: Allowed by rule 7/),
      'Router: no mapping forwards tcp/443 to this machine.',
      'Verdict: this network.',
    ]);
  });

  it('dropped by the policy: only this machine; open on one interface only: this network through it', () => {
    expect(one(row('tcp', '0.0.0.0', 12345))).toMatchObject({ reachableFrom: 'machine', firewall: { lan: 'drop', rule: 'policy drop of inet filter input' } });
    // 5432 is accepted only from docker0.
    const pg = one(row('tcp', '0.0.0.0', 5432));
    expect(pg).toMatchObject({ reachableFrom: 'lan', firewall: { lan: 'allow' } });
    expect(pg.reasons[1]).toMatch(/^Firewall, from this network \(docker0\)/);
  });

  it('a router mapping to an allowed port: the internet, through the mapping', () => {
    const e = one(row('tcp', '0.0.0.0', 443), { router: { ok: true, mappings: [mapping('192.168.1.10', 443, 8443)], asked: true } });
    expect(e).toMatchObject({ reachableFrom: 'internet', router: { id: 'tcp:8443', mapping: 'tcp 8443 -> 192.168.1.10:443 via UPnP IGD' } });
    expect(e.reasons.at(-1)).toBe('Verdict: the internet (through router mapping tcp 8443 -> 192.168.1.10:443 via UPnP IGD).');
  });

  it('a mapping to a port the firewall drops from the internet stays on this network; a mapping to another host does not count', () => {
    expect(one(row('tcp', '0.0.0.0', 8080), { router: { ok: true, mappings: [mapping('192.168.1.10', 8080)], asked: true } })).toMatchObject({ reachableFrom: 'lan', firewall: { internet: 'drop' } });
    expect(one(row('tcp', '0.0.0.0', 443), { router: { ok: true, mappings: [mapping('192.168.1.11', 443)], asked: true } })).toMatchObject({ reachableFrom: 'lan', router: null });
    // A socket on one interface is not reached by a mapping to another of this machine's addresses.
    expect(one(row('tcp', '172.17.0.1', 443), { router: { ok: true, mappings: [mapping('192.168.1.10', 443)], asked: true } }).router).toBeNull();
  });

  it("judges the internet at the interface the router's mapping forwards to, not at the most open one", () => {
    // 5432 is accepted only from docker0; the mapping forwards to eth0's address, where it is dropped.
    const e = one(row('tcp', '0.0.0.0', 5432), { router: { ok: true, mappings: [mapping('192.168.1.10', 5432)], asked: true } });
    expect(e).toMatchObject({ reachableFrom: 'lan', firewall: { lan: 'allow', internet: 'drop', internetRule: 'policy drop of inet filter input' } });
    expect(e.reasons[2]).toBe('Firewall, from the internet (eth0): Dropped (no answer) by policy drop of inet filter input.');
  });

  it('says when a mapping is only as last listed', () => {
    const e = one(row('tcp', '0.0.0.0', 443), { router: { ok: true, mappings: [mapping('192.168.1.10', 443)], asked: false } });
    expect(e.reasons[3]).toBe('Router: mapping tcp 443 -> 192.168.1.10:443 via UPnP IGD forwards the internet to it (as last listed).');
  });

  it('a public address on an interface: the internet directly', () => {
    const e = one(row('tcp', '0.0.0.0', 443), { interfaces: [...IFACES, { name: 'wan0', address: '81.2.69.160', family: 4, prefix: 28, internal: false }] });
    expect(e.reachableFrom).toBe('internet');
    expect(e.reasons.at(-1)).toBe('Verdict: the internet (this machine has the public address 81.2.69.160).');
  });

  it('unknown, with why: a rule that depends on the sender, or a firewall it cannot read', () => {
    const ssh = one(row('tcp', '192.168.1.10', 22));
    expect(ssh).toMatchObject({ reachableFrom: 'unknown', firewall: { lan: 'unknown', internet: 'drop' } });
    expect(ssh.reasons.at(-1)).toMatch(/^Verdict: unknown: Depends on the sender/);
    const unread = one(row('udp', '0.0.0.0', 53), { firewall: { ok: false, reason: 'reading the firewall needs root' }, router: { ok: false, reason: 'no router answered' } });
    expect(unread).toMatchObject({ reachableFrom: 'unknown', firewall: { lan: 'unknown', internet: 'unknown' } });
    expect(unread.reasons).toContain('Firewall: Unknown: reading the firewall needs root.');
    expect(unread.reasons).toContain('Router: mappings not known (no router answered).');
  });

  it('lists only listening sockets, sorted by port', () => {
    const established = row('tcp', '192.168.1.10', 22, { state: 'ESTABLISHED', remoteAddress: '192.168.1.5', remotePort: 5000 });
    const got = assessExposure(inputs([row('udp', '0.0.0.0', 53), established, row('tcp', '127.0.0.1', 25)]));
    expect(got.map((e) => `${e.protocol}/${e.port}`)).toEqual(['tcp/25', 'udp/53']);
  });
});
