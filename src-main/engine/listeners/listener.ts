/**
 * What the TCP and UDP listeners share: the listener record, what they need from the engine, and
 * the peer bookkeeping (admission through the access gate, active and total counts).
 */
import type dgram from 'node:dgram';
import type net from 'node:net';
import type { ListenerInfo } from '../../contract/index.js';
import type { AccessGate } from '../access-gate.js';
import { plainAddress } from '../net/address.js';
import type { UdpPeerTable } from './udp-peers.js';
import type { Session, SessionTable } from './session-stream.js';

/** A listener with its socket and peers. */
export interface Listener {
  info: ListenerInfo;
  server?: net.Server;
  udp?: dgram.Socket;
  peers?: UdpPeerTable<Session>;
  sweep?: NodeJS.Timeout;
  sessions: Set<Session>;
}

/** What a listener needs from the engine that owns it. */
export interface ListenerContext {
  readonly sessions: SessionTable;
  /** How long the HTTP responder waits for a request head, in ms. */
  readonly httpTimeoutMs: number;
  /** The listener is still open and the engine running: a new peer may come in. */
  isOpen(listener: Listener): boolean;
  /** The gate on the listener's new peers, if any. */
  gate(listener: Listener): AccessGate | undefined;
  /** The listener's row changed (soon: peers came or went). */
  changed(listener: Listener, soon: boolean): void;
}

/** The address a socket reports as the bound one. */
export type BoundAddress = { address: string; port: number; family: string };

/** True when a peer from `address` may start a session; a refused one is told to the gate. */
export function admitPeer(ctx: ListenerContext, listener: Listener, address: string | undefined): boolean {
  const gate = ctx.gate(listener);
  const source = plainAddress(address);
  if (!gate || gate.isAllowed(source)) return true;
  gate.refused?.(source);
  return false;
}

/** A session of this listener began. */
export function addPeer(ctx: ListenerContext, listener: Listener, session: Session): void {
  listener.sessions.add(session);
  listener.info.activePeers++;
  listener.info.totalPeers++;
  ctx.changed(listener, true);
}

/** A session of this listener ended (again: nothing). */
export function dropPeer(ctx: Pick<ListenerContext, 'changed'>, listener: Listener, session: Session): void {
  if (!listener.sessions.delete(session)) return;
  listener.info.activePeers--;
  ctx.changed(listener, true);
}
