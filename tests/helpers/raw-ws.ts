/**
 * A WebSocket client written by hand over a plain TCP socket, so that tests can send frames no
 * well-behaved library would: unmasked, RSV bits set, bad UTF-8, oversized, bad close codes.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';

/** One frame to write; `mask` defaults to true (a client must mask). */
export interface RawFrame {
  opcode: number;
  payload: Buffer;
  fin?: boolean;
  rsv1?: boolean;
  mask?: boolean;
  /** Announce this payload length instead of the real one (to send a header for a huge frame). */
  announcedLength?: number;
}

/** Encodes a frame as RFC 6455 lays it out. */
export function encodeFrame(frame: RawFrame): Buffer {
  const mask = frame.mask ?? true;
  const length = frame.announcedLength ?? frame.payload.length;
  const head: number[] = [(frame.fin === false ? 0 : 0x80) | (frame.rsv1 ? 0x40 : 0) | (frame.opcode & 0x0f)];
  const maskBit = mask ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126) head.push(maskBit | length);
  else if (length < 65536) {
    head.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(length);
  } else {
    head.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(BigInt(length));
  }
  if (!mask) return Buffer.concat([Buffer.from(head), extended, frame.payload]);
  const key = randomBytes(4);
  const body = Buffer.from(frame.payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= key[i % 4]!;
  return Buffer.concat([Buffer.from(head), extended, key, body]);
}

/** A text frame holding `text`. */
export const textFrame = (text: string | Buffer): Buffer => encodeFrame({ opcode: 0x1, payload: Buffer.isBuffer(text) ? text : Buffer.from(text) });

/** A decoded frame from the server (servers never mask). */
export interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

/** An upgraded connection: write raw bytes, read the server's frames, learn when it closes. */
export interface RawSocket {
  write(bytes: Buffer): void;
  /** Resolves with the next frame from the server, or undefined when the connection ends first. */
  nextFrame(): Promise<ServerFrame | undefined>;
  /** Resolves once the TCP connection is closed (by either side). */
  closed: Promise<void>;
  destroy(): void;
}

/** Opens a TCP connection and performs the WebSocket handshake with a bearer token. */
export async function openRawSocket(port: number, token: string, host = '127.0.0.1'): Promise<RawSocket> {
  const socket = net.connect({ host, port });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  let buffer = Buffer.alloc(0);
  let ended = false;
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    wake?.();
  });
  socket.on('close', () => {
    ended = true;
    wake?.();
  });
  const waitForData = () => new Promise<void>((resolve) => (wake = resolve));

  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const key = randomBytes(16).toString('base64');
  socket.write(
    `GET /ws HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${token}\r\n\r\n`,
  );
  for (;;) {
    const end = buffer.indexOf('\r\n\r\n');
    if (end >= 0) {
      const head = buffer.subarray(0, end).toString('latin1');
      buffer = buffer.subarray(end + 4);
      if (!/^HTTP\/1\.1 101 /.test(head)) throw new Error(`handshake refused: ${head.split('\r\n')[0]}`);
      break;
    }
    if (ended) throw new Error('connection closed during the handshake');
    await waitForData();
  }

  /** Takes one complete frame off the buffer, if there is one. */
  const takeFrame = (): ServerFrame | undefined => {
    if (buffer.length < 2) return undefined;
    let length = buffer[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (buffer.length < 4) return undefined;
      length = buffer.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (buffer.length < 10) return undefined;
      length = Number(buffer.readBigUInt64BE(2));
      offset = 10;
    }
    if (buffer.length < offset + length) return undefined;
    const frame = { opcode: buffer[0]! & 0x0f, payload: buffer.subarray(offset, offset + length) };
    buffer = buffer.subarray(offset + length);
    return frame;
  };

  return {
    write: (bytes) => {
      if (!socket.destroyed) socket.write(bytes);
    },
    async nextFrame() {
      for (;;) {
        const frame = takeFrame();
        if (frame) return frame;
        if (ended) return undefined;
        await waitForData();
      }
    },
    closed,
    destroy: () => socket.destroy(),
  };
}

/** The status code of a close frame's payload, or undefined when it carries none. */
export function closeCode(frame: ServerFrame | undefined): number | undefined {
  return frame?.opcode === 0x8 && frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : undefined;
}
