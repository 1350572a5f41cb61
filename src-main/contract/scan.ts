/**
 * Schemas of the port scanner: what to scan (ScanSpec), a running or finished scan (ScanInfo), one
 * port's outcome (PortResult), history, diffs, exports and saved profiles.
 *
 * How the Scanner view uses them:
 * - `scan.start` resolves the targets and returns at once with a ScanInfo in state `running`.
 *   A target outside private, loopback and link-local addresses fails with `CONFIRM_REQUIRED`
 *   (the message names it) until the user confirms and the spec is sent with `confirmPublic: true`.
 * - While it runs, `scan.progress` (about 10 a second at most) carries the counters, and
 *   `scan.found` carries new or updated non-closed results in batches. A result is identified by
 *   host + protocol + port: service detection sends a port again with `service` filled in, so the
 *   view replaces rows by that key. Closed ports are counted, never listed (there may be 65,535).
 * - `scan.results` gives the whole state once (after a reload, or for a finished scan).
 * - Every scan ends in `done`, `cancelled` or `failed`; it is then saved to the history.
 */
import * as z from 'zod';
import { Empty } from './call-spec.js';

/** Transport protocol to scan. */
export const ScanProtocol = z.enum(['tcp', 'udp']);
export type ScanProtocol = z.infer<typeof ScanProtocol>;

/**
 * Timing presets, as nmap numbers them: 0 paranoid, 1 sneaky, 2 polite, 3 normal, 4 aggressive
 * (default, fine for a LAN), 5 insane (fast, for loopback or a very reliable network).
 */
export const ScanTiming = z.number().int().min(0, 'Timing goes from 0 (paranoid) to 5 (insane).').max(5, 'Timing goes from 0 (paranoid) to 5 (insane).');

export { PORT_REASON_EXPLAINED, PORT_STATE_EXPLAINED, TIMING_NAMES } from './scan-notes.js';

/** What to scan. */
export const ScanSpec = z.object({
  /**
   * Hosts, separated by commas or spaces: IPv4 / IPv6 literals (192.168.1.10, ::1), host names
   * (resolved; all addresses are shown, the first IPv4 one is scanned), CIDR blocks
   * (192.168.1.0/24; IPv6 down to /112), ranges (10.0.0.1-40 or 10.0.0.1-10.0.1.5). At most 65,536 hosts.
   */
  targets: z.string().trim().min(1, 'Give at least one target: an address, a host name, a CIDR block (192.168.1.0/24) or a range (10.0.0.1-40).').max(10000),
  /**
   * Ports, separated by commas: numbers and ranges ('22,80,443', '1-1024'), 'all' (1-65535),
   * 'top:N' (the N most often open ports, curated in assets/scan), service names ('ssh,http', looked
   * up in the dictionary), mixed ('top:100,8080-8090').
   */
  ports: z.string().trim().min(1, "Give ports: '22,80,443', '1-1024', 'all', 'top:100' or service names such as 'ssh,http'.").max(10000).default('top:100'),
  protocol: ScanProtocol.default('tcp'),
  /** For open TCP ports: read banners and send light probes to name the service and its version. */
  serviceDetection: z.boolean().default(false),
  /** Timing preset 0-5 (see {@link TIMING_NAMES}); 4 by default. */
  timing: ScanTiming.default(4),
  /** At most this many probes per second (retries included); none by default. */
  rateLimit: z.number().int().min(1, 'The rate limit is in probes per second, 1 or more.').max(1_000_000).optional(),
  /** The order probes go out in: host by host in port order (when not given), or random (every host and port once, interleaved, as nmap does). */
  portOrder: z.enum(['sequential', 'random']).optional(),
  /** The user confirmed scanning addresses outside private, loopback and link-local ranges. */
  confirmPublic: z.boolean().default(false),
});
/** A spec as a caller writes it (defaults may be omitted). */
export type ScanSpecInput = z.input<typeof ScanSpec>;
/** A spec after parsing (defaults filled in), as the engine receives it. */
export type ScanSpec = z.output<typeof ScanSpec>;

/** Lifecycle of a scan. `done`, `cancelled` and `failed` are final and saved to the history. */
export const ScanState = z.enum(['running', 'paused', 'done', 'cancelled', 'failed']);
export type ScanState = z.infer<typeof ScanState>;

