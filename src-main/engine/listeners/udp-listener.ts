/**
 * UDP listeners: the bound socket, one session per peer address:port (admitted through the access
 * gate on its first datagram), replies from the listener's own socket, and the idle sweep that
 * forgets quiet peers (UDP has no connection to close).
 */
import type dgram from 'node:dgram';
import { plainAddress } from '../net/address.js';
import { bindUdpExclusive } from '../net/listen.js';
import { addPeer, admitPeer, dropPeer, type BoundAddress, type Listener, type ListenerContext } from './listener.js';
import type { Session, SessionIo } from './session-stream.js';
import { UdpPeerTable, peerKey } from './udp-peers.js';

/** Binds a UDP socket for the listener and starts its idle sweep. Rejects with the bind's errno error. */
export async function bindUdp(ctx: ListenerContext, listener: Listener, host: string, port: number, idleMs: number): Promise<BoundAddress> {
  const socket = await bindUdpExclusive(host, port, (msg, rinfo) => receiveUdp(ctx, listener, msg, rinfo));
  listener.udp = socket;
  listener.peers = new UdpPeerTable(idleMs);
  listener.sweep = setInterval(() => sweepUdp(listener), Math.min(1000, Math.max(100, idleMs / 4)));
  listener.sweep.unref();
  return socket.address();
}

function receiveUdp(ctx: ListenerContext, listener: Listener, msg: Buffer, rinfo: dgram.RemoteInfo): void {
  const peers = listener.peers!;
  const key = peerKey(rinfo.address, rinfo.port);
  const now = Date.now();
  let session = peers.get(key);
  const responder = listener.info.responder;
  if (session) peers.touch(key, now);
  else {
    if (!admitPeer(ctx, listener, rinfo.address)) return;
    session = acceptPeer(ctx, listener, rinfo, key, now);
  }
  ctx.sessions.datagramIn(session, msg, responder);
}

/** A new peer's session; a banner goes out at once. */
function acceptPeer(ctx: ListenerContext, listener: Listener, rinfo: dgram.RemoteInfo, key: string, now: number): Session {
  const peers = listener.peers!;
  const session: Session = ctx.sessions.create(
    {
      kind: 'accepted',
      listenerId: listener.info.id,
      protocol: 'udp',
      responder: listener.info.responder,
      localAddress: plainAddress(listener.info.host),
      localPort: listener.info.port,
      remoteAddress: plainAddress(rinfo.address),
      remotePort: rinfo.port,
    },
    udpPeerIo(
      listener.udp!,
      rinfo.address,
      rinfo.port,
      () => {
        peers.delete(key);
        dropPeer(ctx, listener, session);
        ctx.sessions.finish(session);
      },
      () => peers.touch(key, Date.now()),
    ),
  );
  session.udpKey = key;
  peers.add(key, session, now);
  addPeer(ctx, listener, session);
  if (listener.info.responder === 'banner' && listener.info.banner) void ctx.sessions.sendTo(session, Buffer.from(listener.info.banner, 'utf8')).catch(() => undefined);
  return session;
}

function sweepUdp(listener: Listener): void {
  const seconds = Math.round(listener.peers!.idleMs / 1000);
  for (const session of listener.peers!.expire(Date.now())) {
    session.info.error = {
      code: 'IDLE',
      message: `No datagram from this peer for ${seconds} s: it is forgotten (UDP has no connection to close).`,
    };
    session.udpKey = undefined;
    session.io.destroy();
  }
}

/** The io of an accepted UDP peer: replies leave from the listener's socket. */
function udpPeerIo(udp: dgram.Socket, address: string, port: number, onDestroy: () => void, onActive: () => void): SessionIo {
  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    onDestroy();
  };
  return {
    write: (data) =>
      new Promise((resolve, reject) =>
        udp.send(data, port, address, (err) => {
          onActive();
          if (err) reject(err);
          else resolve();
        }),
      ),
    end: destroy,
    destroy,
    pause: () => undefined,
    resume: () => undefined,
  };
}
