/**
 * Words of the Scanner view: what each port state and reason means, and the timing presets.
 * The sentences mirror PORT_STATE_EXPLAINED, PORT_REASON_EXPLAINED and TIMING_NAMES of
 * src-main/contract/scan.ts (a unit test keeps them equal): the renderer imports the contract's
 * types only, so that zod and the schemas stay out of the renderer's bundle.
 */
import type { PortReason, PortState } from '../../../../src-main/contract/scan.js';

/** One sentence per port state, for the legend and tooltips. */
export const STATE_EXPLAINED: Record<PortState, string> = {
  open: 'A program accepted the connection (TCP) or answered the probe (UDP): something is listening here.',
  closed: 'The host answered that nothing listens here (a TCP reset, or for UDP an ICMP port-unreachable message).',
  filtered: 'No answer came back even after a retry, or a firewall answered that it blocks the port: the probe was probably dropped on the way.',
  'open|filtered': 'UDP only: nothing answered, which happens both when a service ignores an unexpected datagram and when a firewall drops it.',
  error: 'The probe could not be made (for example no route to the network); the detail says why.',
};

/** One sentence per reason, for tooltips. */
export const REASON_EXPLAINED: Record<PortReason, string> = {
  'syn-ack': 'The host completed the TCP handshake.',
  'conn-refused': 'The host answered the connection attempt with a TCP reset.',
  'no-response': 'Nothing came back within the timeout, twice.',
  'icmp-unreachable': 'A router or the host sent an ICMP unreachable message (often a firewall rule that rejects).',
  'port-unreachable': 'The host sent ICMP port unreachable: no program has this UDP port open.',
  'udp-response': 'A program answered the UDP probe.',
  'self-connect': "On this machine the OS picked the scanned port as the probe's own source port and connected the probe to itself; no program listens there.",
  error: 'The probe failed locally; see the detail.',
};

/** The states in the order the legend shows them. */
export const STATES: readonly PortState[] = ['open', 'closed', 'filtered', 'open|filtered', 'error'];

/** The Learn card that explains each state (assets/learn/cards.json). */
export const STATE_CARD: Record<PortState, string> = {
  open: 'scanning',
  closed: 'scanning',
  filtered: 'firewalls',
  'open|filtered': 'scanning',
  error: 'scanning',
};

/** Timing presets by number, as nmap names them (TIMING_NAMES of the contract). */
export const TIMING_NAMES = ['paranoid', 'sneaky', 'polite', 'normal', 'aggressive', 'insane'] as const;

/** What each timing preset is for. */
export const TIMING_HINTS: readonly string[] = [
  'One probe at a time, minutes apart: for evading intrusion detection, very slow.',
  'One probe at a time, seconds apart: slow.',
  'Few probes at once, spaced out: gentle on a fragile network or device.',
  'Balanced timeouts and concurrency.',
  'Many probes at once, short timeouts: fine on a LAN (the default).',
  'As fast as it goes, shortest timeouts: for loopback or a very reliable network.',
];