/** One host of a scan: what the user typed, every address it resolved to, and the one scanned. */
export const ScanHost = z.object({
  /** The target as written (a name, or one address of a block or range). */
  target: z.string(),
  /** The address scanned (for a name: its first IPv4 address, else its first address). */
  address: z.string(),
  /** Every address the target resolved to (one for a literal). */
  addresses: z.array(z.string()),
});
export type ScanHost = z.infer<typeof ScanHost>;

/** A running or finished scan. */
export const ScanInfo = z.object({
  id: z.string(),
  spec: ScanSpec,
  state: ScanState,
  hosts: z.array(ScanHost),
  /** Number of ports scanned per host, and the ports themselves as compact ranges ('1-1024,3306'). */
  portCount: z.number().int(),
  portList: z.string(),
  /** Probes to do (hosts x ports), done so far, and open ports found. */
  total: z.number().int(),
  done: z.number().int(),
  open: z.number().int(),
  /** Ports finished per second over the last second or so. */
  rate: z.number(),
  /** Estimated ms to the end at the current rate; 0 when finished. */
  etaMs: z.number(),
  startedAt: z.number(),
  finishedAt: z.number().optional(),
  /** Why a scan failed, or a warning worth showing (e.g. the open-file limit was reached and the scan slowed down). */
  message: z.string().optional(),
});
export type ScanInfo = z.infer<typeof ScanInfo>;

/** A port's state, as nmap names them. */
export const PortState = z.enum(['open', 'closed', 'filtered', 'open|filtered', 'error']);
export type PortState = z.infer<typeof PortState>;

/**
 * Why a port got its state (nmap's "reason" column):
 * syn-ack (TCP connection accepted), conn-refused (TCP reset), no-response (silence, after a retry),
 * icmp-unreachable (an ICMP host/network unreachable or administratively-prohibited answer),
 * port-unreachable (UDP: ICMP port unreachable), udp-response (UDP: the service answered),
 * self-connect (loopback: the OS connected the probe to itself; not a listener), error (see detail).
 */
export const PortReason = z.enum(['syn-ack', 'conn-refused', 'no-response', 'icmp-unreachable', 'port-unreachable', 'udp-response', 'self-connect', 'error']);
export type PortReason = z.infer<typeof PortReason>;

/** A TLS service's certificate and negotiated protocol. */
export const ServiceTls = z.object({
  /** Certificate subject, e.g. "CN=example.test, O=Example". */
  subject: z.string(),
  issuer: z.string(),
  /** Expiry as ISO 8601. */
  validTo: z.string(),
  /** True when subject and issuer are the same (self-signed). */
  selfSigned: z.boolean().optional(),
  /** Protocol agreed by ALPN (h2, http/1.1), if any. */
  alpn: z.string().optional(),
  /** TLS version, e.g. "TLSv1.3". */
  protocol: z.string().optional(),
});
export type ServiceTls = z.infer<typeof ServiceTls>;

/** What service detection learned about an open port. */
export const ServiceInfo = z.object({
  /** Service name in nmap's and IANA's spelling (http, https, ssh, smtp, ftp, pop3, imap, redis, mysql, postgresql...); 'unknown' when nothing matched. */
  name: z.string(),
  /** Software, e.g. "OpenSSH", "nginx". */
  product: z.string().optional(),
  version: z.string().optional(),
  /** More detail: the banner's first line, an HTTP status line... */
  extra: z.string().optional(),
  tls: ServiceTls.optional(),
});
export type ServiceInfo = z.infer<typeof ServiceInfo>;

/** One port's outcome on one host. */
export const PortResult = z.object({
  /** The scanned address. */
  host: z.string(),
  port: z.number().int().min(0).max(65535),
  protocol: ScanProtocol,
  state: PortState,
  reason: PortReason,
  /** The cause of an error, or the ICMP/errno name behind a reason (e.g. "EHOSTUNREACH"). */
  detail: z.string().optional(),
  /** Round-trip time of the answer, in ms. */
  rttMs: z.number().optional(),
  service: ServiceInfo.optional(),
  /** The service the dictionary expects on this port/protocol (IANA name, else a common unofficial use). */
  expectedService: z.string().optional(),
  /** True when detection found a service other than the expected one (e.g. SSH on port 80). */
  mismatch: z.boolean().optional(),
});
export type PortResult = z.infer<typeof PortResult>;

