/**
 * The web transport fed generated bad input over real TCP: sequences of hand-encoded WebSocket
 * frames (any opcode, flags, masking, lying lengths, bytes or JSON or call-shaped payloads), and
 * raw bytes in place of an HTTP request. After each case a good call on a fresh connection must
 * be answered; at the end every connection is gone and the heap is bounded.
 */
import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebServer, type WebServer } from '../../../src-main/transports/web.js';
import { testApp } from '../../helpers/app.js';
import { encodeFrame, openRawSocket, textFrame } from '../../helpers/raw-ws.js';
import { callName, decide, inputFor } from './contract-inputs.js';
import { fuzzParameters, fuzzTimeout, heapAfterGc, replayLine } from './fuzz-config.js';

const FRAME_CASES = 300;
const HTTP_CASES = 150;
/** The id of the good call that ends every case. */
const PROBE_ID = 424242;

let ctx: Awaited<ReturnType<typeof testApp>>;
let server: WebServer;
let staticDir: string;
const tally = { cases: 0, frames: 0, httpCases: 0, answered: 0, closedByServer: 0, stalled: 0 };

beforeAll(async () => {
  ctx = await testApp('web', { forwards: { userKnownHosts: [] } });
  staticDir = await mkdtemp(path.join(os.tmpdir(), 'portolan-static-'));
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>Portolan</title>');
  server = await startWebServer({ app: ctx.app, staticDir });
});
afterAll(async () => {
  await server?.close();
  await ctx?.dispose();
  await rm(staticDir, { recursive: true, force: true });
  console.log(
    `${replayLine('WebSocket fuzz')}\n  ${tally.cases} connections carrying ${tally.frames} generated frames, and ${tally.httpCases} raw HTTP requests; ` +
      `the server closed ${tally.closedByServer} connections over bad input, answered the probe on ${tally.answered}, ` +
      `${tally.stalled} waited for bytes never sent; every good call after a case was answered; 0 crashes (a crash fails the test)`,
  );
});

/** A message payload: JSON of any shape, a call-shaped object (confined like the contract fuzz), or bytes. */
const messageId = fc.oneof({ arbitrary: fc.nat(), weight: 8 }, { arbitrary: fc.oneof(fc.double(), fc.string({ maxLength: 5 }), fc.constant(null)), weight: 1 });
const callMessage = fc.tuple(messageId, callName).chain(([id, call]) =>
  inputFor(Object.hasOwn(ctx.app.handlers, call) ? call : 'system.info').map((input) => {
    const decision = decide(call, input);
    // A string is refused by every call's schema: what may not be sent valid is sent invalid.
    return Buffer.from(JSON.stringify({ id, call, input: decision.send ? decision.input : 'not a call input' }) ?? 'null');
  }),
);
const payload = fc.oneof(
  { arbitrary: callMessage, weight: 8 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? '')), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), weight: 1 },
);
/** Any frame at all: opcode, flags, masking and length all generated. */
const anyFrame = fc
  .record({
    opcode: fc.oneof({ arbitrary: fc.constantFrom(0x0, 0x1, 0x2, 0x8, 0x9, 0xa), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 15 }), weight: 1 }),
    fin: fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.constant(false), weight: 1 }),
    rsv1: fc.oneof({ arbitrary: fc.constant(false), weight: 6 }, { arbitrary: fc.constant(true), weight: 1 }),
    mask: fc.oneof({ arbitrary: fc.constant(true), weight: 6 }, { arbitrary: fc.constant(false), weight: 1 }),
    payload,
    // Now and then the header lies: over the 1 MiB cap, or a length other than the payload's.
    announcedLength: fc.option(fc.oneof(fc.constant((1 << 20) + 1), fc.integer({ min: 0, max: 300 })), { freq: 12 }),
  })
  .map(({ announcedLength, ...f }) => encodeFrame({ ...f, announcedLength: announcedLength ?? undefined }));
/** Mostly well-framed text messages, so that bad content reaches the calls and not only the framing. */
const frame = fc.oneof({ arbitrary: payload.map((p) => textFrame(p)), weight: 8 }, { arbitrary: anyFrame, weight: 1 });

