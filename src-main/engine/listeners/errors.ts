/**
 * Sentences for what goes wrong when listening or connecting, each with its own stable code:
 * busy port (with the holder and a free port nearby), privileged port, foreign address, DNS,
 * refused, timeout, unreachable, TLS.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { PortolanError, type TransportProtocol } from '../../contract/index.js';
import { privilegedAdvice } from '../sockets/bind-check.js';
import { findPortHolder } from '../sockets/port-holder.js';

/** How many following ports are tried when proposing a free one. */
const NEXT_PORT_TRIES = 20;

const where = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** True when a bind of host:port would succeed now. */
export function canBind(protocol: TransportProtocol, host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (protocol === 'tcp') {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
      return;
    }
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ port, address: host, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

/** The first of the following ports that can be bound now, if any of the next few. */
export async function nextFreePort(protocol: TransportProtocol, host: string, port: number): Promise<number | undefined> {
  for (let p = port + 1; p <= Math.min(65535, port + NEXT_PORT_TRIES); p++) {
    if (await canBind(protocol, host, p)) return p;
  }
  return undefined;
}

/** Turns a failed listen into a PortolanError with a sentence a person can act on. */
export async function listenError(err: NodeJS.ErrnoException, protocol: TransportProtocol, host: string, port: number): Promise<PortolanError> {
  const what = `${port}/${protocol} on ${host}`;
  switch (err.code) {
    case 'EADDRINUSE': {
      const [holder, next] = await Promise.all([findPortHolder(port, protocol), nextFreePort(protocol, host, port)]);
      const by = holder ? `by ${holder.process} (pid ${holder.pid})` : 'by another program (its owner is not visible to this user)';
      const offer = next
        ? ` Port ${next} is free: listen there instead, or on port 0 for any free port.`
        : ' Choose another port, or 0 for any free port.';
      return new PortolanError('EADDRINUSE', `Port ${what} is in use ${by}.${offer}`);
    }
    case 'EACCES':
    case 'EPERM':
      return new PortolanError('EACCES', privilegedAdvice(port, protocol));
    case 'EADDRNOTAVAIL':
      return new PortolanError(
        'EADDRNOTAVAIL',
        `${host} is not an address of this machine; choose 127.0.0.1, ::1, 0.0.0.0, :: or one of its interface addresses.`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new PortolanError('ENOTFOUND', `The name ${host} could not be resolved to an address of this machine: use an IP address such as 127.0.0.1.`);
    case 'EAFNOSUPPORT':
      return new PortolanError('EADDRNOTAVAIL', `This machine has no ${net.isIPv6(host) ? 'IPv6' : 'IPv4'} support for ${host}.`);
    default:
      return new PortolanError('INTERNAL', `Could not listen on ${what}: ${err.code ?? err.message}.`);
  }
}

/** Turns a failed connect into a PortolanError; `timeoutMs` is what the caller allowed. */
export function connectError(err: NodeJS.ErrnoException, protocol: TransportProtocol, host: string, port: number, timeoutMs: number): PortolanError {
  const target = `${where(host, port)}/${protocol}`;
  const code = err.code ?? '';
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
      return new PortolanError('ENOTFOUND', `The name ${host} could not be resolved (DNS lookup failed): check the spelling, or use an IP address.`);
    case 'ECONNREFUSED':
      return new PortolanError(
        'ECONNREFUSED',
        protocol === 'udp'
          ? `Nothing listens on ${target}: the host answered "port unreachable" to a datagram.`
          : `Connection refused by ${target}: no program listens on that port there, or a firewall rejects the connection.`,
      );
    case 'ETIMEDOUT':
      return new PortolanError(
        'ETIMEDOUT',
        `No answer from ${target} within ${(timeoutMs / 1000).toFixed(timeoutMs % 1000 ? 1 : 0)} s (timeout): the host may be down, or a firewall drops the packets silently.`,
      );
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
      return new PortolanError('EHOSTUNREACH', `${host} cannot be reached from this machine (${code}): there is no route to it; check the address and the network.`);
    case 'EADDRNOTAVAIL':
      return new PortolanError('EADDRNOTAVAIL', `Cannot connect to ${target}: the address cannot be used from this machine (${code}).`);
    case 'ECONNRESET':
    case 'EPIPE':
      return new PortolanError('ECONNRESET', `The connection to ${target} was reset by the peer.`);
    default:
      if (/^(ERR_SSL|ERR_TLS|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO|HOSTNAME_MISMATCH|ERR_OSSL)/.test(code)) {
        return new PortolanError('TLS_FAILED', `The TLS handshake with ${target} failed (${code}): ${err.message}.`);
      }
      return new PortolanError('INTERNAL', `Could not connect to ${target}: ${code || err.message}.`);
  }
}

/** The code and sentence recorded on a session that ended with an error. */
export function sessionError(err: NodeJS.ErrnoException, protocol: TransportProtocol, host: string, port: number): { code: string; message: string } {
  const e = connectError(err, protocol, host, port, 0);
  return { code: e.code === 'INTERNAL' ? (err.code ?? 'INTERNAL') : e.code, message: e.message };
}
