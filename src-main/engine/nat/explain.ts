/**
 * Router answers in plain words: UPnP IGD error codes, NAT-PMP result codes (RFC 6886 3.5) and
 * PCP result codes (RFC 6887 7.4). Each explanation says what happened and what to do.
 */
import type { RouterError } from '../../contract/router.js';

const UPNP: Record<number, [string, string]> = {
  401: ['Invalid Action', 'the router does not know this action; it may speak an older IGD version'],
  402: ['Invalid Args', 'the router rejected the request arguments (often a bad internal address or description)'],
  501: ['Action Failed', 'the router failed to carry out the request; it may be out of memory or its firewall may be off, try again or reboot it'],
  606: ['Action not authorized', 'the router does not let UPnP clients change mappings; enable "allow UPnP port changes" in its settings or add the mapping on its web page'],
  713: ['SpecifiedArrayIndexInvalid', 'there is no mapping at this index (the end of the list)'],
  714: ['NoSuchEntryInArray', 'the router has no such mapping'],
  715: ['WildCardNotPermittedInSrcIP', 'the router needs a specific remote host rather than any'],
  716: ['WildCardNotPermittedInExtPort', 'the router needs a specific external port, not 0'],
  718: [
    'ConflictInMappingEntry',
    'the external port is already mapped to another host, or the router only lets a host map ports to itself (secure mode); choose another external port or add the mapping from that host',
  ],
  724: ['SamePortValuesRequired', 'the router needs the external and internal ports to be the same number'],
  725: ['OnlyPermanentLeasesSupported', 'the router only accepts permanent mappings (lease 0)'],
  726: ['RemoteHostOnlySupportsWildcard', 'the router does not support restricting a mapping to one remote host'],
  727: ['ExternalPortOnlySupportsWildcard', 'the router only supports a wildcard external port'],
  728: ['NoPortMapsAvailable', 'the router has no room for more mappings; remove some'],
  729: ['ConflictWithOtherMechanisms', 'the port is used by another mechanism on the router (its own service or a manual forward)'],
  732: ['WildCardNotPermittedInIntPort', 'the router needs a specific internal port'],
};

/** The name and a plain-words sentence for a UPnP IGD error code. */
export function explainUpnpError(code: number, description?: string): RouterError {
  const known = UPNP[code];
  const name = known?.[0] ?? description ?? 'Unknown error';
  const why = known?.[1] ?? `the router answered with UPnP error ${code}${description ? ` (${description})` : ''}`;
  return { code: `upnp:${code}`, message: `UPnP error ${code} ${name}: ${why}.` };
}

const NATPMP: Record<number, [string, string]> = {
  0: ['Success', 'the request succeeded'],
  1: ['Unsupported Version', 'the router speaks a newer NAT-PMP version (or only PCP)'],
  2: ['Not Authorized/Refused', 'the router supports NAT-PMP but refused this mapping, for example because NAT-PMP is turned off in its settings or the port is not allowed'],
  3: ['Network Failure', 'the router has no public address yet (its WAN link is down or it is still starting)'],
  4: ['Out of resources', 'the router cannot create more mappings; remove some'],
  5: ['Unsupported opcode', 'the router does not support this request'],
};

/** The name and a plain-words sentence for a NAT-PMP result code. */
export function explainNatPmpResult(code: number): RouterError {
  const known = NATPMP[code];
  return {
    code: `natpmp:${code}`,
    message: known ? `NAT-PMP result ${code} (${known[0]}): ${known[1]}.` : `NAT-PMP result ${code}: a code RFC 6886 does not define.`,
  };
}

/** PCP result codes by number (RFC 6887 section 7.4). */
export const PCP_RESULT_NAMES: Record<number, string> = {
  0: 'SUCCESS',
  1: 'UNSUPP_VERSION',
  2: 'NOT_AUTHORIZED',
  3: 'MALFORMED_REQUEST',
  4: 'UNSUPP_OPCODE',
  5: 'UNSUPP_OPTION',
  6: 'MALFORMED_OPTION',
  7: 'NETWORK_FAILURE',
  8: 'NO_RESOURCES',
  9: 'UNSUPP_PROTOCOL',
  10: 'USER_EX_QUOTA',
  11: 'CANNOT_PROVIDE_EXTERNAL',
  12: 'ADDRESS_MISMATCH',
  13: 'EXCESSIVE_REMOTE_PEERS',
};

const PCP_WHY: Record<number, string> = {
  0: 'the request succeeded',
  1: 'the router does not speak this PCP version',
  2: 'the router refused: this host may not create the mapping (PCP turned off, the port not allowed, or a mapping for another host)',
  3: 'the router could not read the request',
  4: 'the router does not support this request',
  5: 'the router does not support an option of the request',
  6: 'an option of the request was malformed',
  7: 'the router has no working WAN link right now; try again later',
  8: 'the router has no room for more mappings right now; remove some or try later',
  9: 'the router cannot map this transport protocol',
  10: 'this host has used up its quota of mappings on the router; remove some',
  11: 'the router cannot give the requested external port or address (it is taken); ask for another external port',
  12: 'the address in the request differs from the address the router saw, so something between this machine and the router translates addresses',
  13: 'the router cannot accept more remote peers',
};

/** The name and a plain-words sentence for a PCP result code. */
export function explainPcpResult(code: number): RouterError {
  const name = PCP_RESULT_NAMES[code] ?? `result ${code}`;
  const why = PCP_WHY[code] ?? 'a code RFC 6887 does not define';
  return { code: `pcp:${name}`, message: `PCP ${name} (${code}): ${why}.` };
}

/** A router refused or failed a request; `routerError` carries its code and a sentence. */
export class RouterRefusal extends Error {
  constructor(readonly routerError: RouterError) {
    super(routerError.message);
    this.name = 'RouterRefusal';
  }
}

/** The router did not answer a protocol at all (timeout, connection refused). */
export class RouterSilent extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RouterSilent';
  }
}
