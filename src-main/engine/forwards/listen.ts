/** Listening for forwards: a TCP server on the spec's address, with errors that name who holds a busy port. */
import net from 'node:net';
import { listenError } from '../net/errors.js';
import { listenExclusive } from '../net/listen.js';
import { RELAY_HIGH_WATER_MARK } from './relay.js';

/** Starts a TCP server for a forward; rejects with a PortolanError (EADDRINUSE names the holder). */
export function listenTcp(host: string, port: number, onConnection: (socket: net.Socket) => void, pauseOnConnect = false): Promise<net.Server> {
  const server = net.createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect, highWaterMark: RELAY_HIGH_WATER_MARK } as net.ServerOpts, onConnection);
  return listenExclusive(server, host, port, 1024).then(
    () => server,
    async (err: unknown) => Promise.reject(await listenError(err, 'tcp', host, port)),
  );
}

/** Closes a server and destroys the sockets given. */
export function closeServer(server: net.Server | undefined, sockets: Iterable<{ destroy(): void }>): Promise<void> {
  for (const s of sockets) s.destroy();
  if (!server || !server.listening) return Promise.resolve();
  return new Promise((resolve) => server.close(() => resolve()));
}
