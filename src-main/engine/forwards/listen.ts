/** Listening for forwards: a TCP server on the spec's address, with errors that name who holds a busy port. */
import net from 'node:net';
import { listenError } from '../net/errors.js';
import { RELAY_HIGH_WATER_MARK } from './relay.js';

/** Starts a TCP server for a forward; rejects with a PortolanError (EADDRINUSE names the holder). */
export function listenTcp(host: string, port: number, onConnection: (socket: net.Socket) => void, pauseOnConnect = false): Promise<net.Server> {
  const server = net.createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect, highWaterMark: RELAY_HIGH_WATER_MARK } as net.ServerOpts, onConnection);
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      void listenError(err, 'tcp', host, port).then(reject);
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
