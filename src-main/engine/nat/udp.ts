/** One UDP request and its answer, retransmitted as RFC 6886 3.1 suggests (250 ms, doubling). */
import dgram from 'node:dgram';
import { RouterSilent } from './explain.js';

/**
 * Sends `payload` to host:port from a fresh socket (bound to `localAddress` when given) and
 * resolves with the first datagram from that host that `accept` returns a value for.
 */
export function udpRequest<T>(
  request: { host: string; port: number; payload: Buffer; localAddress?: string; timeoutMs?: number; what: string },
  accept: (msg: Buffer) => T | undefined,
): Promise<T> {
  const timeoutMs = request.timeoutMs ?? 2000;
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
    socket.on('error', (err) => finish(new RouterSilent(`${request.what} to ${request.host}:${request.port} failed: ${err.message}`)));
    socket.on('message', (msg, rinfo) => {
      if (rinfo.address !== request.host) return;
      const value = accept(msg);
      if (value !== undefined) finish(undefined, value);
    });
    socket.bind(0, request.localAddress, () => {
      const send = () => socket.send(request.payload, request.port, request.host, () => undefined);
      send();
      for (let at = 250, wait = 250; at < timeoutMs; wait *= 2, at += wait) timers.push(setTimeout(send, at));
      timers.push(
        setTimeout(() => finish(new RouterSilent(`no ${request.what} answer from ${request.host}:${request.port} within ${(timeoutMs / 1000).toFixed(1)} s`)), timeoutMs),
      );
    });
  });
}
