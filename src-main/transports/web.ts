/**
 * The web transport behind `portolan serve`: HTTP for the static renderer and a WebSocket for
 * the contract's calls and events. Loopback only unless told otherwise; every request must carry
 * the run's token or its session cookie, a Host that is ours and no foreign Origin.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { toWireError } from '../contract/errors.js';
import type { WireEvent, WireReply } from '../contract/index.js';
import type { PortolanApp } from '../app/create-app.js';
import { DEFAULT_CONNECTION_LIMITS, guardConnections, serverOptions, type ConnectionLimits } from './web-connections.js';
import { readWireMessage } from './web-wire.js';
import { SESSION_COOKIE, allowedHosts, isWildcardAddress, checkHostAndOrigin, readCookie, sameSecret, type Refusal } from './web-guard.js';
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
  /** Connection cap and timeouts; tests shorten them. Defaults: {@link DEFAULT_CONNECTION_LIMITS}. */
  limits?: Partial<ConnectionLimits>;
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
  /** Number of open TCP connections (HTTP and WebSocket); never above the cap. */
  connectionCount(): number;
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

/** The answer to a request whose target is not a URL at all (an absolute form such as `http://[`). */
const BAD_TARGET = { status: 400, reason: 'The request target is not a valid URL: ask for a path such as /.' };

/** The request's target as a URL, or undefined when it cannot be parsed (which would otherwise throw). */
function requestUrl(req: http.IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://placeholder.invalid');
  } catch {
    return undefined;
  }
}

/** Starts the server and resolves once it listens. */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const session = randomBytes(24).toString('base64url');
  const staticDir = path.resolve(options.staticDir);
  let port = 0;
  let hosts = new Set<string>();
  // A wildcard bind follows the machine's addresses as they come and go (Wi-Fi, VPN, DHCP).
  const currentHosts = () => (isWildcardAddress(host) ? allowedHosts(host, port) : hosts);

  const refuse = (res: http.ServerResponse, refusal: NonNullable<Refusal>) => {
    res.writeHead(refusal.status, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
    res.end(`${refusal.reason}\n`);
  };

  /** The request's credential: the session cookie, a bearer token, or ?token= in the URL. */
  const authorized = (req: http.IncomingMessage, url: URL): boolean =>
    sameSecret(readCookie(req.headers, SESSION_COOKIE), session) ||
    sameSecret(req.headers.authorization?.replace(/^Bearer\s+/i, ''), token) ||
    sameSecret(url.searchParams.get('token') ?? undefined, token);

  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits };
  const handleRequest = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const hostRefusal = checkHostAndOrigin(req.headers, currentHosts());
    if (hostRefusal) return refuse(res, hostRefusal);
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, { status: 405, reason: 'Only GET is served here.' });
    const url = requestUrl(req);
    if (!url) return refuse(res, BAD_TARGET);
    if (url.searchParams.has('token')) {
      if (!sameSecret(url.searchParams.get('token') ?? undefined, token)) {
        return refuse(res, { status: 401, reason: 'This link has a wrong token. Open the exact URL that `portolan serve` printed.' });
      }
      // Trade the token for an HttpOnly cookie, and take the token out of the address bar.
      res.writeHead(302, {
        'Set-Cookie': `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`,
        Location: sameOriginPath(url.pathname),
        ...SECURITY_HEADERS,
      });
      res.end();
      return;
    }
    if (!authorized(req, url)) {
      return refuse(res, { status: 401, reason: 'Portolan needs the token link: open the URL that `portolan serve` printed (it ends in ?token=...).' });
    }
    await serveStatic(staticDir, url.pathname, res);
  };
  // Whatever goes wrong with one request ends that request, never the process.
  const server = http.createServer(serverOptions(limits), (req, res) => void handleRequest(req, res).catch(() => res.destroy()));

  const connections = guardConnections(server, limits);

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (req, socket, head) => {
    connections.upgraded(socket as Socket);
    const url = requestUrl(req);
    const refusal =
      checkHostAndOrigin(req.headers, currentHosts()) ??
      (!url
        ? BAD_TARGET
        : url.pathname !== '/ws'
          ? { status: 404, reason: 'No WebSocket here.' }
          : !authorized(req, url)
            ? { status: 401, reason: 'Missing or wrong token.' }
            : undefined);
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal.status} Refused\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${refusal.reason}\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    // `ws` reports a frame it refuses (over the size cap, bad UTF-8, unmasked, RSV1, a bad close
    // code) as an 'error' on this socket and closes it with the matching code. Without a
    // listener that error would be thrown and end the process, engine included.
    ws.on('error', () => undefined);
    ws.on('message', (data, isBinary) => {
      void answer(ws, data, isBinary).catch(() => ws.terminate());
    });
  });

  /** Runs one message as a call and sends the reply; bad messages get an error reply or a close. */
  const answer = async (ws: WebSocket, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): Promise<void> => {
    const message = readWireMessage(data, isBinary);
    if (message.kind === 'close') return ws.close(message.code, message.reason);
    if (message.kind === 'reply') return send(ws, message.reply);
    try {
      const result = await options.app.invoke(message.call, message.input);
      send(ws, { id: message.id, ...result } as WireReply);
    } catch (err) {
      // dispatch never throws by design; a reply that cannot be sent (say, not serializable)
      // still gets an answer so the client's call does not hang.
      send(ws, { id: message.id, ok: false, error: toWireError(err) });
    }
  };

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
  port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(host, port);
  // A browser cannot be sent to 0.0.0.0 or :: (and its Host would be refused): the URL names
  // loopback, which a wildcard bind answers on too.
  const urlHost = isWildcardAddress(host) ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    host,
    port,
    token,
    clientCount: () => wss.clients.size,
    connectionCount: () => connections.open(),
    async close() {
      stopEvents();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The path to send the browser to after the token is traded: always rooted at `/` on this
 * origin. `/.//evil.example/` parses to the path `//evil.example/`, which a browser would read
 * as another host, so leading slashes (and backslashes, which browsers treat alike) collapse.
 */
export function sameOriginPath(pathname: string): string {
  return `/${pathname.replace(/^[/\\]+/, '')}`;
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
  // A file removed between stat and open ends this response, not the process.
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}
