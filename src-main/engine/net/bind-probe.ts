/**
 * The bind probe: "could a program listen on host:port now?", answered by a real bind that is
 * closed at once. Used by the bind check (sockets/bind-check.ts) and to offer a free port when a
 * listen fails with EADDRINUSE.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { TransportProtocol } from '../../contract/index.js';

/** How many following ports are tried when proposing a free one. */
export const NEXT_PORT_TRIES = 20;

/** Binds host:port exclusively and closes again; resolves with the bind's error, or undefined when it worked. */
export function tryBind(protocol: TransportProtocol, host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    if (protocol === 'tcp') {
      const server = net.createServer();
      server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
      server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
      return;
    }
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    socket.once('error', (err: NodeJS.ErrnoException) => {
      socket.close();
      resolve(err);
    });
    socket.bind({ port, address: host, exclusive: true }, () => socket.close(() => resolve(undefined)));
  });
}

/** True when a bind of host:port would succeed now. */
export async function canBind(protocol: TransportProtocol, host: string, port: number): Promise<boolean> {
  return (await tryBind(protocol, host, port)) === undefined;
}

/** The first of the following ports that can be bound now, if any of the next few. */
export async function nextFreePort(protocol: TransportProtocol, host: string, port: number): Promise<number | undefined> {
  for (let p = port + 1; p <= Math.min(65535, port + NEXT_PORT_TRIES); p++) {
    if (await canBind(protocol, host, p)) return p;
  }
  return undefined;
}
