/**
 * The Scanner's words that the renderer shows as they are: what each port state and reason means,
 * and the timing presets' names. Kept free of zod so that the renderer can import them without
 * bundling the schemas (scan.ts re-exports them).
 */
import type { PortReason, PortState } from './scan.js';

/** Names of the timing presets, indexed by their number. */
export const TIMING_NAMES = ['paranoid', 'sneaky', 'polite', 'normal', 'aggressive', 'insane'] as const;

/** One sentence per port state, for the UI's legend and tooltips. */
export const PORT_STATE_EXPLAINED: Record<PortState, string> = {
  open: 'A program accepted the connection (TCP) or answered the probe (UDP): something is listening here.',
  closed: 'The host answered that nothing listens here (a TCP reset, or for UDP an ICMP port-unreachable message).',
  filtered: 'No answer came back even after a retry, or a firewall answered that it blocks the port: the probe was probably dropped on the way.',
  'open|filtered': 'UDP only: nothing answered, which happens both when a service ignores an unexpected datagram and when a firewall drops it.',
  error: 'The probe could not be made (for example no route to the network); the detail says why.',
};

/** One sentence per reason, for tooltips. */
export const PORT_REASON_EXPLAINED: Record<PortReason, string> = {
  'syn-ack': 'The host completed the TCP handshake.',
  'conn-refused': 'The host answered the connection attempt with a TCP reset.',
  'no-response': 'Nothing came back within the timeout, twice.',
  'icmp-unreachable': 'A router or the host sent an ICMP unreachable message (often a firewall rule that rejects).',
  'port-unreachable': 'The host sent ICMP port unreachable: no program has this UDP port open.',
  'udp-response': 'A program answered the UDP probe.',
  'self-connect': 'On this machine the OS picked the scanned port as the probe\'s own source port and connected the probe to itself; no program listens there.',
  error: 'The probe failed locally; see the detail.',
};
