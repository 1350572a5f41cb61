import { describe, expect, it } from 'vitest';
import { pairRows } from '../../src-main/contract/socket-pairs.js';
import { buildGraph, edgePath, edgeWidth, graphPlaceOf, hostNetwork, placeNodes } from '../../src-renderer/src/lib/sockets/graph.js';
import { decodeOptions, encodeOptions, DEFAULT_OPTIONS } from '../../src-renderer/src/lib/sockets/options.js';
import { listenerWithPair, row } from './socket-rows.js';

describe('the who-talks-to-whom graph', () => {
  // curl(20) -> srv(10) twice on this machine, srv(10) -> 192.0.2.9:443 once, ssh(30) -> 192.0.2.9:22 idle.
  const a = listenerWithPair(8080, 51000);
  const b = listenerWithPair(8080, 51001);
  const out = row({ localPort: 40000, remotePort: 443, remoteAddress: '192.0.2.9', pid: 10, process: 'srv' });
  const ssh = row({ localPort: 40001, remotePort: 22, remoteAddress: '::ffff:192.0.2.9', proto: 'tcp6', localAddress: '::ffff:127.0.0.1', pid: 30, process: 'ssh' });
  const { pairs } = pairRows([a.listener, a.server, a.client, b.server, b.client, out, ssh]);
  const rates: Record<string, number> = { [a.client.id]: 100, [b.client.id]: 50, [a.server.id]: 100, [out.id]: 10 };
  const rateOf = (id: string) => rates[id] ?? 0;

  it('makes one edge per pair of nodes, weighted by the client side only, holding its pairs and sockets', () => {
    const g = buildGraph(pairs, rateOf, { hideIdle: false, maxProcesses: 10 });
    expect(g.nodes.map((n) => [n.id, n.label, n.rate])).toEqual([
      ['pid:10', 'srv (10)', 160],
      ['pid:20', 'curl (20)', 150],
      ['host:192.0.2.9', '192.0.2.9', 10],
      ['pid:30', 'ssh (30)', 0],
    ]);
    expect(g.edges.map((e) => [e.id, e.rate, e.pairIds.length])).toEqual([
      ['pid:20>pid:10', 150, 2],
      ['pid:10>host:192.0.2.9', 10, 1],
      ['pid:30>host:192.0.2.9', 0, 1],
    ]);
    expect(g.edges[0]!.socketIds.sort()).toEqual([a.client.id, a.server.id, b.client.id, b.server.id].sort());
  });

  it("finds a socket's edge (either end here), else its process's node by pid or, merged, by name", () => {
    const g = buildGraph(pairs, rateOf, { hideIdle: false, maxProcesses: 10 });
    expect(graphPlaceOf(g, b.server.id).edge?.id).toBe('pid:20>pid:10');
    expect(graphPlaceOf(g, out.id).edge?.id).toBe('pid:10>host:192.0.2.9');
    expect(graphPlaceOf(g, a.listener.id, a.listener)).toEqual({ node: 'pid:10' });
    expect(graphPlaceOf(g, 'tcp#none', { pid: 99, process: 'srv' })).toEqual({ node: undefined });
    expect(graphPlaceOf(g, 'tcp#none', {})).toEqual({});
    const merged = buildGraph(pairRows([11, 12, 13].map((pid, i) => row({ localPort: 42000 + i, remotePort: 443, remoteAddress: '192.0.2.7', pid, process: 'worker' }))).pairs, () => 1, {
      hideIdle: false,
      maxProcesses: 2,
    });
    expect(graphPlaceOf(merged, 'tcp#listener', { pid: 12, process: 'worker' })).toEqual({ node: 'name:worker' });
  });

  it('hides idle edges and the nodes they leave alone; merges processes by name past the limit', () => {
    const busy = buildGraph(pairs, rateOf, { hideIdle: true, maxProcesses: 10 });
    expect(busy.nodes.map((n) => n.id)).not.toContain('pid:30');
    expect(busy.edges).toHaveLength(2);
    const many = [11, 12, 13].map((pid, i) => row({ localPort: 41000 + i, remotePort: 443, remoteAddress: '192.0.2.7', pid, process: 'worker' }));
    const clustered = buildGraph(pairRows(many).pairs, () => 1, { hideIdle: false, maxProcesses: 2 });
    expect(clustered.nodes.map((n) => [n.id, n.label, n.rate])).toEqual([
      ['host:192.0.2.7', '192.0.2.7', 3],
      ['name:worker', 'worker', 3],
    ]);
    expect(clustered.edges.map((e) => [e.id, e.pairIds.length])).toEqual([['name:worker>host:192.0.2.7', 3]]);
  });
});