/** How many ports of a host ended in each state. */
export const StateCounts = z.object({
  open: z.number().int(),
  closed: z.number().int(),
  filtered: z.number().int(),
  'open|filtered': z.number().int(),
  error: z.number().int(),
});
export type StateCounts = z.infer<typeof StateCounts>;

/** A scan's results: every non-closed port, and the counts per host (closed ports are only counted). */
export const ScanResults = z.object({
  info: ScanInfo,
  /** Non-closed ports in host, then port order. */
  results: z.array(PortResult),
  /** Counts per scanned address, in host order. */
  counts: z.array(z.object({ host: z.string(), counts: StateCounts })),
});
export type ScanResults = z.infer<typeof ScanResults>;

/** Refers to one scan (running, or in the history). */
export const ScanRef = z.object({ id: z.string().min(1).max(100) });
export type ScanRef = z.infer<typeof ScanRef>;

/** A saved scan in the history list (newest first). */
export const ScanSummary = z.object({
  id: z.string(),
  state: ScanState,
  targets: z.string(),
  ports: z.string(),
  protocol: ScanProtocol,
  hosts: z.array(z.string()),
  open: z.number().int(),
  total: z.number().int(),
  startedAt: z.number(),
  finishedAt: z.number().optional(),
});
export type ScanSummary = z.infer<typeof ScanSummary>;

/** The history: saved scans, newest first, and a problem met while reading it (a damaged file kept aside). */
export const ScanHistory = z.object({
  scans: z.array(ScanSummary),
  problem: z.string().optional(),
});
export type ScanHistory = z.infer<typeof ScanHistory>;

/** Compare scan `a` (earlier) with scan `b` (later). */
export const ScanDiffQuery = z.object({ a: z.string().min(1).max(100), b: z.string().min(1).max(100) });

/** A port whose state changed between two scans. */
export const PortChange = z.object({
  port: z.number().int(),
  protocol: ScanProtocol,
  /** State in scan a and in scan b. */
  from: PortState,
  to: PortState,
  /** Service name in a and b, when detection ran and they differ. */
  serviceFrom: z.string().optional(),
  serviceTo: z.string().optional(),
});
export type PortChange = z.infer<typeof PortChange>;

/** What changed on one host between two scans (only ports scanned by both count). */
export const HostDiff = z.object({
  host: z.string(),
  /** Open in b, not open in a. */
  newlyOpen: z.array(PortResult),
  /** Open in a, not open in b (closed or filtered now). */
  newlyClosed: z.array(PortChange),
  /** Other changes: between non-open states, or a different service on a port open in both. */
  changed: z.array(PortChange),
});
export type HostDiff = z.infer<typeof HostDiff>;

/** The diff of two scans, per host both scanned. */
export const ScanDiff = z.object({
  a: z.string(),
  b: z.string(),
  hosts: z.array(HostDiff),
});
export type ScanDiff = z.infer<typeof ScanDiff>;

/** Export formats: the saved JSON, a CSV of non-closed ports, and nmap's XML (-oX) for other tools. */
export const ExportFormat = z.enum(['json', 'csv', 'nmap-xml']);
export type ExportFormat = z.infer<typeof ExportFormat>;

export const ScanExportQuery = z.object({ id: z.string().min(1).max(100), format: ExportFormat.default('json') });

/** An exported file, ready to download or write. */
export const ScanExport = z.object({
  filename: z.string(),
  mime: z.string(),
  content: z.string(),
});
export type ScanExport = z.infer<typeof ScanExport>;

/** A saved scan profile: targets, ports and options under a name. */
export const ScanProfile = z.object({
  name: z.string().trim().min(1, 'Give the profile a name.').max(80),
  targets: z.string().max(10000).default(''),
  ports: z.string().max(10000).default('top:100'),
  protocol: ScanProtocol.default('tcp'),
  serviceDetection: z.boolean().default(false),
  timing: ScanTiming.default(4),
  rateLimit: z.number().int().min(1).max(1_000_000).optional(),
});
export type ScanProfileInput = z.input<typeof ScanProfile>;
export type ScanProfile = z.output<typeof ScanProfile>;