/** Writes the frames, then a good call; resolves with how the connection ended. */
async function runFrames(frames: Buffer[]): Promise<'answered' | 'closed' | 'stalled'> {
  const ws = await openRawSocket(server.port, server.token);
  for (const f of frames) ws.write(f);
  ws.write(textFrame(JSON.stringify({ id: PROBE_ID, call: 'system.info', input: {} })));
  const read = (async () => {
    for (;;) {
      const f = await ws.nextFrame();
      if (!f || f.opcode === 0x8) return 'closed' as const;
      if (f.opcode === 0x1 && f.payload.includes(`"id":${PROBE_ID}`)) return 'answered' as const;
    }
  })();
  // Bounds a case whose header announced bytes that never come; not an assertion on time.
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<'stalled'>((resolve) => (timer = setTimeout(() => resolve('stalled'), 500)));
  const outcome = await Promise.race([read, stalled]);
  clearTimeout(timer);
  ws.destroy();
  return outcome;
}

/** A good call on a fresh connection must be answered after every case. */
async function goodCallAnswered(): Promise<void> {
  const ws = await openRawSocket(server.port, server.token);
  ws.write(textFrame(JSON.stringify({ id: 1, call: 'dictionary.lookup', input: { query: '22' } })));
  for (;;) {
    const f = await ws.nextFrame();
    expect(f, 'the server closed a good connection').toBeDefined();
    if (f!.opcode === 0x1 && JSON.parse(f!.payload.toString()).id === 1) {
      expect(JSON.parse(f!.payload.toString())).toMatchObject({ ok: true });
      break;
    }
  }
  ws.destroy();
}

/** Writes raw bytes where an HTTP request belongs, and waits for the server to answer or close. */
function runHttpBytes(bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: server.port }, () => socket.end(bytes));
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    socket.once('close', () => resolve());
  });
}

function getPage(): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: server.port, path: '/', agent: false, headers: { Authorization: `Bearer ${server.token}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
}

const httpBytes = fc.oneof(
  fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
  fc
    .tuple(
      fc.constantFrom('GET', 'POST', 'HEAD', 'OPTIONS', 'G\0T', ''),
      // Origin form, absolute form (http://[ once ended the process), asterisk form.
      fc.constantFrom('/', '//', 'http://', 'http://[', 'ws://', '*', ''),
      fc.string({ maxLength: 60, unit: 'binary' }),
      fc.array(fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 60 })), { maxLength: 6 }),
      fc.boolean(),
    )
    .map(([method, prefix, target, headers, upgrade]) =>
      Buffer.from(
        `${method} ${prefix}${target} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAuthorization: Bearer ${server.token}\r\n` +
          (upgrade ? 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' : '') +
          `${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`,
      ),
    ),
);

describe('WebSocket transport fuzz', () => {
  it(
    'survives generated frame sequences and raw HTTP bytes, answers a good call after each, and lets go of every connection',
    async () => {
      const heapBefore = heapAfterGc();
      await fc.assert(
        fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 6 }), async (frames) => {
          tally.cases++;
          tally.frames += frames.length;
          const outcome = await runFrames(frames);
          tally[outcome === 'answered' ? 'answered' : outcome === 'closed' ? 'closedByServer' : 'stalled']++;
          await goodCallAnswered();
        }),
        fuzzParameters(FRAME_CASES),
      );
      await fc.assert(
        fc.asyncProperty(httpBytes, async (bytes) => {
          tally.httpCases++;
          await runHttpBytes(bytes);
          expect(await getPage()).toBe(200);
        }),
        fuzzParameters(HTTP_CASES),
      );
      // The server's side of the last connections closes on its own turn of the event loop.
      while (server.connectionCount() > 0) await new Promise((r) => setTimeout(r, 20));
      expect(server.clientCount()).toBe(0);
      expect(heapAfterGc() - heapBefore).toBeLessThan(64 << 20);
    },
    fuzzTimeout(2, FRAME_CASES, 300),
  );
});
