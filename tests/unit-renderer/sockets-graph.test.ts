import { describe, expect, it } from 'vitest';
import { pairRows } from '../../src-main/contract/socket-pairs.js';
import { buildGraph, edgePath, edgeWidth, placeNodes } from '../../src-renderer/src/lib/sockets/graph.js';
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
});
