/**
 * TCP listeners: the bound server, accepted peers (through the access gate), and how a TCP
 * session (accepted or client) answers by responder: echo, discard, HTTP, banner or interactive.
 */
import net from 'node:net';
import type { Responder } from '../../contract/index.js';
import { plainAddress } from '../net/address.js';
import { sessionError } from '../net/errors.js';
import { listenExclusive } from '../net/listen.js';
import { MAX_HEAD_BYTES, buildHttpResponse, headEnd, parseHead } from './http-responder.js';
import { addPeer, admitPeer, dropPeer, type BoundAddress, type Listener, type ListenerContext } from './listener.js';
import type { Session, SessionIo, SessionTable } from './session-stream.js';

/** Binds a TCP server for the listener; its peers become sessions. Rejects with the bind's errno error. */
export async function bindTcp(ctx: ListenerContext, listener: Listener, host: string, port: number): Promise<BoundAddress> {
  const server = net.createServer({ allowHalfOpen: true }, (socket) => acceptTcp(ctx, listener, socket));
  const bound = await listenExclusive(server, host, port);
  listener.server = server;
  return bound;
}

function acceptTcp(ctx: ListenerContext, listener: Listener, socket: net.Socket): void {
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  if (!ctx.isOpen(listener) || !admitPeer(ctx, listener, socket.remoteAddress)) {
    socket.destroy();
    return;
  }
  const responder = listener.info.responder;
  const session = ctx.sessions.create(
    {
      kind: 'accepted',
      listenerId: listener.info.id,
      protocol: 'tcp',
      responder,
      localAddress: plainAddress(socket.localAddress),
      localPort: socket.localPort ?? listener.info.port,
      remoteAddress: plainAddress(socket.remoteAddress),
      remotePort: socket.remotePort ?? 0,
    },
    tcpIo(socket),
  );
  addPeer(ctx, listener, session);
  wireTcp(ctx, session, socket, responder, listener);
}

/** Connects a TCP socket's events to its session, by responder (a client session has no listener). */
export function wireTcp(ctx: Pick<ListenerContext, 'sessions' | 'httpTimeoutMs' | 'changed'>, session: Session, socket: net.Socket, responder: Responder, listener?: Listener): void {
  const { sessions } = ctx;
  const info = session.info;
  socket.on('error', (err: NodeJS.ErrnoException) => {
    if (!session.closing) info.error = sessionError(err, 'tcp', info.remoteHost ?? info.remoteAddress, info.remotePort);
  });
  socket.on('close', () => {
    if (listener) dropPeer(ctx, listener, session);
    sessions.finish(session);
  });
  switch (responder) {
    case 'echo':
      socket.on('data', (chunk: Buffer) => {
        info.bytesIn += chunk.length;
        if (!socket.write(chunk, () => sessions.countOut(session, chunk.length))) socket.pause();
      });
      socket.on('drain', () => socket.resume());
      socket.on('end', () => socket.end());
      break;
    case 'discard':
      socket.on('data', (chunk: Buffer) => sessions.countIn(session, chunk.length));
      socket.on('end', () => socket.end());
      break;
    case 'http':
      answerHttp(sessions, session, socket, ctx.httpTimeoutMs);
      break;
    case 'banner':
    case 'interactive':
      if (responder === 'banner' && listener?.info.banner) {
        const banner = Buffer.from(listener.info.banner, 'utf8');
        socket.write(banner, () => sessions.countOut(session, banner.length, banner));
      }
      socket.on('data', (chunk: Buffer) => sessions.receive(session, chunk));
      // Like nc: when the peer has finished sending, the conversation is over.
      socket.on('end', () => {
        sessions.flush(session);
        socket.end();
      });
      break;
  }
}

/** The HTTP responder: one request head, one page that describes it, then the end. */
function answerHttp(sessions: SessionTable, session: Session, socket: net.Socket, timeoutMs: number): void {
  const info = session.info;
  let received = Buffer.alloc(0);
  let answered = false;
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  timer.unref();
  const answer = (truncated: boolean) => {
    if (answered) return;
    answered = true;
    clearTimeout(timer);
    const end = headEnd(received);
    const text = received.subarray(0, end >= 0 ? end : MAX_HEAD_BYTES).toString('latin1');
    const response = buildHttpResponse(parseHead(text.trimEnd(), truncated), {
      peer: { address: info.remoteAddress, port: info.remotePort },
      local: { address: info.localAddress, port: info.localPort },
    });
    socket.end(response, () => sessions.countOut(session, response.length));
  };
  socket.on('data', (chunk: Buffer) => {
    sessions.countIn(session, chunk.length);
    if (answered) return;
    received = Buffer.concat([received, chunk]);
    if (headEnd(received) >= 0) answer(false);
    else if (received.length >= MAX_HEAD_BYTES) answer(true);
  });
  socket.on('end', () => (received.length > 0 ? answer(true) : socket.end()));
}

/** The io of a TCP (or TLS) socket. */
export function tcpIo(socket: net.Socket): SessionIo {
  return {
    write: (data) => new Promise((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve()))),
    end: () => socket.end(),
    destroy: () => socket.destroy(),
    pause: () => socket.pause(),
    resume: () => socket.resume(),
  };
}
