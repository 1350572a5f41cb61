import { mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWebServer, type WebServer } from '../../src-main/transports/web.js';
import { testApp } from '../helpers/app.js';

let ctx: Awaited<ReturnType<typeof testApp>>;
let server: WebServer;
let origin: string;

beforeAll(async () => {
  ctx = await testApp('web');
  const staticDir = await mkdtemp(path.join(os.tmpdir(), 'portolan-static-'));
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>Portolan</title>');
  server = await startWebServer({ app: ctx.app, staticDir });
  origin = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.close();
  await ctx.dispose();
});

function get(pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: server.port, path: pathname, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

async function sessionCookie(): Promise<string> {
  const res = await get(`/?token=${server.token}`);
  expect(res.status).toBe(302);
  return res.headers['set-cookie']![0]!.split(';')[0]!;
}

/** Opens a WebSocket and resolves with it once open, or rejects with the HTTP status of the refusal. */
function openWs(headers: Record<string, string>, query = ''): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function call(ws: WebSocket, id: number, name: string, input: unknown): Promise<any> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const msg = JSON.parse(data.toString());
      if (msg.id === id) {
        ws.off('message', onMessage);
        resolve(msg);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, call: name, input }));
  });
}

describe('web transport security', () => {
  it('binds to loopback and prints a token URL', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{20,}$/);
  });

  it('refuses a request without the token', async () => {
    const res = await get('/');
    expect(res.status).toBe(401);
    expect(res.body).toMatch(/token/);
  });

  it('refuses a wrong token', async () => {
    expect((await get('/?token=wrong')).status).toBe(401);
  });

  it('trades the right token for an HttpOnly SameSite cookie and serves the page with it', async () => {
    const res = await get(`/?token=${server.token}`);
    expect(res.headers.location).toBe('/');
    expect(res.headers['set-cookie']![0]).toMatch(/HttpOnly; SameSite=Strict/);
    const page = await get('/', { Cookie: await sessionCookie() });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Portolan</title>');
    expect(page.headers['x-frame-options']).toBe('DENY');
  });

  it('redirects the token link only to a path of this origin, never to //another-host', async () => {
    for (const [sent, location] of [
      ['/.//evil.example/', '/evil.example/'],
      ['//evil.example/', '/'],
      ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
      ['/./\\evil.example', '/evil.example'],
      ['/settings', '/settings'],
    ]) {
      const res = await get(`${sent}?token=${server.token}`);
      expect(res.status, sent).toBe(302);
      expect(res.headers.location, sent).toBe(location);
      expect(new URL(res.headers.location!, origin).origin).toBe(origin);
    }
  });

  it('refuses a foreign Host header (DNS rebinding), even with the token', async () => {
    const res = await get(`/?token=${server.token}`, { Host: `rebind.example:${server.port}` });
    expect(res.status).toBe(421);
  });

  it('refuses a foreign Origin, even with the cookie', async () => {
    const res = await get('/', { Cookie: await sessionCookie(), Origin: 'http://evil.example' });
    expect(res.status).toBe(403);
  });

  it('does not serve files outside the renderer folder', async () => {
    const res = await get('/..%2f..%2fetc%2fpasswd', { Cookie: await sessionCookie() });
    expect(res.body).not.toContain('root:');
  });

  it('refuses WebSockets without a token, with a wrong one, or from a foreign Origin or Host', async () => {
    await expect(openWs({ Origin: origin })).rejects.toThrow(/401/);
    await expect(openWs({ Origin: origin }, '?token=wrong')).rejects.toThrow(/401/);
    await expect(openWs({ Origin: 'http://evil.example', Cookie: await sessionCookie() })).rejects.toThrow(/403/);
    await expect(openWs({ Host: `rebind.example:${server.port}`, Cookie: await sessionCookie() })).rejects.toThrow(/421/);
  });

  it('answers calls and pushes events over the WebSocket with the cookie', async () => {
    const ws = await openWs({ Origin: origin, Cookie: await sessionCookie() });
    const reply = await call(ws, 1, 'dictionary.lookup', { query: '443' });
    expect(reply).toMatchObject({ id: 1, ok: true });
    expect(reply.value.items[0].names).toContain('https');

    const bad = await call(ws, 2, 'dictionary.card', { port: -1 });
    // The path of the refused field crosses the WebSocket with the code and sentence.
    expect(bad).toMatchObject({ id: 2, ok: false, error: { code: 'INVALID_INPUT', path: ['port'] } });

    const event = new Promise<any>((resolve) =>
      ws.on('message', (d) => {
        const msg = JSON.parse(d.toString());
        if (msg.event === 'settings.changed') resolve(msg);
      }),
    );
    await call(ws, 3, 'settings.update', { theme: 'dark' });
    expect((await event).payload.theme).toBe('dark');
    ws.close();
  });

  it('accepts a bearer token from a non-browser client', async () => {
    const ws = await openWs({ Authorization: `Bearer ${server.token}` });
    expect((await call(ws, 1, 'system.info', {})).value.transport).toBe('web');
    ws.close();
  });
});
