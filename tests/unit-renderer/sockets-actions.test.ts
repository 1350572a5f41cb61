import { describe, expect, it } from 'vitest';
import { socketActions } from '../../src-renderer/src/lib/sockets/actions.js';
import { parseRoute } from '../../src-renderer/src/lib/state/app.svelte.js';
import { row } from './socket-rows.js';

const routes = (r: Parameters<typeof socketActions>[0]) => socketActions(r).map((a) => [a.label, parseRoute(a.href)]);

describe('next actions of a socket', () => {
  it('a listener on every address: console and forward to it on loopback, and the router', () => {
    expect(routes(row({ localPort: 8080, localAddress: '0.0.0.0' }))).toEqual([
      ['Open a console to it', { view: 'listen', params: { connect: '127.0.0.1', port: '8080', proto: 'tcp' } }],
      ['Forward this port', { view: 'forwards', params: { targetHost: '127.0.0.1', targetPort: '8080', proto: 'tcp' } }],
      ['Expose through router', { view: 'router', params: { internalPort: '8080', proto: 'tcp' } }],
    ]);
  });

  it('a loopback-only or IPv6 listener is not offered to the router', () => {
    expect(socketActions(row({ localPort: 5173 })).map((a) => a.label)).not.toContain('Expose through router');
    expect(socketActions(row({ localPort: 53, proto: 'udp6', localAddress: '::', state: 'UNCONN' }))[0]!.href).toBe('#/listen?connect=%3A%3A1&port=53&proto=udp');
  });

  it('a connection: console, scan and forward toward the remote end (IPv4-mapped addresses unwrapped)', () => {
    const r = row({ localPort: 50000, remotePort: 443, remoteAddress: '::ffff:10.1.2.3', proto: 'tcp6' });
    expect(routes(r).map(([, route]) => route)).toEqual([
      { view: 'listen', params: { connect: '10.1.2.3', port: '443', proto: 'tcp' } },
      { view: 'scan', params: { target: '10.1.2.3', proto: 'tcp' } },
      { view: 'forwards', params: { targetHost: '10.1.2.3', targetPort: '443', proto: 'tcp' } },
    ]);
  });

  it('an unconnected, non-listening socket has none', () => {
    expect(socketActions(row({ localPort: 40000, state: 'CLOSE', remotePort: 0 }))).toEqual([]);
  });
});
