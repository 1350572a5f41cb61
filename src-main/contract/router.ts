/**
 * Schemas of router port mappings: expose a port of this machine (or of another LAN host)
 * through the home router with UPnP IGD, NAT-PMP (RFC 6886) or PCP (RFC 6887).
 *
 * How the Router view uses them:
 * - `router.discover` finds the gateway and asks it with all three protocols; it answers a
 *   {@link RouterInfo} (name, protocols answered, external address, and what was tried), or fails
 *   with code `NO_ROUTER` and a sentence naming what was tried.
 * - `router.mappings` lists the router's mappings: Portolan's own (`ownedByPortolan`) and, over
 *   UPnP, those other programs made. NAT-PMP and PCP cannot list, so mappings made with them by
 *   other programs are invisible.
 * - `router.add` maps a port, then reads it back (UPnP) and answers the {@link Mapping}; the state
 *   is `unverified` (with `error.message` saying why) when the router accepted but does not list
 *   it. A refusal fails with code `ROUTER_REFUSED` and the router's reason in plain words.
 *   Adding opens the service to the internet: the view must say so before the call.
 * - `router.remove` deletes a mapping by protocol and external port.
 * - `router.changed` is emitted whenever a mapping's state changes (added, renewed, refused on
 *   renewal, re-applied after a router reboot or a new external address, removed) and after a
 *   discovery; it carries the full list (small: routers hold tens of mappings).
 */
import * as z from 'zod';
import { Empty, type CallSpec } from './call-spec.js';

/** The protocols Portolan speaks to routers. */
export const NatProtocol = z.enum(['upnp', 'natpmp', 'pcp']);
export type NatProtocol = z.infer<typeof NatProtocol>;

/** Transport protocol of a mapping. */
export const MappingProtocol = z.enum(['tcp', 'udp']);
export type MappingProtocol = z.infer<typeof MappingProtocol>;

/**
 * A mapping's state:
 * - active: the router holds it (renewed at half its lease);
 * - renewing: a renewal or re-application is in flight;
 * - refused: the router refused it (on renewal or re-application); `error` says why;
 * - removed: deleted (on request or on quit); shown once, then forgotten;
 * - unverified: the router accepted the request but does not list the mapping (UPnP read-back).
 */
export const MappingState = z.enum(['active', 'renewing', 'refused', 'removed', 'unverified']);
export type MappingState = z.infer<typeof MappingState>;

const PORT_SENTENCE = 'Ports go from 1 to 65535.';
const Port = z.number({ error: PORT_SENTENCE }).int(PORT_SENTENCE).min(1, PORT_SENTENCE).max(65535, PORT_SENTENCE);
const LEASE_SENTENCE = 'The lease is in seconds, from 0 (permanent, where the router allows it) to 604800 (a week).';
const Lease = z.number({ error: LEASE_SENTENCE }).int(LEASE_SENTENCE).min(0, LEASE_SENTENCE).max(604800, LEASE_SENTENCE);
const IPV4_SENTENCE = 'Give an IPv4 address of the local network, such as 192.168.1.20.';
const Ipv4 = z
  .string()
  .trim()
  .regex(/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/, IPV4_SENTENCE);

/** What a router said when it refused something, in the protocol's terms and in plain words. */
export const RouterError = z.object({
  /**
   * The router's own code, prefixed by the protocol: `upnp:718`, `natpmp:2`, `pcp:NOT_AUTHORIZED`;
   * or `timeout` when the router stopped answering, `not-listed` for an unverified mapping.
   */
  code: z.string(),
  /** A sentence a person can act on. */
  message: z.string(),
});
export type RouterError = z.infer<typeof RouterError>;

/** One protocol tried during discovery, and what happened, as a sentence. */
export const RouterAttempt = z.object({
  protocol: NatProtocol,
  /** E.g. "answered: external address 203.0.113.7" or "no answer from 192.168.1.1:5351 within 2 s". */
  outcome: z.string(),
});
export type RouterAttempt = z.infer<typeof RouterAttempt>;

/** The router (gateway) and what it answers to. */
export const RouterInfo = z.object({
  /** The default gateway's address, e.g. 192.168.1.1. */
  gateway: z.string(),
  /** This machine's address toward the gateway (the default internal host of a mapping). */
  localAddress: z.string(),
  /** Protocols the router answered, in the order of preference. */
  protocols: z.array(NatProtocol),
  /** The protocol used when a mapping does not name one (UPnP, else PCP, else NAT-PMP). */
  preferred: NatProtocol.optional(),
  /** The UPnP Internet Gateway Device, when it answered SSDP. */
  upnp: z
    .object({
      friendlyName: z.string(),
      manufacturer: z.string(),
      modelName: z.string(),
      /** Absolute URL of the WANIPConnection / WANPPPConnection control endpoint. */
      controlUrl: z.string(),
      /** E.g. urn:schemas-upnp-org:service:WANIPConnection:1. */
      serviceType: z.string(),
      /** Where the root description was read from (SSDP LOCATION). */
      location: z.string(),
    })
    .optional(),
  /** The router's public (WAN) address, as the router reports it. */
  externalAddress: z.string().optional(),
  /** Every protocol tried, with its outcome as a sentence. */
  tried: z.array(RouterAttempt),
});
export type RouterInfo = z.infer<typeof RouterInfo>;

