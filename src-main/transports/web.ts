/**
 * The web transport behind `portolan serve`: HTTP for the static renderer and a WebSocket for
 * the contract's calls and events. Loopback only unless told otherwise; every request must carry
 * the run's token or its session cookie, a Host that is ours and no foreign Origin.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { WireEvent, WireReply } from '../contract/index.js';
import type { PortolanApp } from '../app/create-app.js';
import { SESSION_COOKIE, allowedHosts, checkHostAndOrigin, readCookie, sameSecret, type Refusal } from './web-guard.js';
import { contentTypeOf } from './content-types.js';

/** How to start the web transport. */
export interface WebServerOptions {
  app: PortolanApp;
  /** The built renderer (dist/renderer). */
  staticDir: string;
  /** Address to bind; 127.0.0.1 unless the user chose otherwise. */
  host?: string;
  /** Port to bind; 0 picks a free one. */
  port?: number;
  /** The run's token; a random one is made when omitted. */
  token?: string;
}

/** A running web transport. */
export interface WebServer {
  /** The URL to open, with the token. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly token: string;
  /** Number of connected WebSocket clients. */
  clientCount(): number;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "frame-ancestors 'none'",
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** Largest message a browser may send; calls are small. */
const MAX_MESSAGE_BYTES = 1 << 20;
/** A client that stops reading gets disconnected instead of growing the server's memory. */
const MAX_BUFFERED_BYTES = 16 << 20;

/** Starts the server and resolves once it listens. */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const session = randomBytes(24).toString('base64url');
  const staticDir = path.resolve(options.staticDir);
  let hosts = new Set<string>();

  const refuse = (res: http.ServerResponse, refusal: NonNullable<Refusal>) => {
    res.writeHead(refusal.status, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
    res.end(`${refusal.reason}\n`);
  };

  /** The request's credential: the session cookie, a bearer token, or ?token= in the URL. */
  const authorized = (req: http.IncomingMessage, url: URL): boolean =>
    sameSecret(readCookie(req.headers, SESSION_COOKIE), session) ||
    sameSecret(req.headers.authorization?.replace(/^Bearer\s+/i, ''), token) ||
    sameSecret(url.searchParams.get('token') ?? undefined, token);

  const server = http.createServer(async (req, res) => {
    const hostRefusal = checkHostAndOrigin(req.headers, hosts);
    if (hostRefusal) return refuse(res, hostRefusal);
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, { status: 405, reason: 'Only GET is served here.' });
    const url = new URL(req.url ?? '/', 'http://placeholder.invalid');
    if (url.searchParams.has('token')) {
      if (!sameSecret(url.searchParams.get('token') ?? undefined, token)) {
        return refuse(res, { status: 401, reason: 'This link has a wrong token. Open the exact URL that `portolan serve` printed.' });
      }
      // Trade the token for an HttpOnly cookie, and take the token out of the address bar.
      res.writeHead(302, {
        'Set-Cookie': `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname,
        ...SECURITY_HEADERS,
      });
      return res.end();
    }
    if (!authorized(req, url)) {
      return refuse(res, { status: 401, reason: 'Portolan needs the token link: open the URL that `portolan serve` printed (it ends in ?token=...).' });
    }
    await serveStatic(staticDir, url.pathname, res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://placeholder.invalid');
    let refusal = checkHostAndOrigin(req.headers, hosts);
    if (!refusal && url.pathname !== '/ws') refusal = { status: 404, reason: 'No WebSocket here.' };
    if (!refusal && !authorized(req, url)) refusal = { status: 401, reason: 'Missing or wrong token.' };
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal.status} Refused\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${refusal.reason}\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', async (data, isBinary) => {
      if (isBinary) return ws.close(1003, 'text messages only');
      let message: { id?: unknown; call?: unknown; input?: unknown };
      try {
        message = JSON.parse(data.toString());
      } catch {
        return ws.close(1007, 'messages must be JSON');
      }
      if (typeof message.id !== 'number' || typeof message.call !== 'string') return ws.close(1008, 'a call needs a numeric id and a call name');
      const result = await options.app.invoke(message.call, message.input);
      send(ws, { id: message.id, ...result } as WireReply);
    });
  });

  const send = (ws: WebSocket, message: WireReply | WireEvent) => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) return ws.terminate();
    ws.send(JSON.stringify(message));
  };
  const stopEvents = options.app.bus.onAny((event, payload) => {
    for (const ws of wss.clients) send(ws, { event, payload });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: options.port ?? 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(host, port);
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    host,
    port,
    token,
    clientCount: () => wss.clients.size,
    async close() {
      stopEvents();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Serves a file of the built renderer; unknown paths fall back to index.html (one-page app). */
async function serveStatic(root: string, pathname: string, res: http.ServerResponse): Promise<void> {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    relative = '/';
  }
  let file = path.resolve(root, `.${relative}`);
  if (!file.startsWith(root + path.sep) && file !== root) file = root;
  let info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    file = path.join(root, 'index.html');
    info = await stat(file).catch(() => undefined);
  }
  if (!info?.isFile()) {
    res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
    res.end('The renderer is not built: run `npm run build`, then reload.\n');
    return;
  }
  const isIndex = file.endsWith('index.html');
  res.writeHead(200, {
    'Content-Type': contentTypeOf(file),
    'Content-Length': info.size,
    'Cache-Control': isIndex ? 'no-store' : 'max-age=3600',
    ...SECURITY_HEADERS,
  });
  createReadStream(file).pipe(res);
}
