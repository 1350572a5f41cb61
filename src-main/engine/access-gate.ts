/**
 * The gate a knock guard puts on what it protects: a listener's new peers, or a forward's new
 * clients (TCP, UDP, SSH -L and -D). Its own module, so that listeners, forwards and knock share
 * the word without importing each other.
 */

/**
 * Decides which sources may start something new (a session, a relayed connection, a UDP flow).
 * Checked when a TCP peer is accepted and on a new UDP peer's first datagram; what is already
 * open stays.
 */
export interface AccessGate {
  /** True when a peer from this address (plain form: IPv4-mapped addresses as IPv4) may start a session. */
  isAllowed(remoteAddress: string): boolean;
  /** Told of each refused peer (its socket is closed, or its datagram dropped, at once). */
  refused?(remoteAddress: string): void;
}