/** One port mapping on the router. */
export const Mapping = z.object({
  /** Stable id: `tcp:8080` (protocol and external port; unique on a router). */
  id: z.string(),
  protocol: MappingProtocol,
  externalPort: Port,
  /** The LAN host the router forwards to. */
  internalHost: z.string(),
  internalPort: Port,
  /** Lease the router granted, in seconds; 0 means permanent. */
  leaseSeconds: z.number().int().min(0),
  description: z.string(),
  /** The protocol that made (or lists) the mapping. */
  via: NatProtocol,
  state: MappingState,
  /** Why the mapping is refused or unverified (on a renewing one: why the last try failed). */
  error: RouterError.optional(),
  /** Something to know about an active mapping: the router made it permanent, or gave another external port. */
  note: z.string().optional(),
  /** When the lease ends (ms since the epoch); absent for permanent mappings and unknown leases. */
  expiresAt: z.number().optional(),
  /** True for mappings this Portolan made (kept alive and removable on quit); false for other programs' ones. */
  ownedByPortolan: z.boolean(),
  /** UPnP: only this remote host may use the mapping (empty or absent: anyone). */
  remoteHost: z.string().optional(),
  /** True when the mapping is removed when the app quits. */
  removeOnQuit: z.boolean().optional(),
});
export type Mapping = z.infer<typeof Mapping>;

/** What to map. */
export const MappingSpec = z.object({
  /** Port on the router's public address. */
  externalPort: Port,
  /** LAN host to forward to; default: this machine's address toward the gateway. */
  internalHost: Ipv4.optional(),
  internalPort: Port,
  protocol: MappingProtocol.default('tcp'),
  /** Lease in seconds (renewed at half); 0 asks for a permanent mapping (UPnP only). */
  leaseSeconds: Lease.default(3600),
  description: z.string().trim().max(128).default('Portolan'),
  /** Protocol to use; default: the router's preferred one. */
  via: NatProtocol.optional(),
  /** Remove the mapping when the app quits. */
  removeOnQuit: z.boolean().default(false),
});
export type MappingSpec = z.infer<typeof MappingSpec>;

/** Which mapping to remove. */
export const MappingRef = z.object({
  protocol: MappingProtocol.default('tcp'),
  externalPort: Port,
});
export type MappingRef = z.infer<typeof MappingRef>;

/** The mappings now (full list) and, after a discovery, the router. */
export const RouterChanged = z.object({
  mappings: z.array(Mapping),
  router: RouterInfo.optional(),
});
export type RouterChanged = z.infer<typeof RouterChanged>;

/** The router part of the contract's call table (spread into `calls` of api.ts). */
export const routerCalls = {
  /** Finds the gateway and asks it with UPnP IGD, NAT-PMP and PCP; NO_ROUTER (with what was tried) when none answers. */
  'router.discover': {
    input: Empty,
    output: RouterInfo,
    doc: 'Find the router (default gateway) and which of UPnP IGD, NAT-PMP and PCP it answers, with its external address.',
  },
  /** The router's port mappings: Portolan's own and (over UPnP) other programs'. */
  'router.mappings': {
    input: Empty,
    output: z.array(Mapping),
    doc: "The router's port mappings, Portolan's own (kept renewed) and those other programs made (UPnP lists them).",
  },
  /** Maps a port on the router (opens it to the internet), reads it back, keeps it renewed; ROUTER_REFUSED with the router's reason. */
  'router.add': {
    input: MappingSpec,
    output: Mapping,
    doc: 'Map an external port of the router to a LAN host:port (this opens the service to the internet), then read it back.',
  },
  /** Removes a mapping by protocol and external port. */
  'router.remove': {
    input: MappingRef,
    output: z.object({ removed: z.literal(true) }),
    doc: 'Remove a port mapping from the router by protocol and external port.',
  },
} as const satisfies Record<string, CallSpec>;

/** The router part of the contract's event table. */
export const routerEvents = {
  /** Router mappings changed (added, renewed, refused, removed) or the router was discovered; the full list. */
  'router.changed': RouterChanged,
} as const;
