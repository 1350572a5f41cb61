/**
 * "Can I listen on this port now?": tries a real bind on the chosen address and reports free, in
 * use (naming the holder when it can be seen), needs privileges (with how to get them), or why
 * the address cannot be used.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { BindCheckQuery, BindCheckResult } from '../../contract/index.js';
import { BindCheckQuery as BindCheckQuerySchema } from '../../contract/index.js';
import { findPortHolder } from './port-holder.js';

type Proto = 'tcp' | 'udp';

function tryBindTcp(port: number, host: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

function tryBindUdp(port: number, host: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    socket.once('error', (err: NodeJS.ErrnoException) => {
      socket.close();
      resolve(err);
    });
    socket.bind({ port, address: host, exclusive: true }, () => socket.close(() => resolve(undefined)));
  });
}

/** The sentence for a privileged port, with the ways out. */
export function privilegedAdvice(port: number, proto: Proto): string {
  return (
    `Port ${port}/${proto} is a privileged port: on Linux and macOS only root or a program with the ` +
    `CAP_NET_BIND_SERVICE capability may listen below 1024. Pick a port above 1023 and forward it, ` +
    `or grant the capability (sudo setcap cap_net_bind_service=+ep <path to node or Portolan>).`
  );
}

/** Tries to bind and explains the outcome. Never throws for an ordinary failure. */
export async function checkBind(input: BindCheckQuery): Promise<BindCheckResult> {
  const { port, protocol, host } = BindCheckQuerySchema.parse(input);
  const err = protocol === 'tcp' ? await tryBindTcp(port, host) : await tryBindUdp(port, host);
  const base = { port, protocol, host };
  const where = `${port}/${protocol} on ${host}`;
  if (!err) {
    const note = port === 0 ? ' Port 0 is never listened on as such: it asks the OS for any free port.' : '';
    return { ...base, status: 'free', message: `Port ${where} is free: a program can listen on it now.${note}` };
  }
  switch (err.code) {
    case 'EADDRINUSE': {
      const holder = await findPortHolder(port, protocol);
      const by = holder ? `by ${holder.process} (pid ${holder.pid})` : 'by another program (its owner is not visible to this user)';
      return { ...base, status: 'in-use', message: `Port ${where} is in use ${by}.`, holder };
    }
    case 'EACCES':
    case 'EPERM':
      return { ...base, status: 'needs-privileges', message: privilegedAdvice(port, protocol) };
    case 'EADDRNOTAVAIL':
      return { ...base, status: 'unavailable', message: `${host} is not an address of this machine; choose 127.0.0.1, ::1, 0.0.0.0, :: or one of its interface addresses.` };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { ...base, status: 'unavailable', message: `The name ${host} could not be resolved to an address of this machine.` };
    case 'EAFNOSUPPORT':
      return { ...base, status: 'unavailable', message: `This machine has no ${net.isIPv6(host) ? 'IPv6' : 'IPv4'} support for ${host}.` };
    default:
      return { ...base, status: 'unavailable', message: `Could not bind ${where}: ${err.code ?? err.message}.` };
  }
}