/** Counters of a running scan, at most about 10 times a second per scan, and once at each state change. */
export const ScanProgress = z.object({
  id: z.string(),
  done: z.number().int(),
  total: z.number().int(),
  open: z.number().int(),
  rate: z.number(),
  etaMs: z.number(),
  state: ScanState,
});
export type ScanProgress = z.infer<typeof ScanProgress>;

/** New or updated non-closed results, batched (at most about 10 events a second per scan). */
export const ScanFound = z.object({
  id: z.string(),
  results: z.array(PortResult),
});
export type ScanFound = z.infer<typeof ScanFound>;

/** The profiles, by name, and a problem met while reading the file (a damaged file kept aside). */
export const ScanProfiles = z.object({ profiles: z.array(ScanProfile), problem: z.string().optional() });
export type ScanProfiles = z.infer<typeof ScanProfiles>;

/** The scanner's calls, spread into `calls` of api.ts. */
export const scanCalls = {
  /** Resolves targets, checks the ports, starts the scan and returns at once (state running); CONFIRM_REQUIRED for a public target without confirmPublic. */
  'scan.start': {
    input: ScanSpec,
    output: ScanInfo,
    doc: 'Start a TCP connect or UDP scan of targets and ports (progress in scan.progress, results in scan.found).',
  },
  /** Stops sending probes (those in flight finish). */
  'scan.pause': { input: ScanRef, output: ScanInfo, doc: 'Pause a running scan.' },
  /** Continues a paused scan. */
  'scan.resume': { input: ScanRef, output: ScanInfo, doc: 'Resume a paused scan.' },
  /** Ends a scan now; what was found so far is saved with state cancelled. */
  'scan.cancel': { input: ScanRef, output: ScanInfo, doc: 'Cancel a scan; its results so far are kept in the history.' },
  /** A running or saved scan's non-closed ports and per-host counts. */
  'scan.results': { input: ScanRef, output: ScanResults, doc: "A scan's open, filtered and error ports, with counts of every state per host." },
  /** Saved scans, newest first (at most 200 are kept). */
  'scan.history': { input: Empty, output: ScanHistory, doc: 'The saved scans, newest first.' },
  /**
   * The other half of the handle scan.start returns: answers once the scan has ended (done,
   * cancelled or failed) and its record is saved, so scan.results and scan.export read the whole
   * scan; at once for a scan that already ended. A paused scan is waited for until it ends.
   */
  'scan.wait': { input: ScanRef, output: ScanInfo, doc: 'Wait until a scan ends (done, cancelled or failed); its final info.' },
  /** One scan's info (running or saved). */
  'scan.get': { input: ScanRef, output: ScanInfo, doc: "One scan's spec, hosts, counters and state." },
  /** Deletes a saved scan (a running one is cancelled first). */
  'scan.delete': { input: ScanRef, output: z.object({ deleted: z.literal(true) }), doc: 'Delete a scan from the history.' },
  /** What changed between an earlier scan a and a later scan b, per host both scanned. */
  'scan.diff': { input: ScanDiffQuery, output: ScanDiff, doc: 'Compare two scans of the same host: ports newly open, newly closed, or otherwise changed.' },
  /** A finished scan as JSON, CSV or nmap XML. */
  'scan.export': { input: ScanExportQuery, output: ScanExport, doc: 'Export a scan as JSON, CSV or nmap XML (readable by tools that read nmap -oX).' },
  /** Saved scan profiles. */
  'scan.profiles.list': { input: Empty, output: ScanProfiles, doc: 'The saved scan profiles (targets, ports, timing).' },
  /** Saves a profile (replacing one of the same name). */
  'scan.profiles.save': { input: ScanProfile, output: ScanProfiles, doc: 'Save a scan profile under a name.' },
  /** Deletes a profile by name. */
  'scan.profiles.delete': { input: z.object({ name: z.string().min(1).max(80) }), output: ScanProfiles, doc: 'Delete a scan profile.' },
} as const;

/** The scanner's events, spread into `events` of api.ts. */
export const scanEvents = {
  /** Counters of a scan, at most about 10 a second, and at each state change. */
  'scan.progress': ScanProgress,
  /** New or updated non-closed results, batched (at most about 10 a second). */
  'scan.found': ScanFound,
} as const;

