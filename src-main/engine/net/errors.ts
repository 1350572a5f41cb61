/**
 * Sentences for what goes wrong when listening or connecting, each with its own stable code:
 * busy port (with the holder and a free port nearby), privileged port, foreign address, DNS,
 * address family, refused, timeout, unreachable, TLS. One mapper for listeners, forwards, knock
 * guards and the bind check, so that the same errno reads the same everywhere.
 */
import net from 'node:net';
import { PortolanError } from '../../contract/errors.js';
import type { TransportProtocol } from '../../contract/index.js';
import { findPortHolder } from '../sockets/port-holder.js';
import type { SocketOwner } from '../sockets/process-owner.js';
import { hostPort } from './address.js';
import { nextFreePort } from './bind-probe.js';

/** The sentence for a privileged port, with the ways out. */
export function privilegedAdvice(port: number, protocol: TransportProtocol): string {
  return (
    `Port ${port}/${protocol} is a privileged port: on Linux and macOS only root or a program with the ` +
    `CAP_NET_BIND_SERVICE capability may listen below 1024. Pick a port above 1023 and forward it, ` +
    `or grant the capability (sudo setcap cap_net_bind_service=+ep <path to node or Portolan>).`
  );
}

/** A failed bind, explained: the stable code, the sentence, and for a busy port who holds it. */
export interface ListenProblem {
  code: 'EADDRINUSE' | 'EACCES' | 'EADDRNOTAVAIL' | 'ENOTFOUND' | 'INTERNAL';
  message: string;
  /** The process holding a busy port, when this user can see it. */
  holder?: SocketOwner;
}

/**
 * Explains a failed bind. A busy port names its holder and, unless `offerFreePort` is false (the
 * bind check answers a question and proposes nothing), a free port among the next few.
 */
export async function listenProblem(
  err: NodeJS.ErrnoException,
  protocol: TransportProtocol,
  host: string,
  port: number,
  options: { offerFreePort?: boolean } = {},
): Promise<ListenProblem> {
  const what = `${port}/${protocol} on ${host}`;
  switch (err.code) {
    case 'EADDRINUSE': {
      const offer = options.offerFreePort ?? true;
      const [holder, next] = await Promise.all([findPortHolder(port, protocol), offer ? nextFreePort(protocol, host, port) : undefined]);
      const by = holder ? `by ${holder.process} (pid ${holder.pid})` : 'by another program (its owner is not visible to this user)';
      const advice = !offer ? '' : next ? ` Port ${next} is free: listen there instead, or on port 0 for any free port.` : ' Choose another port, or 0 for any free port.';
      return { code: 'EADDRINUSE', message: `Port ${what} is in use ${by}.${advice}`, ...(holder ? { holder } : {}) };
    }
    case 'EACCES':
    case 'EPERM':
      return { code: 'EACCES', message: privilegedAdvice(port, protocol) };
    case 'EADDRNOTAVAIL':
      return { code: 'EADDRNOTAVAIL', message: `${host} is not an address of this machine; choose 127.0.0.1, ::1, 0.0.0.0, :: or one of its interface addresses.` };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return { code: 'ENOTFOUND', message: `The name ${host} could not be resolved to an address of this machine: use an IP address such as 127.0.0.1.` };
    case 'EAFNOSUPPORT':
      return { code: 'EADDRNOTAVAIL', message: `This machine has no ${net.isIPv6(host) ? 'IPv6' : 'IPv4'} support for ${host}.` };
    default:
      return { code: 'INTERNAL', message: `Could not listen on ${what}: ${err.code ?? err.message}.` };
  }
}

/** Turns a failed listen into a PortolanError with a sentence a person can act on. A PortolanError passes as it is. */
export async function listenError(err: unknown, protocol: TransportProtocol, host: string, port: number): Promise<PortolanError> {
  if (err instanceof PortolanError) return err;
  const problem = await listenProblem(err as NodeJS.ErrnoException, protocol, host, port);
  return new PortolanError(problem.code, problem.message);
}

/** Turns a failed connect into a PortolanError; `timeoutMs` is what the caller allowed. A PortolanError passes as it is. */
export function connectError(err: unknown, protocol: TransportProtocol, host: string, port: number, timeoutMs: number): PortolanError {
  if (err instanceof PortolanError) return err;
  const e = err as NodeJS.ErrnoException;
  const target = `${hostPort(host, port)}/${protocol}`;
  const code = e.code ?? '';
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
    case 'EAFNOSUPPORT':
      return new PortolanError('EADDRNOTAVAIL', `This machine has no ${net.isIPv6(host) ? 'IPv6' : 'IPv4'} support for ${host}.`);
    case 'ECONNRESET':
    case 'EPIPE':
      return new PortolanError('ECONNRESET', `The connection to ${target} was reset by the peer.`);
    default:
      if (/^(ERR_SSL|ERR_TLS|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO|HOSTNAME_MISMATCH|ERR_OSSL)/.test(code)) {
        return new PortolanError('TLS_FAILED', `The TLS handshake with ${target} failed (${code}): ${e.message}.`);
      }
      return new PortolanError('INTERNAL', `Could not connect to ${target}: ${code || e.message}.`);
  }
}

/** The code and sentence recorded on a session that ended with an error. */
export function sessionError(err: NodeJS.ErrnoException, protocol: TransportProtocol, host: string, port: number): { code: string; message: string } {
  const e = connectError(err, protocol, host, port, 0);
  return { code: e.code === 'INTERNAL' ? (err.code ?? 'INTERNAL') : e.code, message: e.message };
}
