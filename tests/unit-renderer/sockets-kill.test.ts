import { describe, expect, it } from 'vitest';
import { Api } from '../../src-renderer/src/lib/api/client.js';
import { closeBlocker, endBlocker, endQuestion, holdings } from '../../src-renderer/src/lib/sockets/kill.js';
import { SocketActionsState } from '../../src-renderer/src/lib/state/socket-actions.svelte.js';
import { fail, FakeTransport, ok } from './fake-transport.js';
import { listenerWithPair, row } from './socket-rows.js';

describe('Close connection and End process: when they can work, and why not', () => {
  const { listener, server, client } = listenerWithPair(8080, 51000);

  it('closes an open TCP connection; not a listener, UDP, TIME_WAIT or a row that has gone', () => {
    expect(closeBlocker(client, false, null)).toBeNull();
    expect(closeBlocker(row({ localPort: 50000, remotePort: 443, state: 'CLOSE_WAIT' }), false, null)).toBeNull();
    expect(closeBlocker(listener, false, null)).toMatch(/listener is not a connection/);
    expect(closeBlocker(row({ proto: 'udp', localPort: 53, state: 'UNCONN' }), false, null)).toMatch(/Only a TCP connection/);
    expect(closeBlocker(row({ proto: 'udp', localPort: 5000, remotePort: 53, state: 'ESTABLISHED' }), false, null)).toMatch(/Only a TCP connection/);
    expect(closeBlocker(row({ localPort: 50000, remotePort: 443, state: 'TIME_WAIT' }), false, null)).toMatch(/TIME_WAIT/);
    expect(closeBlocker(client, true, null)).toMatch(/closed already/);
    expect(closeBlocker(client, false, 'Closing a connection needs CAP_NET_ADMIN')).toBe('Closing a connection needs CAP_NET_ADMIN');
  });

  it('ends a visible process; not an invisible owner, pid 1 or Portolan itself', () => {
    expect(endBlocker(server, null)).toBeNull();
    expect(endBlocker(row({ localPort: 22 }), null)).toMatch(/not visible/);
    expect(endBlocker(row({ localPort: 22, pid: 1, process: 'systemd' }), null)).toMatch(/init process/);
    expect(endBlocker(row({ localPort: 9000, pid: 5, ownedBy: 'listener' }), null)).toMatch(/Portolan/);
    expect(endBlocker(server, 'Not allowed to end pid 10')).toBe('Not allowed to end pid 10');
  });

  it('names the process, its pid and what it holds in the question', () => {
    const udp = row({ proto: 'udp6', localAddress: '::', localPort: 8080, state: 'UNCONN', pid: 10 });
    const other = row({ localPort: 443, pid: 10 });
    const held = holdings([listener, server, client, udp, other, listener], 10);
    expect(held).toEqual({ sockets: 5, listening: ['tcp 443', 'tcp 8080', 'udp 8080'] });
    expect(endQuestion('srv', 10, held)).toBe('End srv (pid 10)? It holds 5 sockets, listening on tcp 443, tcp 8080, udp 8080; its connections close with it.');
    expect(endQuestion(undefined, 20, holdings([client], 20))).toBe('End the process (pid 20)? It holds 1 socket, listening on no port; its connections close with it.');
  });
});

describe('SocketActionsState', () => {
  const { server, client } = listenerWithPair(8080, 51000);

  it('closes through sockets.close and says so', async () => {
    const transport = new FakeTransport({ 'sockets.close': () => ok({ closed: true }) });
    const acts = new SocketActionsState(new Api(transport));
    expect(await acts.close(client)).toBe(true);
    expect(transport.callsOf('sockets.close')).toEqual([{ id: client.id }]);
    expect(acts.note).toEqual({ ok: true, text: 'Closed 127.0.0.1:51000 \u21c4 127.0.0.1:8080.' });
    expect(acts.closeDenied).toBeNull();
  });

  it('remembers a refusal for want of permission, so the button is disabled with its sentence; other failures are only said', async () => {
    const transport = new FakeTransport({ 'sockets.close': () => fail('NOT_FOUND', 'Socket tcp#1 is no longer in the table: it has closed already.') });
    const acts = new SocketActionsState(new Api(transport));
    expect(await acts.close(client)).toBe(false);
    expect(acts.note).toEqual({ ok: false, text: 'Socket tcp#1 is no longer in the table: it has closed already.' });
    expect(acts.closeDenied).toBeNull();
    transport.handlers['sockets.close'] = () => fail('EACCES', 'Closing a connection needs CAP_NET_ADMIN: run Portolan as root.');
    await acts.close(client);
    expect(closeBlocker(server, false, acts.closeDenied)).toBe('Closing a connection needs CAP_NET_ADMIN: run Portolan as root.');
  });

  it('ends a process with the signal chosen, and remembers EPERM for that pid only', async () => {
    const transport = new FakeTransport({ 'processes.end': (input) => (input.pid === 20 ? fail('EACCES', 'Not allowed to end pid 20: it belongs to another user.') : ok(input)) });
    const acts = new SocketActionsState(new Api(transport));
    expect(await acts.end(10, 'srv', 'SIGKILL')).toBe(true);
    expect(acts.note).toEqual({ ok: true, text: 'Sent SIGKILL to srv (pid 10).' });
    expect(await acts.end(20, 'curl')).toBe(false);
    expect(transport.callsOf('processes.end')).toEqual([
      { pid: 10, signal: 'SIGKILL' },
      { pid: 20, signal: 'SIGTERM' },
    ]);
    expect(endBlocker(client, acts.endDenied.get(20) ?? null)).toMatch(/another user/);
    expect(acts.endDenied.has(10)).toBe(false);
  });
});
