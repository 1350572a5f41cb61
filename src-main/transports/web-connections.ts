/**
 * Keeps `portolan serve` answering when clients hold connections open without using them: idle
 * and slow-header connections time out in seconds, and the number of connections is capped. At
 * the cap the oldest connection that is not serving anything makes room for the new one, so a
 * flood of idle sockets cannot lock the browser out; only when every connection is busy (a
 * request in flight or an open WebSocket) is the new one refused.
 */
import type http from 'node:http';
import type { Socket } from 'node:net';

/** How many connections a serve accepts and how long it waits for them. */
export interface ConnectionLimits {
  /** Open TCP connections at most, WebSockets included. */
  maxConnections: number;
  /** A connection with no request in flight (before its first one, or between keep-alive requests) closes after this many ms. */
  idleMs: number;
  /** A request's headers must have arrived this many ms after it started. */
  headersMs: number;
}

/** A browser opens a handful of connections; 256 leaves room for many tabs and scripts. */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = { maxConnections: 256, idleMs: 5_000, headersMs: 10_000 };

/** Server options that must be given at creation: how often Node looks for expired requests. */
export function serverOptions(limits: ConnectionLimits): http.ServerOptions {
  // Node checks headersTimeout only this often (30 s by default), which is what let slow-header
  // connections live 70-80 s.
  return { connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersMs / 2))) };
}

/** What the guard reports about the connections it watches. */
export interface ConnectionGuard {
  /** Connections open now. */
  open(): number;
  /** A socket was handed to the WebSocket server: it is busy for as long as it lives. */
  upgraded(socket: Socket): void;
}

/** Applies the limits to `server`: timeouts, and the cap with eviction of idle connections. */
export function guardConnections(server: http.Server, limits: ConnectionLimits): ConnectionGuard {
  server.headersTimeout = limits.headersMs;
  server.requestTimeout = limits.headersMs;
  server.keepAliveTimeout = limits.idleMs;
  // Inactivity timeout: catches a connection that never sends a byte (headersTimeout starts at
  // the first byte). ws turns it off once a socket is upgraded.
  server.timeout = limits.idleMs;

  const all = new Set<Socket>();
  // In insertion order: the first one is the longest idle.
  const idle = new Set<Socket>();

  server.on('connection', (socket: Socket) => {
    if (all.size >= limits.maxConnections) {
      const oldest = idle.values().next().value;
      if (!oldest) {
        socket.destroy();
        return;
      }
      idle.delete(oldest);
      all.delete(oldest);
      oldest.destroy();
    }
    all.add(socket);
    idle.add(socket);
    socket.once('close', () => {
      all.delete(socket);
      idle.delete(socket);
    });
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    idle.delete(socket);
    // Back to idle (at the end of the line) once the response is out, for keep-alive.
    res.once('finish', () => {
      if (all.has(socket) && !socket.destroyed) idle.add(socket);
    });
  });
  return {
    open: () => all.size,
    upgraded: (socket) => idle.delete(socket),
  };
}
