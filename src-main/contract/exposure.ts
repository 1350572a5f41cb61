/**
 * Schemas of the Exposure view: for every listening TCP and UDP socket, who can reach it and
 * why. The chain per socket: where it is bound (loopback, one interface, every interface), what
 * the host firewall does with a first packet from the local network and from the internet (and
 * which rule decides), whether a router mapping forwards to it, and the verdict that follows.
 */
import { z } from 'zod';

/** Where a socket is bound: 127.0.0.1/::1 only, one interface's address, or every interface. */
export const BindScope = z.enum(['loopback', 'interface', 'any']);
export type BindScope = z.infer<typeof BindScope>;

/** What the host firewall does with the first packet of a connection. */
export const FirewallVerdict = z.enum(['allow', 'drop', 'reject', 'unknown']);
export type FirewallVerdict = z.infer<typeof FirewallVerdict>;

/** Who can reach a socket: only this machine, this network, the internet, or unknown (the reasons say why). */
export const Reach = z.enum(['machine', 'lan', 'internet', 'unknown']);
export type Reach = z.infer<typeof Reach>;

/** One listening socket and who can reach it. */
export const ExposureEntry = z.object({
  /** The socket's id in the live socket table. */
  id: z.string(),
  protocol: z.enum(['tcp', 'udp']),
  /** The bound address as the socket table shows it (0.0.0.0, ::, 127.0.0.1, 192.168.1.20...). */
  address: z.string(),
  port: z.number().int(),
  pid: z.number().int().optional(),
  process: z.string().optional(),
  /** Set when the socket is Portolan's own (a listener, a forward...). */
  ownedBy: z.string().optional(),
  bind: BindScope,
  /** The interfaces it can be reached on (empty for loopback). */
  interfaces: z.array(z.string()),
  /** The host firewall, for a first packet from a host of this network and from the internet. */
  firewall: z.object({
    lan: FirewallVerdict,
    internet: FirewallVerdict,
    /** The rule (or policy) that decides the LAN verdict. */
    rule: z.string().optional(),
    /** The rule (or policy) that decides the internet verdict. */
    internetRule: z.string().optional(),
  }),
  /** The router mapping that forwards to this socket, as text ("tcp 8080 -> 192.168.1.20:8080 via UPnP IGD"), and its id. */
  router: z.object({ mapping: z.string(), id: z.string() }).nullable(),
  reachableFrom: Reach,
  /** One line per link of the chain: bind, firewall (LAN), firewall (internet), router, verdict. */
  reasons: z.array(z.string()),
});
export type ExposureEntry = z.infer<typeof ExposureEntry>;

/** The whole picture, with what each source said. */
export const ExposureReport = z.object({
  at: z.number(),
  entries: z.array(ExposureEntry),
  /** Where the firewall was read from (e.g. "nftables 1.0.6", "iptables-legacy-save"), or why it could not be. */
  firewall: z.object({ readable: z.boolean(), sources: z.array(z.string()), note: z.string().optional() }),
  /** Whether the router's mappings are known (`asked`: listed just now; else as last listed), and if not why. */
  router: z.object({ listed: z.boolean(), asked: z.boolean(), note: z.string().optional() }),
  /** The Learn card that explains firewalls. */
  learn: z.literal('firewalls'),
});
export type ExposureReport = z.infer<typeof ExposureReport>;

/** What to include. */
export const ExposureQuery = z.object({
  /**
   * Ask the router for its mappings now (UPnP, NAT-PMP, PCP: up to a few seconds when none
   * answers). False uses the mappings as last listed and Portolan's own, and sends nothing.
   */
  router: z.boolean().default(true),
});

/** The exposure calls, spread into the contract's table. */
export const exposureCalls = {
  /** Every listening TCP and UDP socket with its bind scope, firewall verdicts, router mapping and who can reach it. */
  'exposure.list': {
    input: ExposureQuery,
    output: ExposureReport,
    doc: 'Who can reach each listening port here: bind scope, host firewall verdict (LAN and internet, with the deciding rule), router mapping, verdict.',
  },
} as const;
