/**
 * The role each router protocol plays for the NAT engine: ask whether the router speaks it
 * (`probe`), make or renew a mapping (`map`), delete one (`unmap`). One class per protocol
 * (igd-mapper.ts, natpmp-mapper.ts, pcp-mapper.ts) speaks the wire format; the engine keeps what
 * is common: leases, renewal, epochs, checks and the list of Portolan's mappings.
 */
import type { MappingState, NatProtocol, RouterError, RouterInfo } from '../../contract/router.js';

/** Where the router is and how long each request may take; one per discovery. */
export interface MapperContext {
  /** The gateway's address. */
  gateway: string;
  /** This machine's address toward the gateway (requests are sent from it). */
  localAddress: string;
  /** NAT-PMP/PCP port of the gateway (5351). */
  natPmpPort: number;
  /** How long one request may wait for its answer, ms. */
  timeoutMs: number;
}

/** What a probe learned: whether the router speaks the protocol, and in what words to say so. */
export type Probe =
  | {
      answered: true;
      /** E.g. "answered: external address 203.0.113.7". */
      outcome: string;
      /** NAT-PMP/PCP: the router's epoch (seconds since its mappings were reset). */
      epoch?: number;
      /** The router's public address, when the protocol reports one. */
      externalAddress?: string;
      /** UPnP: the device that answered. */
      upnp?: RouterInfo['upnp'];
    }
  | { answered: false; outcome: string };

/** What to map: one of Portolan's mappings as the engine keeps it. */
export interface MapRequest {
  protocol: 'tcp' | 'udp';
  externalPort: number;
  internalHost: string;
  internalPort: number;
  /** The lease asked for, s. */
  leaseSeconds: number;
  /** The lease granted last time (UPnP asks for it again on renewal), s. */
  grantedLease: number;
  description: string;
  removeOnQuit: boolean;
  /** PCP nonce (hex), repeated by renewals and the deletion. */
  nonce?: string;
}

/** What to delete. */
export type UnmapRequest = Pick<MapRequest, 'protocol' | 'externalPort' | 'internalPort' | 'nonce'>;

/** What the router granted. Throws RouterRefusal (the router said no) or RouterSilent (no answer) instead. */
export interface MapGrant {
  /** The external port the router gave (NAT-PMP and PCP may give another than asked). */
  externalPort: number;
  /** The lease granted, s (0: permanent). */
  lease: number;
  /** active, or unverified when the router accepted but does not list the mapping (UPnP read-back). */
  state: Extract<MappingState, 'active' | 'unverified'>;
  /** Why the mapping is unverified. */
  error?: RouterError;
  /** Something to know about the grant (made permanent). */
  note?: string;
  /** NAT-PMP/PCP: the router's epoch in the answer. */
  epoch?: number;
  /** PCP: the external address in the answer. */
  externalAddress?: string;
  /** PCP: the nonce made for a mapping that had none (kept for renewals and the deletion). */
  nonce?: string;
}

/** One protocol a router may speak to open ports. */
export interface Mapper {
  readonly protocol: NatProtocol;
  /** Asks the router whether it speaks this protocol; never throws (silence is an outcome). */
  probe(): Promise<Probe>;
  /** Makes or renews a mapping. */
  map(request: MapRequest): Promise<MapGrant>;
  /** Deletes a mapping. */
  unmap(request: UnmapRequest): Promise<void>;
}