describe('drawing the graph', () => {
  it('puts processes on the left, hosts on the right, busiest first, at most `limit` a side', () => {
    const nodes = [
      { id: 'pid:1', kind: 'process' as const, label: 'a', rate: 9 },
      { id: 'host:x', kind: 'host' as const, label: 'x', rate: 5 },
      { id: 'pid:2', kind: 'process' as const, label: 'b', rate: 1 },
      { id: 'pid:3', kind: 'process' as const, label: 'c', rate: 0 },
    ];
    expect(placeNodes(nodes, 1000, 30, 2).map((n) => [n.id, n.x, n.y])).toEqual([
      ['pid:1', 280, 15],
      ['pid:2', 280, 45],
      ['host:x', 720, 15],
    ]);
  });

  it('bows an edge between two processes to the right, loops a process to itself, and widens edges with the log of their rate', () => {
    expect(edgePath({ x: 100, y: 0 }, { x: 300, y: 40 })).toBe('M 100 0 C 200 0, 200 40, 300 40');
    expect(edgePath({ x: 100, y: 0 }, { x: 100, y: 40 })).toBe('M 100 0 C 150 0, 150 40, 100 40');
    expect(edgePath({ x: 100, y: 50 }, { x: 100, y: 50 })).toBe('M 100 50 C 160 24, 160 76, 100 50');
    expect(edgeWidth(0)).toBe(1);
    expect(edgeWidth(1000)).toBeGreaterThan(edgeWidth(10));
    expect(edgeWidth(1e12)).toBe(8);
  });

  it('remembers Graph mode with the other view options', () => {
    const o = { ...DEFAULT_OPTIONS, mode: 'graph' as const };
    expect(encodeOptions(o)).toBe('mode:graph');
    expect(decodeOptions('mode:graph').mode).toBe('graph');
  });

  it('stays readable with 300 pairs: processes cluster by name, remote hosts by network, idle edges hidden', () => {
    // 30 processes of 3 names, each with 10 connections to 60 remote hosts in 3 networks; every third idle.
    const names = ['nginx', 'postgres', 'node'];
    const rows = [];
    const rates: Record<string, number> = {};
    for (let i = 0; i < 300; i++) {
      const pid = 100 + (i % 30);
      const net = ['192.0.2', '198.51.100', '203.0.113'][i % 3]!;
      const r = row({ localPort: 30000 + i, remotePort: 443, remoteAddress: `${net}.${1 + (i % 20)}`, pid, process: names[pid % 3] });
      rows.push(r);
      if (i % 3 !== 1) rates[r.id] = 1000 + i;
    }
    const { pairs: many } = pairRows(rows);
    expect(many).toHaveLength(300);
    const rate = (id: string) => rates[id] ?? 0;

    const plain = buildGraph(many, rate, { hideIdle: false, maxProcesses: 1000 });
    expect(plain.nodes.filter((n) => n.kind === 'process')).toHaveLength(30);
    expect(plain.nodes.filter((n) => n.kind === 'host')).toHaveLength(60);

    const g = buildGraph(many, rate, { hideIdle: false, maxProcesses: 10, maxHosts: 40 });
    expect(g.nodes.filter((n) => n.kind === 'process').map((n) => n.label).sort()).toEqual(['nginx', 'node', 'postgres']);
    expect(g.nodes.filter((n) => n.kind === 'host').map((n) => n.label).sort()).toEqual(['192.0.2.0/24 (20 hosts)', '198.51.100.0/24 (20 hosts)', '203.0.113.0/24 (20 hosts)']);
    // pid % 3 picks the name and i % 3 the network, and 30 is a multiple of 3: each name talks to one network.
    expect(g.edges).toHaveLength(3);
    expect(g.edges.reduce((n, e) => n + e.pairIds.length, 0)).toBe(300);

    const busy = buildGraph(many, rate, { hideIdle: true, maxProcesses: 10, maxHosts: 40 });
    expect(busy.edges.reduce((n, e) => n + e.pairIds.length, 0)).toBe(200);
    // The idle third is the one name and network whose every pair is idle (i % 3 === 1).
    expect(busy.edges).toHaveLength(2);
    expect(busy.nodes).toHaveLength(4);
  });

  it('names the network of a remote host: IPv4 /24, IPv6 /64, IPv4-mapped as IPv4', () => {
    expect(hostNetwork('192.0.2.77')).toBe('192.0.2.0/24');
    expect(hostNetwork('::ffff:198.51.100.9')).toBe('198.51.100.0/24');
    expect(hostNetwork('2001:db8:0:1:abcd::9')).toBe('2001:db8:0:1::/64');
  });
});

