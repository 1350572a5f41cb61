/** Listening for forwards: a TCP server on the spec's address, with errors that name who holds a busy port. */
import net from 'node:net';
import { PortolanError } from '../../contract/index.js';
import { privilegedAdvice } from '../sockets/bind-check.js';
import { findPortHolder } from '../sockets/port-holder.js';
import { RELAY_HIGH_WATER_MARK } from './relay.js';

/** Turns a failed bind into a sentence a person can act on; a busy port names the process holding it. */
export async function listenError(err: NodeJS.ErrnoException, protocol: 'tcp' | 'udp', host: string, port: number): Promise<PortolanError> {
  const what = `${port}/${protocol} on ${host}`;
  switch (err.code) {
    case 'EADDRINUSE': {
      const holder = await findPortHolder(port, protocol);
      const by = holder ? `by ${holder.process} (pid ${holder.pid})` : 'by another program (its owner is not visible to this user)';
      return new PortolanError('EADDRINUSE', `Port ${what} is in use ${by}. Stop that program, or choose another listen port for this forward.`);
    }
    case 'EACCES':
    case 'EPERM':
      return new PortolanError('EACCES', privilegedAdvice(port, protocol));
    case 'EADDRNOTAVAIL':
      return new PortolanError('EADDRNOTAVAIL', `${host} is not an address of this machine; listen on 127.0.0.1, ::1, 0.0.0.0, :: or one of its interface addresses.`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new PortolanError('ENOTFOUND', `The listen address ${host} could not be resolved.`);
    default:
      return new PortolanError('INTERNAL', `Could not listen on ${what}: ${err.code ?? err.message}.`);
  }
}

/** Starts a TCP server for a forward; rejects with a PortolanError (EADDRINUSE names the holder). */
export function listenTcp(host: string, port: number, onConnection: (socket: net.Socket) => void, pauseOnConnect = false): Promise<net.Server> {
  const server = net.createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect, highWaterMark: RELAY_HIGH_WATER_MARK } as net.ServerOpts, onConnection);
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      void listenError(err, 'tcp', host, port).then((e: PortolanError) => reject(e));
    });
    server.listen({ host, port, exclusive: true, backlog: 1024 }, () => {
      server.removeAllListeners('error');
      server.on('error', () => undefined);
      resolve(server);
    });
  });
}

/** Closes a server and destroys the sockets given. */
export function closeServer(server: net.Server | undefined, sockets: Iterable<{ destroy(): void }>): Promise<void> {
  for (const s of sockets) s.destroy();
  if (!server || !server.listening) return Promise.resolve();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** "host:port" with brackets for IPv6. */
export const hostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** Removes the IPv4-mapped prefix for display ("::ffff:127.0.0.1" -> "127.0.0.1"). */
export const plain = (address: string | undefined) => (address ?? '').replace(/^::ffff:(?=\d+\.)/, '');
