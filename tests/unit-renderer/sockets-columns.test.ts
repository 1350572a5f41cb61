import { describe, expect, it } from 'vitest';
import { fitColumns, isEphemeralClient, localRole, servicePortOf, SOCKET_COLUMNS } from '../../src-renderer/src/lib/sockets/columns.js';
import { listeningPorts } from '../../src-renderer/src/lib/sockets/group.js';
import { listenerWithPair, row } from './socket-rows.js';

const range = { low: 32768, high: 60999, source: '/proc/sys/net/ipv4/ip_local_port_range' };

describe('what the socket table says about each end', () => {
  const { listener, server, client } = listenerWithPair(8080, 51000);
  const outgoing = row({ localAddress: '192.0.2.5', localPort: 41000, remoteAddress: '203.0.113.9', remotePort: 443 });
  const listening = listeningPorts([listener, server, client, outgoing]);

  it('knows which end serves: listeners and accepted connections, else the connection was opened here', () => {
    expect([listener, server, client, outgoing].map((r) => localRole(r, listening))).toEqual(['listener', 'server', 'client', 'client']);
    // Service names only for the server's port.
    expect(servicePortOf(server, 'server')).toEqual({ local: true, remote: false });
    expect(servicePortOf(client, 'client')).toEqual({ local: false, remote: true });
  });

  it("calls a client's port ephemeral only when it is in this machine's range", () => {
    expect(isEphemeralClient(client, 'client', range)).toBe(true);
    expect(isEphemeralClient(row({ localPort: 61000, remotePort: 443 }), 'client', range)).toBe(false);
    expect(isEphemeralClient(server, 'server', range)).toBe(false);
    expect(isEphemeralClient(client, 'client', null)).toBe(false);
  });
});

describe('columns at narrow widths', () => {
  const names = (width: number) => fitColumns(width).map((c) => c.column);

  it('keeps every column when there is room, and Process always', () => {
    expect(names(0)).toHaveLength(SOCKET_COLUMNS.length);
    expect(names(1200)).toHaveLength(SOCKET_COLUMNS.length);
    // 900 px window: the sidebar leaves about 730 px; with the 360 px detail panel, about 370 px.
    for (const width of [1000, 730, 370]) expect(names(width)).toContain('process');
    expect(names(730)).not.toContain('range');
    expect(names(730)).not.toContain('rx');
    expect(names(370)).toEqual(['lport', 'remote', 'rport', 'process']);
    for (const width of [1000, 730, 370]) expect(fitColumns(width).reduce((s, c) => s + c.min, 0)).toBeLessThanOrEqual(width);
  });
});
