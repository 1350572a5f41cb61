/**
 * Words of the Scanner view: what each port state and reason means (the contract's own sentences,
 * from its zod-free scan-notes.ts), the legend's order, Learn cards and timing hints.
 */
import type { PortState } from '../../../../src-main/contract/scan.js';

export {
  PORT_REASON_EXPLAINED as REASON_EXPLAINED,
  PORT_STATE_EXPLAINED as STATE_EXPLAINED,
  TIMING_NAMES,
} from '../../../../src-main/contract/scan-notes.js';

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

/** What each timing preset is for. */
export const TIMING_HINTS: readonly string[] = [
  'One probe at a time, minutes apart: for evading intrusion detection, very slow.',
  'One probe at a time, seconds apart: slow.',
  'Few probes at once, spaced out: gentle on a fragile network or device.',
  'Balanced timeouts and concurrency.',
  'Many probes at once, short timeouts: fine on a LAN (the default).',
  'As fast as it goes, shortest timeouts: for loopback or a very reliable network.',
];
