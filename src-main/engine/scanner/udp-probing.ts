/**
 * UDP probes on their own sockets: each probe connects a socket to host:port (so the kernel
 * reports an ICMP port-unreachable as ECONNREFUSED on that socket alone) and sends the port's
 * payload (udp-probes.ts); the first reply or error ends it. A probe left unanswered is resent on
 * the same socket once by the scan's deadline check.
 */
import type dgram from 'node:dgram';
import { lazyBuiltin } from '../builtin.js';
import { udpProbeFor, type UdpProbe } from './udp-probes.js';

/** UDP only for UDP scans. */
const dgramModule = lazyBuiltin<typeof import('node:dgram')>('node:dgram');

/** A UDP probe in flight: where it goes and the socket it owns. */
export interface UdpProbeFlight {
  host: string;
  family: 4 | 6;
  port: number;
  hostIndex: number;
  handle?: unknown;
  udp?: UdpProbe;
}

/**
 * Sends the probe; `done` is called once with 'OK' and the reply, or with the errno code (the
 * socket already closed). Errors creating the socket are reported the same way.
 */
export function startUdpProbe(probe: UdpProbeFlight, done: (code: string, reply?: Buffer) => void): void {
  probe.udp ??= udpProbeFor(probe.port, probe.host, (probe.port * 7919 + probe.hostIndex) & 0xffff);
  let socket: dgram.Socket;
  try {
    socket = dgramModule().createSocket(probe.family === 6 ? 'udp6' : 'udp4');
  } catch (err) {
    return done((err as NodeJS.ErrnoException).code ?? 'EIO');
  }
  probe.handle = socket;
  socket.on('error', (err: NodeJS.ErrnoException) => {
    if (probe.handle !== socket) return;
    closeUdpProbe(probe);
    done(err.code ?? 'EIO');
  });
  socket.on('message', (msg) => {
    if (probe.handle !== socket) return;
    closeUdpProbe(probe);
    done('OK', msg);
  });
  socket.connect(probe.port, probe.host, () => {
    if (probe.handle === socket) socket.send(probe.udp!.payload);
  });
}

/** Sends the probe's datagram again on its socket; false when it has none left. */
export function resendUdpProbe(probe: UdpProbeFlight): boolean {
  const socket = probe.handle as dgram.Socket | undefined;
  if (!socket) return false;
  socket.send(probe.udp!.payload);
  return true;
}

/** Closes the probe's socket; later events of it are ignored. */
export function closeUdpProbe(probe: UdpProbeFlight): void {
  const socket = probe.handle as dgram.Socket | undefined;
  probe.handle = undefined;
  try {
    socket?.close();
  } catch {
    // already closed
  }
}
