import { describe, expect, it } from 'vitest';
import { groupLines, isHeader, listeningPorts, servicePort, type GroupHeader } from '../../src-renderer/src/lib/sockets/group.js';
import { addressKey, compareRows } from '../../src-renderer/src/lib/sockets/sort.js';
import type { Entry } from '../../src-renderer/src/lib/sockets/table.js';
import { listenerWithPair, noNames, row } from './socket-rows.js';

const entry = (r: ReturnType<typeof row>): Entry => ({ row: r, mark: null, markedAt: 0, seq: 0 });

describe('grouping', () => {
  const a = listenerWithPair(8080, 51000);
  const b = listenerWithPair(8080, 51001);
  const other = row({ localPort: 40000, remoteAddress: '192.0.2.1', remotePort: 443, pid: 30, process: 'browser' });
  const hidden = row({ localPort: 22 });
  delete hidden.pid;
  const rows = [a.listener, a.server, b.server, a.client, b.client, other, hidden];

  it('puts client halves of local pairs under the port they connect to', () => {
    const listening = listeningPorts(rows);
    expect([...listening].sort()).toEqual(['tcp|22', 'tcp|8080']);
    expect(servicePort(a.client, listening)).toBe(8080);
    expect(servicePort(a.server, listening)).toBe(8080);
    expect(servicePort(other, listening)).toBe(40000);
  });

  it('by port: one listening port, the connections it serves and their pairs', () => {
    const lines = groupLines(rows.map(entry), 'port', listeningPorts(rows), new Set(), (p) => (p === 8080 ? 'http-alt' : undefined));
    const headers = lines.filter(isHeader);
    expect(headers.map((h) => h.label)).toEqual(['22', '8080 · http-alt', '40000']);
    expect(headers[1]).toMatchObject({ count: 5, listening: 1, connections: 2, pairs: 2, port: 8080 } satisfies Partial<GroupHeader>);
    // Rows follow their header in their given order.
    expect(lines.slice(3, 8).map((l) => (isHeader(l) ? 'H' : l.row.localPort))).toEqual([8080, 8080, 8080, 51000, 51001]);
  });

  it('by process, owners not visible last; collapsed groups keep their header only', () => {
    const lines = groupLines(rows.map(entry), 'process', listeningPorts(rows), new Set(['process:20']));
    const headers = lines.filter(isHeader);
    expect(headers.map((h) => h.label)).toEqual(['browser (pid 30)', 'curl (pid 20)', 'srv (pid 10)', 'Owner not visible']);
    expect(headers[1]).toMatchObject({ count: 2, collapsed: true });
    expect(lines.length).toBe(4 + rows.length - 2);
  });

  it('counts closed rows out of the numbers but keeps them listed', () => {
    const entries = rows.map(entry);
    entries[1] = { ...entries[1]!, mark: 'removed' };
    const header = groupLines(entries, 'port', listeningPorts(rows), new Set()).filter(isHeader).find((h) => h.port === 8080)!;
    expect(header).toMatchObject({ count: 4, connections: 1 });
  });
});

describe('sorting', () => {
  it('orders addresses numerically (IPv4 first, IPv6 expanded)', () => {
    const list = ['10.0.0.2', '9.255.0.1', '::1', '10.0.0.10', 'fe80::1', '2001:db8::', '::ffff:8.8.8.8'];
    expect([...list].sort((x, y) => (addressKey(x) < addressKey(y) ? -1 : 1))).toEqual(['::ffff:8.8.8.8', '9.255.0.1', '10.0.0.2', '10.0.0.10', '::1', '2001:db8::', 'fe80::1']);
  });

  it('sorts by any column either way, missing values last, ties by id', () => {
    const r1 = row({ id: 'b', localPort: 2, pid: 7, process: 'Zed' });
    const r2 = row({ id: 'a', localPort: 2, pid: 3, process: 'apache' });
    const r3 = row({ id: 'c', localPort: 1 });
    const sort = (col: Parameters<typeof compareRows>[0], dir: 'asc' | 'desc') => [r1, r2, r3].sort(compareRows(col, dir, noNames)).map((r) => r.id);
    expect(sort('lport', 'asc')).toEqual(['c', 'a', 'b']);
    expect(sort('lport', 'desc')).toEqual(['a', 'b', 'c']);
    expect(sort('pid', 'asc')).toEqual(['a', 'b', 'c']);
    expect(sort('pid', 'desc')).toEqual(['b', 'a', 'c']);
    expect(sort('process', 'asc')).toEqual(['a', 'b', 'c']);
    const names = { serviceName: (p: number) => (p === 1 ? 'tcpmux' : undefined) };
    expect([r1, r2, r3].sort(compareRows('lservice', 'asc', names)).map((r) => r.id)).toEqual(['c', 'a', 'b']);
  });
});
