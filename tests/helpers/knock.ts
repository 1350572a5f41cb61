/** Helpers of the knock tests: ports that are free on loopback for knock steps, and a probe of a guarded TCP port. */
import dgram from 'node:dgram';
import net from 'node:net';

/**
 * `n` distinct ports that were free a moment ago on `host` for both TCP and UDP (all bound at once,
 * then released), so a guard can bind them as knock ports.
 */
export async function freeKnockPorts(n: number, host = '127.0.0.1'): Promise<number[]> {
  const held: { close(): void }[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < n) {
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, () => resolve());
      });
      held.push({ close: () => server.close() });
      const port = (server.address() as net.AddressInfo).port;
      const udp = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
      const ok = await new Promise<boolean>((resolve) => {
        udp.once('error', () => resolve(false));
        udp.bind(port, host, () => resolve(true));
      });
      held.push({ close: () => udp.close() });
      if (ok) ports.push(port);
    }
    return ports;
  } finally {
    for (const h of held) {
      try {
        h.close();
      } catch {
        // already closed
      }
    }
  }
}

/**
 * Connects to a (guarded) TCP port from `localAddress` and sends `hello`: true when the answer
 * comes (by default the echo of "ping"), false when the connection is closed at once.
 */
export function relays(port: number, localAddress = '127.0.0.1', hello: string | Buffer = 'ping', answered = (d: Buffer) => d.toString() === 'ping'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.on('connect', () => socket.write(hello));
    socket.on('data', (d: Buffer) => answered(d) && done(true));
    socket.on('close', () => done(false));
    socket.on('error', () => done(false));
  });
}
