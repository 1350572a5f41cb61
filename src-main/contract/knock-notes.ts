/**
 * The knocking texts and limits the renderer shows as they are, kept free of zod so that the
 * renderer can import them without bundling the schemas (knock.ts re-exports them).
 */

/** Largest number of steps in a sequence (knockd has no limit; long ones are impractical). */
export const MAX_KNOCK_STEPS = 32;

/**
 * Why a guard's knock ports are visible, for the guard form, the CLI help and the Learn card.
 * Portolan has no packet capture (that needs root and libpcap), so it must bind its knock ports.
 */
export const GUARD_VISIBILITY_NOTE =
  'Without packet capture, a Portolan guard has to listen on its knock ports to notice knocks. ' +
  'Its TCP knock ports accept a connection and close it at once, so a port scanner sees them as open; ' +
  'its UDP knock ports stay silent, so a scanner sees them as open|filtered, like any UDP port that does not answer. ' +
  'UDP steps therefore reveal least. Someone who finds the knock ports can try their orders, so use several steps, ' +
  'mix in UDP, keep the window short, and keep the protected service behind its own authentication. ' +
  'knockd, which sniffs packets, leaves its knock ports closed.';

/** The warning shown beside the optional command of a guard. */
export const GUARD_COMMAND_WARNING =
  "The command runs with Portolan's rights (your user, or root if Portolan runs as root) every time a source knocks correctly. " +
  'It is run directly with its argument list (never through a shell); the literal {source} in an argument is replaced by the knocking address.';
