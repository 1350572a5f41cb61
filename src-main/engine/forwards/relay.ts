/**
 * The relay: bytes both ways between two sockets, counted, with backpressure and TCP half-close.
 *
 * - Backpressure: a side that cannot take more (write() returned false) pauses the other side's
 *   reading until 'drain', so a slow reader never makes memory grow beyond about one chunk plus
 *   the socket's high-water mark per direction.
 * - Half-close: when one side ends its sending (FIN), the other side's write half is ended after
 *   the bytes already queued, and the other direction keeps flowing (allowHalfOpen on both).
 * - Both sockets of a TCP forward read into their own reusable buffer (Node's `onread`), so the
 *   relay allocates nothing per chunk: a chunk written completely at once frees the buffer at
 *   once; otherwise reading pauses until that write is done (which is also the backpressure).
 *   A buffer starts at 4 KiB (idle connections stay small) and grows to 64 KiB on the first full read.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectionInfo } from '../../contract/forwards.js';
import type { ForwardCounters } from './types.js';

/** Bytes of each socket's reusable read buffer once data flows in bulk. */
export const READ_BUFFER_BYTES = 64 * 1024;
/** Bytes of the first read buffer: an idle connection holds only this much per direction. */
export const FIRST_READ_BUFFER_BYTES = 4 * 1024;
/** High-water mark of relay sockets: bytes queued in user space before a writer pauses its source. */
export const RELAY_HIGH_WATER_MARK = 256 * 1024;

/** Moves bytes from `src` to `dst` with 'data' events and pause/resume; calls count(n) per chunk. */
export function pump(src: Duplex, dst: Duplex, count: (n: number) => void): void {
  src.on('data', (chunk: Buffer) => {
    count(chunk.length);
    if (!dst.write(chunk)) src.pause();
  });
  dst.on('drain', () => src.resume());
  src.once('end', () => {
    if (!dst.destroyed && !dst.writableEnded) dst.end();
  });
}

/** Counters of both the connection and its forward, in the client -> target direction. */
export function countIn(connection: ConnectionInfo, counters: ForwardCounters): (n: number) => void {
  return (n) => {
    connection.bytesIn += n;
    counters.bytesIn += n;
  };
}

/** Counters of both the connection and its forward, in the target -> client direction. */
export function countOut(connection: ConnectionInfo, counters: ForwardCounters): (n: number) => void {
  return (n) => {
    connection.bytesOut += n;
    counters.bytesOut += n;
  };
}

/** One direction of a zero-copy relay: a socket's onread handler that writes into `dst()`. */
interface Direction {
  onread: { buffer: () => Buffer; callback: (n: number, buf: Uint8Array) => boolean };
  /** Set once both sockets exist. */
  bind(src: net.Socket, dst: net.Socket): void;
}

/**
 * The reader side of one direction. Each chunk read into the socket's own buffer is written to
 * the other socket at once; when the kernel took it all (writableLength is 0 afterwards) the
 * buffer is free and reading goes on; otherwise libuv still holds the buffer, so reading pauses
 * until that write's callback: this is both buffer safety and backpressure.
 */
function direction(count: (n: number) => void): Direction {
  let src: net.Socket | undefined;
  let dst: net.Socket | undefined;
  let waiting = false;
  const written = () => {
    if (waiting) {
      waiting = false;
      src?.resume();
    }
  };
  let buffer = Buffer.allocUnsafe(FIRST_READ_BUFFER_BYTES);
  return {
    onread: {
      // Node asks for the buffer of the next read after each read (and once at the start).
      buffer: () => buffer,
      callback: (n, buf) => {
        count(n);
        // A full small buffer means bulk data: read in 64 KiB from now on (this read's bytes are in `buf`).
        if (n === buf.length && buf.length < READ_BUFFER_BYTES) buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
        if (!dst || dst.destroyed || dst.writableEnded) return false;
        dst.write(buf.subarray(0, n), written);
        if (dst.writableLength > 0) {
          waiting = true;
          return false;
        }
        return true;
      },
    },
    bind(s, d) {
      src = s;
      dst = d;
      s.once('end', () => {
        if (!d.destroyed && !d.writableEnded) d.end();
      });
    },
  };
}

/**
 * Takes over an accepted socket's handle in a new socket that reads into a reusable buffer (Node
 * only offers `onread` to sockets it creates). The accepted socket must come from a server made
 * with pauseOnConnect. Returns undefined when this Node's internals do not allow it; the caller
 * then relays with 'data' events.
 */
function adopt(accepted: net.Socket, onread: Direction['onread']): net.Socket | undefined {
  const internal = accepted as unknown as { _handle: { useUserBuffer?: unknown } | null };
  const handle = internal._handle;
  if (!handle || typeof handle.useUserBuffer !== 'function') return undefined;
  internal._handle = null;
  // Destroying the handle-less shell releases the server's connection count without closing the handle.
  accepted.destroy();
  return new net.Socket({ handle, allowHalfOpen: true, readable: true, writable: true, onread } as unknown as net.SocketConstructorOpts);
}

/** The two sockets of a relayed connection. */
export interface RelayPair {
  client: net.Socket;
  target: net.Socket;
}

/**
 * Connects to the target for an accepted (paused) client and relays both ways, each direction
 * reading into its own reusable buffer and writing straight to the other socket, with
 * backpressure and half-close. The target socket is returned still connecting.
 */
export function connectAndRelay(accepted: net.Socket, host: string, port: number, connection: ConnectionInfo, counters: ForwardCounters): RelayPair {
  const up = direction(countIn(connection, counters));
  const down = direction(countOut(connection, counters));
  const target: net.Socket = net.connect({ host, port, allowHalfOpen: true, noDelay: true, onread: down.onread } as net.NetConnectOpts);
  let client = adopt(accepted, up.onread);
  if (client) {
    client.setNoDelay(true);
    up.bind(client, target);
  } else {
    client = accepted;
    pump(client, target, countIn(connection, counters));
    client.resume();
  }
  down.bind(target, client);
  return { client, target };
}
