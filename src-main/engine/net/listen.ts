/**
 * Exclusive binds for the engine's own listening sockets (listeners, knock ports, forwards): each
 * rejects with the bind's errno error (for net/errors.ts to explain), and once bound ignores
 * later socket errors, so that an ICMP error for one peer does not take the socket down.
 */
import dgram from 'node:dgram';
import net from 'node:net';

/** Makes `server` listen on host:port exclusively; resolves with the bound address. */
export function listenExclusive(server: net.Server, host: string, port: number, backlog?: number): Promise<net.AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true, ...(backlog ? { backlog } : {}) }, () => {
      server.off('error', reject);
      server.on('error', () => undefined);
      resolve(server.address() as net.AddressInfo);
    });
  });
}

/** A UDP socket bound to host:port exclusively, delivering datagrams to `onMessage` (closed again when the bind fails). */
export function bindUdpExclusive(host: string, port: number, onMessage: (msg: Buffer, rinfo: dgram.RemoteInfo) => void): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4' });
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      socket.close();
      reject(err);
    };
    socket.once('error', fail);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', fail);
      socket.on('error', () => undefined);
      socket.on('message', onMessage);
      resolve(socket);
    });
  });
}
