/**
 * Client sessions: Portolan connects out (TCP, TLS, or connected UDP) and the session is a
 * console like an accepted one. Each resolves once open (after the TLS handshake) or rejects with
 * the connect sentence.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import type { ParsedConnectSpec, SessionInfo, TlsInfo } from '../../contract/index.js';
import { plainAddress } from '../net/address.js';
import { connectError, sessionError } from '../net/errors.js';
import { resolveHost } from '../net/resolve.js';
import type { ListenerContext } from './listener.js';
import type { Session } from './session-stream.js';
import { tcpIo, wireTcp } from './tcp-listener.js';

type ClientContext = Pick<ListenerContext, 'sessions' | 'httpTimeoutMs' | 'changed'>;

const errnoError = (code: string, message: string): NodeJS.ErrnoException => Object.assign(new Error(message), { code });

/** Connects over TCP (or TLS); the session is interactive. */
export async function connectTcp(ctx: ClientContext, spec: ParsedConnectSpec): Promise<SessionInfo> {
  const { host, port, timeoutMs } = spec;
  const socket: net.Socket = spec.tls
    ? tls.connect({
        host,
        port,
        servername: spec.servername ?? (net.isIP(host) ? undefined : host),
        rejectUnauthorized: spec.rejectUnauthorized,
        ALPNProtocols: spec.alpn,
      })
    : net.connect({ host, port, allowHalfOpen: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => socket.destroy(errnoError('ETIMEDOUT', 'timeout')), timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once(spec.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  } catch (err) {
    socket.destroy();
    throw connectError(err, 'tcp', host, port, timeoutMs);
  }
  socket.removeAllListeners('error');
  socket.setNoDelay(true);
  const session = ctx.sessions.create(
    {
      kind: 'client',
      protocol: 'tcp',
      responder: 'interactive',
      localAddress: plainAddress(socket.localAddress),
      localPort: socket.localPort ?? 0,
      remoteAddress: plainAddress(socket.remoteAddress),
      remotePort: socket.remotePort ?? port,
      remoteHost: host,
      ...(spec.tls ? { tls: tlsInfo(socket as tls.TLSSocket) } : {}),
    },
    tcpIo(socket),
  );
  wireTcp(ctx, session, socket, 'interactive');
  return ctx.sessions.info(session);
}

/** A connected UDP socket: replies from the peer only; "port unreachable" ends the session. */
export async function connectUdp(ctx: ClientContext, spec: ParsedConnectSpec): Promise<SessionInfo> {
  const { host, port, timeoutMs } = spec;
  let socket: dgram.Socket | undefined;
  try {
    const [address] = (await resolveHost(host, { timeoutMs })) as [string];
    const s = (socket = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4'));
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.connect(port, address, () => {
        s.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    socket?.close();
    throw connectError(err, 'udp', host, port, timeoutMs);
  }
  const udp = socket;
  const local = udp.address();
  const remote = udp.remoteAddress();
  let closed = false;
  const session: Session = ctx.sessions.create(
    {
      kind: 'client',
      protocol: 'udp',
      responder: 'interactive',
      localAddress: plainAddress(local.address),
      localPort: local.port,
      remoteAddress: plainAddress(remote.address),
      remotePort: remote.port,
      remoteHost: host,
    },
    {
      write: (data) => new Promise((resolve, reject) => udp.send(data, (err) => (err ? reject(err) : resolve()))),
      end: () => destroy(),
      destroy: () => destroy(),
      pause: () => undefined,
      resume: () => undefined,
    },
  );
  const destroy = () => {
    if (closed) return;
    closed = true;
    udp.close();
    ctx.sessions.finish(session);
  };
  udp.on('message', (msg) => ctx.sessions.datagramIn(session, msg, 'interactive'));
  udp.on('error', (err: NodeJS.ErrnoException) => {
    // A connected UDP socket learns of "port unreachable" as ECONNREFUSED on a later send or receive.
    session.info.error = sessionError(err, 'udp', host, port);
    destroy();
  });
  return ctx.sessions.info(session);
}

/** What a TLS socket's peer certificate and handshake say. */
function tlsInfo(socket: tls.TLSSocket): TlsInfo {
  const cert = socket.getPeerCertificate();
  const dn = (name: object | undefined) =>
    name ? Object.entries(name).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`).join(', ') : '';
  const iso = (s: string | undefined) => {
    const d = s ? new Date(s) : undefined;
    return d && !Number.isNaN(d.getTime()) ? d.toISOString() : (s ?? '');
  };
  const alpn = socket.alpnProtocol;
  const authError = socket.authorizationError as unknown;
  return {
    subject: dn(cert?.subject),
    issuer: dn(cert?.issuer),
    validFrom: iso(cert?.valid_from),
    validTo: iso(cert?.valid_to),
    protocol: socket.getProtocol() ?? 'unknown',
    ...(alpn ? { alpn } : {}),
    authorized: socket.authorized,
    ...(authError ? { authorizationError: authError instanceof Error ? ((authError as NodeJS.ErrnoException).code ?? authError.message) : String(authError) } : {}),
  };
}
