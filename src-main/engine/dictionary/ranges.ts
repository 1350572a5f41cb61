/** IANA's three port ranges (RFC 6335 section 6) and what each means to a user. */
import type { RangeCategory } from '../../contract/index.js';

/** The category of a port number. */
export function categoryOf(port: number): RangeCategory {
  if (port <= 1023) return 'well-known';
  if (port <= 49151) return 'registered';
  return 'dynamic';
}

/** One sentence per category, shown on every port card. */
export const CATEGORY_EXPLAINED: Record<RangeCategory, string> = {
  'well-known':
    'Well-known port (0-1023): IANA assigns these to core Internet services through IETF review; on Unix-like systems only privileged processes may listen on them.',
  registered:
    'Registered port (1024-49151): IANA records these for specific services on request; any program may listen on them, and many unofficial uses overlap.',
  dynamic:
    'Dynamic/private port (49152-65535): never assigned by IANA; operating systems pick client-side (ephemeral) ports from here, so a listener here may collide with outgoing connections.',
};
