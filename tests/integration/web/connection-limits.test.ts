/**
 * Slow and idle clients cannot hold `portolan serve`: connections are capped, idle and
 * slow-header ones are closed by the server, and the page keeps answering meanwhile. Outcomes
 * only (who gets closed, what still answers); the limits are shortened so that the test is quick.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebServer, type WebServer } from '../../../src-main/transports/web.js';
import { testApp } from '../../helpers/app.js';
import { openRawSocket, textFrame } from '../../helpers/raw-ws.js';

let ctx: Awaited<ReturnType<typeof testApp>>;
let staticDir: string;
const servers: WebServer[] = [];

beforeAll(async () => {
  ctx = await testApp('web');
  staticDir = await mkdtemp(path.join(os.tmpdir(), 'portolan-static-'));
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>Portolan</title>');
});
afterAll(async () => {
  for (const server of servers) await server.close();
  await ctx.dispose();
  await rm(staticDir, { recursive: true, force: true });
});

async function start(limits: { maxConnections: number; idleMs: number; headersMs: number }): Promise<WebServer> {
  const server = await startWebServer({ app: ctx.app, staticDir, limits });
  servers.push(server);
  return server;
}

/** GET / with the token as a bearer credential; resolves with the status and body. */
function getPage(port: number, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

/** A TCP connection that the test never ends itself; `closed` resolves when the server ends it. */
function holdOpen(port: number, onConnect?: (socket: net.Socket) => void): { socket: net.Socket; settled: Promise<void>; closed: Promise<void> } {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const settled = Promise.race([new Promise<void>((resolve) => socket.once('connect', () => (onConnect?.(socket), resolve()))), closed]);
  return { socket, settled, closed };
}

describe('connection limits of the web transport', () => {
  it('keeps the page answering while 2,000 idle connections are attempted, and closes every idle one', async () => {
    const server = await start({ maxConnections: 100, idleMs: 500, headersMs: 1_000 });
    // In waves below the listen backlog (511): past it the kernel drops the handshake's last
    // ACK, the client believes it is connected and the server never sees the connection at all.
    const flood: ReturnType<typeof holdOpen>[] = [];
    for (let wave = 0; wave < 8; wave++) {
      const batch = Array.from({ length: 250 }, () => holdOpen(server.port));
      await Promise.all(batch.map((c) => c.settled));
      flood.push(...batch);
      expect(server.connectionCount()).toBeLessThanOrEqual(100);
    }

    const page = await getPage(server.port, server.token);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Portolan</title>');

    // The test never ends these sockets: each is closed by the server (evicted or timed out).
    await Promise.all(flood.map((c) => c.closed));
    expect(flood.every((c) => c.socket.destroyed)).toBe(true);
    // The server's side of each closes on its own turn of the event loop.
    while (server.connectionCount() > 0) await new Promise((r) => setTimeout(r, 20));
  });

  it('closes a connection that trickles its headers a byte at a time', async () => {
    const server = await start({ maxConnections: 100, idleMs: 400, headersMs: 800 });
    let timer: NodeJS.Timeout | undefined;
    const slow = holdOpen(server.port, (socket) => {
      socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      // Faster than the idle timeout, so only the headers deadline can end it.
      timer = setInterval(() => socket.write('X'), 100);
    });
    await slow.closed;
    clearInterval(timer);
    expect((await getPage(server.port, server.token)).status).toBe(200);
  });

  it('refuses a new connection only when every one is busy, and the busy ones keep working', async () => {
    const server = await start({ maxConnections: 3, idleMs: 60_000, headersMs: 60_000 });
    const sockets = await Promise.all([1, 2, 3].map(() => openRawSocket(server.port, server.token)));
    const extra = holdOpen(server.port);
    await extra.closed;
    for (const ws of sockets) {
      ws.write(textFrame(JSON.stringify({ id: 5, call: 'system.info', input: {} })));
      expect(JSON.parse((await ws.nextFrame())!.payload.toString())).toMatchObject({ id: 5, ok: true });
      ws.destroy();
    }
    await Promise.all(sockets.map((ws) => ws.closed));
    expect((await getPage(server.port, server.token)).status).toBe(200);
  });
});
