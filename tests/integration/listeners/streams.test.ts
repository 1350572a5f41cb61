/**
 * Big streams through real loopback sockets: the echo responder returns exactly the bytes sent
 * (SHA-256 over 100 MB), and an interactive session that is not acknowledged pauses its peer
 * (bounded emitted bytes and memory), then drains completely once acknowledged.
 */
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_CONTROL } from '../../../src-main/contract/index.js';
import { testApp } from '../../helpers/app.js';
import { call, until } from './helpers.js';

let ctx: Awaited<ReturnType<typeof testApp>>;
beforeAll(async () => {
  ctx = await testApp();
});
afterAll(() => ctx.dispose());

const MB = 1024 * 1024;

/** Writes `total` bytes (a random 1 MiB block repeated, varied per block) respecting backpressure; returns their SHA-256. */
async function writeStream(socket: net.Socket, total: number, onProgress?: (written: number) => void): Promise<string> {
  const block = randomBytes(MB);
  const hash = createHash('sha256');
  let written = 0;
  while (written < total) {
    const n = Math.min(MB, total - written);
    block.writeUInt32LE(written >>> 0, 0);
    const chunk = Buffer.from(block.subarray(0, n));
    hash.update(chunk);
    written += n;
    if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
    onProgress?.(written);
  }
  socket.end();
  return hash.digest('hex');
}

describe('big streams', () => {
  it('echoes 100 MB exactly (SHA-256 of what comes back equals what was sent)', async () => {
    const listener = await call(ctx.app, 'listeners.open', { responder: 'echo' });
    const socket = net.connect(listener.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const back = createHash('sha256');
    let received = 0;
    socket.on('data', (d: Buffer) => {
      back.update(d);
      received += d.length;
    });
    const ended = new Promise((r) => socket.once('end', r));
    const sent = await writeStream(socket, 100 * MB);
    await ended;
    expect(received).toBe(100 * MB);
    expect(back.digest('hex')).toBe(sent);
    await call(ctx.app, 'listeners.close', { id: listener.id });
  }, 120000);

  it('pauses a peer sending 50 MB to an unacknowledged console, then drains it completely once acknowledged', async () => {
    const TOTAL = 50 * MB;
    const listener = await call(ctx.app, 'listeners.open', {});
    let sessionId = '';
    let emitted = 0;
    let acking = false;
    let paused = false;
    const hash = createHash('sha256');
    const off = ctx.app.bus.on('sessions.data', (d) => {
      const bytes = Buffer.from(d.data, 'base64');
      sessionId = d.id;
      emitted += bytes.length;
      hash.update(bytes);
      if (acking) void ctx.app.invoke('sessions.ack', { id: d.id, bytes: bytes.length });
    });
    const offChanged = ctx.app.bus.on('sessions.changed', (c) => {
      for (const s of c.sessions) if (s.listenerId === listener.id) paused = s.paused;
    });
    global.gc?.();
    const before = process.memoryUsage();
    const socket = net.connect(listener.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    let written = 0;
    const sending = writeStream(socket, TOTAL, (n) => (written = n));

    // Without acknowledgements the sender stalls: the engine paused the socket.
    let last = -1;
    await until(() => {
      const stalled = written === last && emitted > 0;
      last = written;
      return stalled;
    }, 20000, 'the sender to stall');
    await new Promise((r) => setTimeout(r, 300));
    expect(emitted).toBeGreaterThanOrEqual(FLOW_CONTROL.highWatermark);
    expect(emitted).toBeLessThanOrEqual(FLOW_CONTROL.highWatermark + FLOW_CONTROL.maxChunk);
    expect(written).toBeLessThan(TOTAL / 2);
    await until(() => paused, 2000, 'paused reported in sessions.changed');
    const during = process.memoryUsage();
    expect(during.heapUsed - before.heapUsed).toBeLessThan(64 * MB);
    expect(during.rss - before.rss).toBeLessThan(128 * MB);

    // Acknowledge what was shown so far, and everything from now on: the rest flows.
    acking = true;
    await call(ctx.app, 'sessions.ack', { id: sessionId, bytes: emitted });
    const sent = await sending;
    await until(() => emitted === TOTAL, 60000, 'all bytes at the console');
    expect(hash.digest('hex')).toBe(sent);
    await until(() => !paused, 2000, 'resumed');
    off();
    offChanged();
    socket.destroy();
    await call(ctx.app, 'listeners.close', { id: listener.id });
  }, 120000);

  it('drops and counts UDP datagrams beyond the watermark (UDP cannot be paused)', async () => {
    const listener = await call(ctx.app, 'listeners.open', { protocol: 'udp' });
    let emitted = 0;
    let dropped = 0;
    const off = ctx.app.bus.on('sessions.data', (d) => (emitted += Buffer.from(d.data, 'base64').length));
    const offChanged = ctx.app.bus.on('sessions.changed', (c) => {
      for (const s of c.sessions) if (s.listenerId === listener.id) dropped = s.droppedDatagrams;
    });
    const client = dgram.createSocket('udp4');
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
    const datagram = Buffer.alloc(8000, 7);
    for (let i = 0; i < 200; i++) {
      await new Promise<void>((r) => client.send(datagram, listener.port, '127.0.0.1', () => r()));
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await until(() => dropped > 0, 5000, 'dropped datagrams reported');
    await new Promise((r) => setTimeout(r, 300));
    expect(emitted).toBeLessThanOrEqual(FLOW_CONTROL.highWatermark);
    expect(emitted + dropped * datagram.length).toBeLessThanOrEqual(200 * datagram.length);
    off();
    offChanged();
    client.close();
    await call(ctx.app, 'listeners.close', { id: listener.id });
  });
});
