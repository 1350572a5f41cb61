/**
 * The peers of a UDP listener: UDP has no connections, so a "session" is a remote address:port
 * that sent something recently. A peer silent for longer than the idle timeout is forgotten.
 */

/** Key of a UDP peer. */
export const peerKey = (address: string, port: number): string => `${address}|${port}`;

/** Peers keyed by remote address:port, with the time each was last active. No timers inside. */
export class UdpPeerTable<T> {
  private readonly peers = new Map<string, { value: T; lastActive: number }>();

  constructor(readonly idleMs: number) {}

  get size(): number {
    return this.peers.size;
  }

  get(key: string): T | undefined {
    return this.peers.get(key)?.value;
  }

  /** Adds a peer, active now. */
  add(key: string, value: T, now: number): void {
    this.peers.set(key, { value, lastActive: now });
  }

  /** Marks a peer active (a datagram came from it or went to it). */
  touch(key: string, now: number): void {
    const peer = this.peers.get(key);
    if (peer) peer.lastActive = now;
  }

  delete(key: string): boolean {
    return this.peers.delete(key);
  }

  values(): T[] {
    return [...this.peers.values()].map((p) => p.value);
  }

  /** Removes and returns the peers idle for `idleMs` or longer at `now`. */
  expire(now: number): T[] {
    const expired: T[] = [];
    for (const [key, peer] of this.peers) {
      if (now - peer.lastActive >= this.idleMs) {
        this.peers.delete(key);
        expired.push(peer.value);
      }
    }
    return expired;
  }
}
