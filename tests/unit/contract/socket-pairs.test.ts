import { describe, expect, it } from 'vitest';
import type { SocketRow } from '../../../src-main/contract/index.js';
import { endLabel, listenerLabel, pairRows, pairSocketIds } from '../../../src-main/contract/socket-pairs.js';
import { linkPairs, socketId } from '../../../src-main/engine/sockets/identity.js';

let inode = 100;
function row(partial: Partial<SocketRow> & Pick<SocketRow, 'localPort' | 'remotePort'>): SocketRow {
  const r: SocketRow = { id: '', proto: 'tcp', localAddress: '127.0.0.1', remoteAddress: '127.0.0.1', state: 'ESTABLISHED', rxQueue: 0, txQueue: 0, ...partial };
  r.id = socketId(r, ++inode);
  return r;
}

describe('pairRows', () => {
  it('makes one pair of both halves of a local connection, client to server, under its listener', () => {
    const listener = row({ localPort: 8080, localAddress: '0.0.0.0', remotePort: 0, remoteAddress: '0.0.0.0', state: 'LISTEN', pid: 10, process: 'nginx', user: 'www' });
    // The client's port (5000) is lower than the server's: only the listener tells which end serves.
    const server = row({ localPort: 8080, remotePort: 5000, pid: 10, process: 'nginx', user: 'www' });
    const client = row({ localPort: 5000, remotePort: 8080, pid: 20, process: 'curl', user: 'me' });
    const rows = [listener, server, client];
    linkPairs(rows);
    const { listeners, pairs } = pairRows(rows);
    expect(pairs).toHaveLength(1);
    const [pair] = pairs;
    expect(pair).toMatchObject({
      id: client.id,
      bothHere: true,
      listenerId: listener.id,
      client: { address: '127.0.0.1', port: 5000, pid: 20, process: 'curl', user: 'me', here: true, socketId: client.id },
      server: { address: '127.0.0.1', port: 8080, pid: 10, process: 'nginx', user: 'www', here: true, socketId: server.id },
    });
    expect(pairSocketIds(pair!)).toEqual([client.id, server.id]);
    expect(listeners).toEqual([expect.objectContaining({ id: listener.id, port: 8080, process: 'nginx', pairs: 1 })]);
    expect(listenerLabel(listeners[0]!)).toBe('nginx :8080 — 1 pair');
    expect(`${endLabel(pair!.client)} ⇄ ${endLabel(pair!.server)}`).toBe('curl:5000 ⇄ nginx:8080');
  });

  it('counts the pairs a listener accepted (multiplexing), across IPv4-mapped addresses on a :: listener', () => {
    const listener = row({ proto: 'tcp6', localAddress: '::', localPort: 443, remotePort: 0, remoteAddress: '::', state: 'LISTEN', pid: 1, process: 'nginx' });
    const rows = [listener];
    for (let i = 0; i < 37; i++) {
      rows.push(row({ proto: 'tcp6', localAddress: '::ffff:127.0.0.1', localPort: 443, remoteAddress: '::ffff:127.0.0.1', remotePort: 40000 + i, pid: 1, process: 'nginx' }));
      rows.push(row({ localPort: 40000 + i, remotePort: 443, pid: 2, process: 'client' }));
    }
    linkPairs(rows);
    const { listeners, pairs } = pairRows(rows);
    expect(pairs).toHaveLength(37);
    expect(pairs.every((p) => p.bothHere && p.server.port === 443 && p.client.process === 'client')).toBe(true);
    expect(listenerLabel(listeners[0]!)).toBe('nginx :443 — 37 pairs');
  });

  it('shows the remote end as a host: outgoing connections have the host as server, accepted ones as client', () => {
    const listener = row({ localPort: 22, localAddress: '0.0.0.0', remotePort: 0, remoteAddress: '0.0.0.0', state: 'LISTEN', pid: 5, process: 'sshd' });
    const accepted = row({ localAddress: '10.0.0.2', localPort: 22, remoteAddress: '10.0.0.9', remotePort: 51000, pid: 5, process: 'sshd' });
    const outgoing = row({ localAddress: '10.0.0.2', localPort: 52000, remoteAddress: '10.0.0.9', remotePort: 443, pid: 7, process: 'firefox' });
    const rows = [listener, accepted, outgoing];
    linkPairs(rows);
    const { listeners, pairs } = pairRows(rows);
    const [inbound, out] = pairs;
    expect(inbound).toMatchObject({ bothHere: false, listenerId: listener.id, client: { address: '10.0.0.9', port: 51000, pid: null, process: null, user: null, here: false }, server: { process: 'sshd', here: true } });
    expect(out).toMatchObject({ bothHere: false, listenerId: null, client: { process: 'firefox', port: 52000 }, server: { address: '10.0.0.9', port: 443, here: false, socketId: null } });
    expect(endLabel(out!.server)).toBe('10.0.0.9:443');
    expect(endLabel({ ...out!.server, address: '2001:db8::1' })).toBe('[2001:db8::1]:443');
    expect(listeners[0]!.pairs).toBe(1);
  });

  it('leaves listeners and unconnected UDP out of the pairs, and does not take a listener bound to another address', () => {
    const udp = row({ proto: 'udp', localPort: 53, remotePort: 0, remoteAddress: '0.0.0.0', state: 'UNCONN' });
    const onOther = row({ localAddress: '127.0.0.2', localPort: 9000, remotePort: 0, remoteAddress: '0.0.0.0', state: 'LISTEN' });
    const conn = row({ localAddress: '127.0.0.1', localPort: 9000, remoteAddress: '192.0.2.1', remotePort: 6000 });
    const timeWait = row({ localPort: 41000, remotePort: 80, remoteAddress: '192.0.2.1', state: 'TIME_WAIT' });
    const { listeners, pairs } = pairRows([udp, onOther, conn, timeWait]);
    expect(listeners.map((l) => l.id)).toEqual([udp.id, onOther.id]);
    expect(pairs.map((p) => p.id)).toEqual([conn.id, timeWait.id]);
    expect(pairs[0]!.listenerId).toBeNull();
    expect(pairs[0]!.client.here).toBe(true);
  });

  it('falls back to the lower port as the server when no listener decides', () => {
    const a = row({ localPort: 7000, remotePort: 45000 });
    const b = row({ localPort: 45000, remotePort: 7000 });
    linkPairs([a, b]);
    const [pair] = pairRows([a, b]).pairs;
    expect(pair!.server.port).toBe(7000);
    expect(pair!.id).toBe(b.id);
  });
});
