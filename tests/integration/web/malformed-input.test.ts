/**
 * One WebSocket message or HTTP request must never end `portolan serve`: each case writes its bytes by hand
 * to a real `portolan serve` process over TCP, expects a clear error reply or a close with the
 * right code, then checks that the process is still up and answers a good call on a fresh socket.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeCode, encodeFrame, openRawSocket, textFrame, type RawSocket } from '../../helpers/raw-ws.js';
import { startServeProcess, type ServeProcess } from '../../helpers/serve-process.js';

let serve: ServeProcess;

beforeAll(async () => {
  serve = await startServeProcess();
});
afterAll(async () => {
  await serve?.stop();
});

/** A masked close frame carrying `code`. */
function closeFrame(code: number): Buffer {
  const payload = Buffer.alloc(2);
  payload.writeUInt16BE(code);
  return encodeFrame({ opcode: 0x8, payload });
}

/** Each case: the bytes to send and what the server must do (close with a code, or reply with an error). */
const CASES: { name: string; bytes: () => Buffer; expect: { close: number } | { errorCode: string; message: RegExp } }[] = [
  { name: 'the text frame null', bytes: () => textFrame('null'), expect: { close: 1008 } },
  { name: 'a JSON number', bytes: () => textFrame('42'), expect: { close: 1008 } },
  { name: 'a JSON string', bytes: () => textFrame('"system.info"'), expect: { close: 1008 } },
  { name: 'a JSON array', bytes: () => textFrame('[{"id":1,"call":"system.info"}]'), expect: { close: 1008 } },
  { name: 'a call with an id but no name', bytes: () => textFrame('{"id":7,"input":{}}'), expect: { errorCode: 'INVALID_INPUT', message: /"call": "<name>"/ } },
  {
    name: 'input nested 400,000 deep',
    bytes: () => textFrame(`{"id":7,"call":"dictionary.lookup","input":${'['.repeat(400_000)}${']'.repeat(400_000)}}`),
    expect: { errorCode: 'INVALID_INPUT', message: /expected object/i },
  },
  { name: 'text that is not JSON', bytes: () => textFrame('{"id":1,'), expect: { close: 1007 } },
  { name: 'a 2 MiB frame over the payload cap', bytes: () => textFrame(Buffer.alloc(2 << 20, 0x20)), expect: { close: 1009 } },
  { name: 'bad UTF-8', bytes: () => textFrame(Buffer.from([0x22, 0xc3, 0x28, 0x22])), expect: { close: 1007 } },
  { name: 'an unmasked frame', bytes: () => encodeFrame({ opcode: 0x1, payload: Buffer.from('{}'), mask: false }), expect: { close: 1002 } },
  { name: 'RSV1 set without an extension', bytes: () => encodeFrame({ opcode: 0x1, payload: Buffer.from('{}'), rsv1: true }), expect: { close: 1002 } },
  { name: 'a close frame with a bad code', bytes: () => closeFrame(999), expect: { close: 1002 } },
  { name: 'a close frame with a reserved code (1005)', bytes: () => closeFrame(1005), expect: { close: 1002 } },
  { name: 'an unknown opcode', bytes: () => encodeFrame({ opcode: 0x3, payload: Buffer.alloc(0) }), expect: { close: 1002 } },
  { name: 'a fragmented ping', bytes: () => encodeFrame({ opcode: 0x9, payload: Buffer.alloc(0), fin: false }), expect: { close: 1002 } },
  { name: 'a binary frame', bytes: () => encodeFrame({ opcode: 0x2, payload: Buffer.from('{}') }), expect: { close: 1003 } },
];

/** Sends a good call on a fresh connection and returns the reply. */
async function goodCall(): Promise<{ id: number; ok: boolean; value?: { transport?: string } }> {
  const ws = await openRawSocket(serve.port, serve.token);
  try {
    ws.write(textFrame(JSON.stringify({ id: 1, call: 'system.info', input: {} })));
    return JSON.parse((await nextData(ws))!.payload.toString());
  } finally {
    ws.destroy();
  }
}

/** The next data or close frame (pings and pongs skipped). */
async function nextData(ws: RawSocket) {
  for (;;) {
    const frame = await ws.nextFrame();
    if (!frame || frame.opcode !== 0x9) return frame;
  }
}

describe('portolan serve survives malformed WebSocket messages', () => {
  it.each(CASES)('$name', async ({ bytes, expect: expected }) => {
    const ws = await openRawSocket(serve.port, serve.token);
    ws.write(bytes());
    const frame = await nextData(ws);
    if ('close' in expected) {
      expect(closeCode(frame)).toBe(expected.close);
      // Finish the closing handshake as a client would; the server then ends the connection.
      ws.write(closeFrame(1000));
      await ws.closed;
    } else {
      const reply = JSON.parse(frame!.payload.toString());
      expect(reply).toMatchObject({ id: 7, ok: false, error: { code: expected.errorCode } });
      expect(reply.error.message).toMatch(expected.message);
      ws.destroy();
    }
    expect(serve.exited()).toBeNull();
    expect(await goodCall()).toMatchObject({ id: 1, ok: true, value: { transport: 'web' } });
    expect(serve.stderr()).not.toMatch(/Error|at /);
  });
});

/** Writes one raw HTTP request and resolves with the status line of the answer ('' if none). */
function rawRequest(head: string): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    const socket = net.connect({ host: '127.0.0.1', port: serve.port }, () => socket.write(head));
    socket.on('error', () => undefined);
    socket.on('data', (c: Buffer) => {
      out += c.toString('latin1');
      if (out.includes('\r\n')) socket.destroy();
    });
    socket.once('close', () => resolve(out.split('\r\n')[0]!));
  });
}

describe('portolan serve survives malformed HTTP requests', () => {
  const upgrade = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
  it.each(['http://[', 'http://:99999/', 'http://[::1/ws'])('answers 400 to the target %s, as a page request and as an upgrade', async (target) => {
    for (const extra of ['', upgrade]) {
      const status = await rawRequest(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${serve.port}\r\nAuthorization: Bearer ${serve.token}\r\n${extra}\r\n`);
      expect(status).toMatch(/^HTTP\/1\.1 400 /);
      expect(serve.exited()).toBeNull();
    }
    expect(await goodCall()).toMatchObject({ id: 1, ok: true });
  });
});
