/**
 * Schemas of the Exposure view: for every listening TCP and UDP socket, who can reach it and
 * why. The chain per socket: where it is bound (loopback, one interface, every interface), what
 * the host firewall does with a first packet from the local network and from the internet (and
 * which rule decides), whether a router mapping forwards to it, and the verdict that follows.
 */
import * as z from 'zod';
import { Empty } from './call-spec.js';

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

/** One socket the network can reach, as a baseline keeps it (no pid: it changes on every restart). */
export const SurfaceItem = z.object({
  protocol: z.enum(['tcp', 'udp']),
  address: z.string().max(64),
  port: z.number().int().min(0).max(65535),
  process: z.string().max(256).optional(),
  reachableFrom: Reach,
});
export type SurfaceItem = z.infer<typeof SurfaceItem>;

/** The attack surface the user accepted: what the network could reach when they set it. */
export const ExposureBaseline = z.object({
  at: z.number(),
  items: z.array(SurfaceItem).max(100000),
});
export type ExposureBaseline = z.infer<typeof ExposureBaseline>;

/**
 * A change since the baseline: `new` (the network reaches a socket it did not), `widened` (from
 * this network to the internet, or to unknown), `process` (another program on an exposed port),
 * `narrowed`, `closed` (no longer listens, or only this machine reaches it). `item` is now,
 * `before` as in the baseline.
 */
export const ExposureChange = z.object({
  kind: z.enum(['new', 'widened', 'process', 'narrowed', 'closed']),
  /** "tcp|0.0.0.0|22": protocol, bound address and port. */
  key: z.string(),
  item: SurfaceItem,
  before: SurfaceItem.optional(),
  /** One sentence for people. */
  text: z.string(),
});
export type ExposureChange = z.infer<typeof ExposureChange>;

/** The key of a socket in the baseline ("tcp|0.0.0.0|22"): the same port on another address is another exposure. */
export const surfaceKey = (i: { protocol: string; address: string; port: number }): string => `${i.protocol}|${i.address}|${i.port}`;

/** The changes since the baseline; `alert` is true when something is exposed that was not (new, widened, process). */
export const SurfaceDiff = z.object({
  baselineAt: z.number(),
  changes: z.array(ExposureChange),
  alert: z.boolean(),
});
export type SurfaceDiff = z.infer<typeof SurfaceDiff>;

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
  /** The changes since the baseline; absent when no baseline is set. */
  baseline: SurfaceDiff.optional(),
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

const PORT_SENTENCE = 'Ports go from 1 to 65535.';

/** A change to the firewall, made only in Portolan's own table `inet portolan`. */
export const FirewallChange = z.object({
  /** close: drop the port from every other host (loopback stays open); lan-only: drop it from hosts outside `networks`. */
  kind: z.enum(['close', 'lan-only']),
  protocol: z.enum(['tcp', 'udp']).default('tcp'),
  port: z.number({ error: PORT_SENTENCE }).int(PORT_SENTENCE).min(1, PORT_SENTENCE).max(65535, PORT_SENTENCE),
  /** lan-only: networks still allowed (CIDR); default: the networks of this machine's interfaces. */
  networks: z.array(z.string().max(64)).max(32).optional(),
});
export type FirewallChange = z.infer<typeof FirewallChange>;

/** The exact rules a change adds, and how they would be applied. */
export const FirewallPreview = z.object({
  table: z.literal('inet portolan'),
  /** The rules, in nft syntax, exactly as they will be added to the chain input of the table. */
  rules: z.array(z.string()),
  /** root: applied directly; pkexec: the system asks for an administrator password; none: cannot (see note). */
  elevation: z.enum(['root', 'pkexec', 'none']),
  note: z.string().optional(),
});
export type FirewallPreview = z.infer<typeof FirewallPreview>;

/** The exposure calls, spread into the contract's table. */
export const exposureCalls = {
  /** Every listening TCP and UDP socket with its bind scope, firewall verdicts, router mapping and who can reach it. */
  'exposure.list': {
    input: ExposureQuery,
    output: ExposureReport,
    doc: 'Who can reach each listening port here: bind scope, host firewall verdict (LAN and internet, with the deciding rule), router mapping, verdict.',
  },
  /** The exact nft rules a change would add to Portolan's table, without changing anything. */
  'exposure.firewall.preview': {
    input: FirewallChange,
    output: FirewallPreview,
    doc: "Show the exact nftables rules that closing a port (or keeping it to this network) would add to Portolan's own table inet portolan.",
  },
  /** Adds the rules (elevated through pkexec when not root); `confirm` must be true: nothing changes without it. */
  'exposure.firewall.apply': {
    input: FirewallChange.extend({ confirm: z.literal(true, { error: 'Confirm the change (confirm: true) after showing its rules.' }) }),
    output: z.object({ rules: z.array(z.string()) }),
    doc: "Add a closing or LAN-only rule to Portolan's table inet portolan (asks for the administrator password through pkexec unless root).",
  },
  /** Deletes Portolan's table and every rule in it; `removed` is false when there was none. */
  'exposure.firewall.undo': {
    input: z.object({ confirm: z.literal(true, { error: 'Confirm the undo (confirm: true).' }) }),
    output: z.object({ removed: z.boolean() }),
    doc: "Remove every firewall rule Portolan added (deletes its table inet portolan, nothing else).",
  },
  /** Portolan's rules now; null when the firewall cannot be read without privileges. */
  'exposure.firewall.rules': {
    input: Empty,
    output: z.object({ rules: z.array(z.string()).nullable() }),
    doc: "The rules Portolan added to the firewall (its table inet portolan).",
  },
  /** Saves what the network reaches now as the baseline; later lists show the changes since it. */
  'exposure.baseline.set': {
    input: ExposureQuery,
    output: z.object({ at: z.number(), items: z.number().int() }),
    doc: 'Set the attack-surface baseline: what the network reaches now (protocol, address, port, process, verdict); later lists show what changed since.',
  },
  /** Forgets the baseline; `removed` is false when there was none. */
  'exposure.baseline.clear': {
    input: Empty,
    output: z.object({ removed: z.boolean() }),
    doc: 'Forget the attack-surface baseline.',
  },
} as const;

/** The exposure events, spread into the contract's events. */
export const exposureEvents = {
  /**
   * Something is exposed that the baseline did not have (a new exposed port, a widened verdict,
   * another program): sent once per new set of such changes, for the desktop's notification.
   */
  'exposure.changed': SurfaceDiff,
} as const;
