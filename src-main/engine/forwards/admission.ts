/**
 * The one accept-and-admit path of forwards: a new client passes the allowlist, then the access
 * gate (a knock guard's), or it is refused, counted and logged before anything is dialled, so
 * the target never sees it. TCP, SSH -L/-D (a socket each) and UDP (a flow each) share it.
 */
import type net from 'node:net';
import { CidrAllowlist } from '../../contract/cidr.js';
import { plainAddress } from '../net/address.js';
import type { ForwardOwner } from './types.js';

/** Admits or refuses a forward's new clients. */
export class ClientAdmission {
  private readonly allowlist: CidrAllowlist;

  constructor(
    allow: readonly string[],
    private readonly owner: ForwardOwner,
  ) {
    this.allowlist = new CidrAllowlist([...allow]);
  }

  /** True when the allowlist lets this address in (raw or plain form). Refusals are not reported here. */
  allows(address: string | undefined): boolean {
    return this.allowlist.allows(address);
  }

  /**
   * True when a client from address:port may be relayed, by the allowlist and then the gate; a
   * refused one is counted (unless `counted`: a UDP relay counts in its own thread) and logged.
   */
  admit(address: string | undefined, port: number, counted = false): boolean {
    const source = plainAddress(address);
    if (!this.allowlist.allows(address)) {
      this.refuse(source, port, counted);
      return false;
    }
    return this.passesGate(source, port, counted);
  }

  /** The gate alone, for a client the allowlist has already let in (a UDP relay checks that itself). */
  passesGate(address: string, port: number, counted = false): boolean {
    const gate = this.owner.gate;
    const source = plainAddress(address);
    if (!gate || gate.isAllowed(source)) return true;
    gate.refused?.(source);
    this.refuse(source, port, counted, { code: 'GATE', message: `${source} has not knocked: refused by the forward's knock guard.` });
    return false;
  }

  /** Admits an accepted socket, or closes it at once; true when admitted. */
  admitSocket(socket: net.Socket): boolean {
    if (this.admit(socket.remoteAddress, socket.remotePort ?? 0)) return true;
    socket.on('error', () => undefined);
    socket.destroy();
    return false;
  }

  private refuse(source: string, port: number, counted: boolean, reason?: { code: string; message: string }): void {
    if (!counted) this.owner.counters.refused++;
    this.owner.refusedClient(source, port, reason);
  }
}
