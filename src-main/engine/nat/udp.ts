/** One UDP request and its answer, retransmitted as RFC 6886 3.1 suggests (250 ms, doubling). */
import dgram from 'node:dgram';
import { RouterSilent } from './explain.js';

/**
 * Sends `payload` to host:port from a fresh socket (bound to `localAddress` when given) and
 * resolves with the first datagram from that host that `accept` returns a value for.
 */
export function udpRequest<T>(
  o: { host: string; port: number; payload: Buffer; localAddress?: string; timeoutMs?: number; what: string },
  accept: (msg: Buffer) => T | undefined,
): Promise<T> {
  const timeoutMs = o.timeoutMs ?? 2000;
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const timers: NodeJS.Timeout[] = [];
    let done = false;
    const finish = (err: Error | undefined, value?: T) => {
      if (done) return;
      done = true;
      timers.forEach(clearTimeout);
      socket.close();
      if (err) reject(err);
      else resolve(value as T);
    };
    socket.on('error', (err) => finish(new RouterSilent(`${o.what} to ${o.host}:${o.port} failed: ${err.message}`)));
    socket.on('message', (msg, rinfo) => {
      if (rinfo.address !== o.host) return;
      const value = accept(msg);
      if (value !== undefined) finish(undefined, value);
    });
    socket.bind(0, o.localAddress, () => {
      const send = () => socket.send(o.payload, o.port, o.host, () => undefined);
      send();
      for (let at = 250, wait = 250; at < timeoutMs; wait *= 2, at += wait) timers.push(setTimeout(send, at));
      timers.push(
        setTimeout(() => finish(new RouterSilent(`no ${o.what} answer from ${o.host}:${o.port} within ${(timeoutMs / 1000).toFixed(1)} s`)), timeoutMs),
      );
    });
  });
}
