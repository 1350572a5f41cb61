/**
 * Schemas of forwards: local TCP and UDP forwards and SSH tunnels (-L, -R, -D), saved as named
 * profiles in the data folder (forwards.json) and run by the engine.
 *
 * How the Forwards view uses them:
 * - `forwards.list` gives every forward once (and a problem found reading forwards.json, if any);
 *   after that `forwards.changed` reports forwards whose state or counters changed and the ids of
 *   removed ones. `forwards.traffic` (about 4 times a second) carries byte counters for sparklines.
 * - `forwards.create` starts the new forward in the same call and answers `{ info, startError }`:
 *   a refused spec fails the call (INVALID_INPUT with the `path` of the field), a start failure is
 *   `startError` (its `path` names the listen field it concerns); with `onlyIfStarted` a forward
 *   that does not start is not kept, and the form offers "save anyway".
 * - The form validates with {@link ForwardSpec} as the user types (zod's safeParse gives per-field
 *   messages); `exposureWarning` of ForwardInfo (and net-notes.ts's forwardExposure) says when the listen
 *   address exposes the forward to the network.
 * - `forwards.connection` announces each connection opened and closed (socket pairs
 *   client <-> Portolan <-> target); `forwards.connections` gives a forward's recent log.
 * - An SSH server whose host key is not known fails with code HOSTKEY_UNKNOWN and raises
 *   `forwards.hostKey`: show the fingerprint and ask the user; `forwards.hostKey.accept` trusts it
 *   (saved in Portolan's known_hosts) and restarts the forward. HOSTKEY_MISMATCH is never offered
 *   for acceptance: it may be an attack; the user must fix known_hosts.
 * - Secrets (SSH password, key passphrase) travel only in `secrets` of create/update/start and are
 *   kept by the app's secret store (the OS's secret storage in the desktop app, memory elsewhere),
 *   never in forwards.json nor in any output.
 */
import * as z from 'zod';
import { Empty } from './call-spec.js';
import { cidrProblem } from './cidr.js';
import { WireErrorSchema } from './wire-error.js';

const PORT_SENTENCE = 'Ports go from 1 to 65535 (0 on a listen side asks for any free port).';
const ListenPort = z.number({ error: PORT_SENTENCE }).int(PORT_SENTENCE).min(0, PORT_SENTENCE).max(65535, PORT_SENTENCE);
const TargetPort = z.number({ error: PORT_SENTENCE }).int(PORT_SENTENCE).min(1, PORT_SENTENCE).max(65535, PORT_SENTENCE);
const Host = z
  .string()
  .trim()
  .min(1, 'Give a host: an IP address or a name.')
  .max(255)
  .refine((h) => !/[\s/]/.test(h), 'A host is an IP address or a name, without spaces or slashes.');

/** What a forward does. */
export const ForwardKind = z.enum(['tcp', 'udp', 'ssh-local', 'ssh-remote', 'ssh-dynamic']);
export type ForwardKind = z.infer<typeof ForwardKind>;

/** Kinds that go through an SSH server. */
export const SSH_KINDS: readonly ForwardKind[] = ['ssh-local', 'ssh-remote', 'ssh-dynamic'];

/** How to log in to the SSH server. Passwords and passphrases are never part of it (see ForwardSecrets). */
export const SshAuth = z.enum(['agent', 'key', 'password']);

/**
 * A jump host (ssh -J, ProxyJump): the tunnel logs in here first and reaches its SSH server through
 * it. It is logged in to the same way as the server (agent, key file or password), and its host key
 * is checked the same way.
 */
export const SshJump = z.object({
  /** Jump host name or address (an alias of ~/.ssh/config is resolved as for the server). */
  host: Host,
  /** Its SSH port (22 by default). */
  port: TargetPort.default(22),
  /** User name on the jump host; the server's when omitted. */
  username: z.string().trim().min(1, 'Give the user name for the jump host, or leave it out.').max(255).optional(),
});
export type SshJump = z.input<typeof SshJump>;

/**
 * The SSH server of a tunnel. Its host may be a Host alias of the user's ~/.ssh/config: the engine
 * then connects to its HostName, and takes its Port (when port is 22), IdentityFile (key login
 * without keyPath) and ProxyJump (when no jump is given), as ssh would.
 */
export const SshEndpoint = z.object({
  /** SSH server host name or address. */
  host: Host,
  /** SSH server port (22 by default). */
  port: TargetPort.default(22),
  /** User name to log in as. */
  username: z.string().trim().min(1, 'Give the user name to log in as.').max(255),
  /** agent: keys of the running ssh-agent (SSH_AUTH_SOCK); key: a private key file; password. */
  auth: SshAuth.default('agent'),
  /** auth "key": the private key file (~ allowed); default ~/.ssh/id_ed25519, then id_ecdsa, id_rsa. */
  keyPath: z.string().trim().max(4096).optional(),
  /** Seconds between SSH keep-alives; a server silent for 3 of them is taken as gone (0 turns them off). */
  keepaliveSec: z.number().int().min(0).max(3600).default(15),
  /** Reach the server through this jump host (ssh -J). */
  jump: SshJump.optional(),
});
export type SshEndpoint = z.input<typeof SshEndpoint>;

const Allow = z
  .array(
    z
      .string()
      .trim()
      .max(64)
      .superRefine((c, ctx) => {
        const problem = cidrProblem(c);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
  )
  .max(256)
  .default([]);

/** Fields every kind of forward has. */
const Common = {
  /** A name the user recognizes; unique among saved forwards. */
  name: z.string().trim().min(1, 'Give the forward a name.').max(100),
  /**
   * Address to listen on (for ssh-remote: on the SSH server). 127.0.0.1 (default) is this
   * machine only; 0.0.0.0, :: or a LAN address exposes the forward to the network.
   */
  listenHost: Host.default('127.0.0.1'),
  /** Port to listen on; 0 asks for any free port (the actual one is in ForwardInfo.boundPort). */
  listenPort: ListenPort,
  /** CIDR allowlist of client addresses ("10.0.0.0/8", "::1"); empty allows every client. */
  allow: Allow,
  /** Start this forward when the app starts. */
  startWithApp: z.boolean().default(false),
};

/** Local TCP forward: listen here, connect to the target for each client. */
export const TcpForwardSpec = z.object({
  kind: z.literal('tcp'),
  ...Common,
  /** Where each connection goes: a host name or an address, and a port. */
  targetHost: Host,
  targetPort: TargetPort,
});

/** Local UDP forward: one flow per client address:port, with its own upstream socket. */
export const UdpForwardSpec = z.object({
  kind: z.literal('udp'),
  ...Common,
  targetHost: Host,
  targetPort: TargetPort,
  /** A flow that carries nothing for this long (ms) is closed. */
  udpIdleMs: z.number().int().min(1000).max(24 * 3600 * 1000).default(60000),
});

/** ssh -L: listen here; each connection is carried by the SSH server to target (as the server sees it). */
export const SshLocalSpec = z.object({
  kind: z.literal('ssh-local'),
  ...Common,
  targetHost: Host,
  targetPort: TargetPort,
  ssh: SshEndpoint,
});

/** ssh -R: the SSH server listens on listenHost:listenPort and sends each connection here, to target. */
export const SshRemoteSpec = z.object({
  kind: z.literal('ssh-remote'),
  ...Common,
  /** A host and port reachable from this machine. */
  targetHost: Host,
  targetPort: TargetPort,
  ssh: SshEndpoint,
});

/** ssh -D: a SOCKS5 proxy here (no auth, CONNECT); the SSH server connects to what clients ask for. */
export const SshDynamicSpec = z.object({
  kind: z.literal('ssh-dynamic'),
  ...Common,
  ssh: SshEndpoint,
});

/** A forward as the user defines it (a saved profile), by kind. */
export const ForwardSpec = z.discriminatedUnion('kind', [TcpForwardSpec, UdpForwardSpec, SshLocalSpec, SshRemoteSpec, SshDynamicSpec]);
/** What a caller writes (defaults may be omitted). */
export type ForwardSpecInput = z.input<typeof ForwardSpec>;
/** A spec with defaults filled in, as stored and run. */
export type ForwardSpec = z.output<typeof ForwardSpec>;

/** Passwords and passphrases for SSH; kept by the secret store, never saved in forwards.json nor returned. */
export const ForwardSecrets = z.object({
  /** auth "password": the account's password. */
  password: z.string().max(4096).optional(),
  /** auth "key": the passphrase of an encrypted private key. */
  passphrase: z.string().max(4096).optional(),
});
export type ForwardSecrets = z.infer<typeof ForwardSecrets>;

/** Where a forward stands. */
export const ForwardState = z.enum(['stopped', 'listening', 'connecting', 'up', 'retrying', 'failed']);
export type ForwardState = z.infer<typeof ForwardState>;

/** A saved forward with its live state and counters. */
export const ForwardInfo = z.object({
  /** Stable id ("f-" + random), used by every other call. */
  id: z.string(),
  spec: ForwardSpec,
  /**
   * stopped; listening (local tcp/udp, ready); connecting (SSH session being set up); up (SSH
   * tunnel ready); retrying (SSH session lost, next try in retryInMs); failed (see error).
   */
  state: ForwardState,
  /** retrying: ms until the next attempt (from the time of the event). */
  retryInMs: z.number().int().optional(),
  /** Why the forward failed, or the last error while retrying (codes: EADDRINUSE, HOSTKEY_UNKNOWN, HOSTKEY_MISMATCH, AUTH_FAILED...). */
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  /** A sentence when the listen address exposes the forward to other machines. */
  exposureWarning: z.string().optional(),
  /** The port actually listened on while running (the OS's choice when listenPort is 0). */
  boundPort: z.number().int().optional(),
  /** False for a forward started by the CLI without saving it. */
  saved: z.boolean(),
  /** True when the secret store holds a password or passphrase for it. */
  secretStored: z.boolean(),
  /** Connections (UDP: flows) open now. */
  activeConnections: z.number().int(),
  /** Connections (UDP: flows) since the forward started. */
  totalConnections: z.number().int(),
  /** Bytes from clients towards the target. */
  bytesIn: z.number(),
  /** Bytes from the target back to clients. */
  bytesOut: z.number(),
  /** Clients refused by the allowlist. */
  refused: z.number().int(),
  /** Connections that failed towards the target (refused, unreachable, tunnel down). */
  targetErrors: z.number().int(),
  /** When the forward last started (ms since the epoch). */
  startedAt: z.number().optional(),
});
export type ForwardInfo = z.infer<typeof ForwardInfo>;

/** An address and port. */
export const Endpoint = z.object({ address: z.string(), port: z.number().int() });
export type Endpoint = z.infer<typeof Endpoint>;

/** One connection (UDP: one client flow) through a forward: client <-> Portolan <-> target. */
export const ConnectionInfo = z.object({
  /** Unique id ("c" + number). */
  id: z.string(),
  forwardId: z.string(),
  /** The client as Portolan sees it (ssh-remote: as the SSH server reports it). */
  client: Endpoint,
  /** Portolan's socket facing the client (ssh-remote: the server's listening end). */
  localClientSide: Endpoint.optional(),
  /** Portolan's socket facing the target (SSH -L/-D: absent, the SSH server connects). */
  localTargetSide: Endpoint.optional(),
  /** Where the connection went (SOCKS: what the client asked for). */
  target: z.object({ host: z.string(), port: z.number().int() }),
  /** Bytes from the client towards the target, and back. */
  bytesIn: z.number(),
  bytesOut: z.number(),
  openedAt: z.number(),
  closedAt: z.number().optional(),
  /** Why it ended badly (e.g. ECONNREFUSED at the target), when it did. */
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type ConnectionInfo = z.infer<typeof ConnectionInfo>;

/** Identifies a forward. */
export const ForwardRef = z.object({ id: z.string().min(1).max(64) });

/** forwards.create: a spec, whether to start it now, and secrets for SSH. */
export const ForwardCreateRequest = z.object({
  spec: ForwardSpec,
  /** Start it right away (default true). */
  start: z.boolean().default(true),
  /** Save it in forwards.json (default true); the CLI's foreground forwards are not saved. */
  save: z.boolean().default(true),
  /**
   * With start: keep the forward only if it starts. A start failure (busy port...) leaves nothing
   * saved behind (no forward, no secret) and answers `startError` without `info`; the form then
   * offers "save anyway".
   */
  onlyIfStarted: z.boolean().default(false),
  /** SSH password or passphrase, kept by the secret store. */
  secrets: ForwardSecrets.optional(),
});

/**
 * forwards.create result, in one answer: the forward, and why it could not start when asked to.
 * A refused spec (INVALID_INPUT, a name taken) or a forwards file that cannot be written fails the
 * call; a start failure does not, so the caller tells the two apart by shape, not by code.
 */
export const ForwardCreateResult = z.object({
  /**
   * The new forward: running, stopped (start: false), or failed with `error` when the start
   * failed. Absent only when `onlyIfStarted` and the start failed: nothing was kept.
   */
  info: ForwardInfo.optional(),
  /**
   * Why it did not start (EADDRINUSE naming the port's holder, EACCES...), with `path` naming the
   * spec field it concerns (`['spec', 'listenPort']`). SSH problems after the listen come later,
   * as state changes.
   */
  startError: WireErrorSchema.optional(),
});
export type ForwardCreateResult = z.infer<typeof ForwardCreateResult>;

/** forwards.update: replaces a forward's spec (a running forward restarts with it). */
export const ForwardUpdateRequest = z.object({
  id: z.string().min(1).max(64),
  spec: ForwardSpec,
  /** New secrets; omitted keeps the stored ones; {} forgets them. */
  secrets: ForwardSecrets.optional(),
});

/** forwards.start: starts a forward; secrets given here are used and kept. */
export const ForwardStartRequest = z.object({
  id: z.string().min(1).max(64),
  secrets: ForwardSecrets.optional(),
});

/** The state once: every forward, where they are saved, and a problem found reading the file. */
export const ForwardsState = z.object({
  forwards: z.array(ForwardInfo),
  /** The profiles file (forwards.json in the data folder). */
  path: z.string(),
  /** Set when forwards.json was damaged: it was kept aside (named here) and not overwritten. */
  problem: z.string().optional(),
});
export type ForwardsState = z.infer<typeof ForwardsState>;

/** The export document (also what forwards.import takes): specs only, never ids or secrets. */
export const ForwardsExport = z.object({
  format: z.literal('portolan-forwards').default('portolan-forwards'),
  version: z.literal(1).default(1),
  forwards: z.array(ForwardSpec).max(1000),
});
export type ForwardsExport = z.infer<typeof ForwardsExport>;

/** forwards.export: which forwards (all by default). */
export const ForwardsExportRequest = z.object({ ids: z.array(z.string().min(1).max(64)).max(1000).optional() });

/** forwards.import result: the new forwards (names made unique with " (2)"...), none started. */
export const ForwardsImportResult = z.object({ imported: z.array(ForwardInfo) });

/** forwards.connections result: open connections and recently closed ones, newest last. */
export const ForwardConnections = z.object({ connections: z.array(ConnectionInfo) });

/** forwards.hostKey.accept: trust this fingerprint for the forward's SSH server. */
export const HostKeyAcceptRequest = z.object({
  forwardId: z.string().min(1).max(64),
  /** The fingerprint shown by forwards.hostKey ("SHA256:..."); it must match the key the server presented. */
  fingerprint: z.string().min(8).max(200),
});

/** Events: forwards whose state or counters changed, and ids of deleted forwards. */
export const ForwardsChanged = z.object({ forwards: z.array(ForwardInfo), removed: z.array(z.string()) });
export type ForwardsChanged = z.infer<typeof ForwardsChanged>;

/** Events: byte counters of running forwards, about 4 times a second, for sparklines. */
export const ForwardsTraffic = z.object({
  at: z.number(),
  items: z.array(z.object({ id: z.string(), bytesIn: z.number(), bytesOut: z.number(), active: z.number().int() })),
});
export type ForwardsTraffic = z.infer<typeof ForwardsTraffic>;

/** Events: a connection opened or closed. */
export const ForwardConnectionEvent = z.object({ event: z.enum(['opened', 'closed']), connection: ConnectionInfo });
export type ForwardConnectionEvent = z.infer<typeof ForwardConnectionEvent>;

/** Events: an SSH server presented a host key that is not known; ask the user. */
export const HostKeyPrompt = z.object({
  forwardId: z.string(),
  host: z.string(),
  port: z.number().int(),
  /** As OpenSSH prints it: "SHA256:" and unpadded base64 of the key's SHA-256. */
  fingerprint: z.string(),
  /** e.g. "ssh-ed25519". */
  keyType: z.string(),
  known: z.literal(false),
  /**
   * Keys of other types already on record for this host (a known ed25519 key while the server
   * offered only ECDSA), as OpenSSH warns "keys of different type are already known for this
   * host". Absent when the host is not on record at all.
   */
  otherKnownKeys: z.array(z.object({ keyType: z.string(), fingerprint: z.string(), source: z.string() })).optional(),
});
export type HostKeyPrompt = z.infer<typeof HostKeyPrompt>;


/** One Host alias of the user's ~/.ssh/config, with what the config says for it. */
export const SshHostAlias = z.object({
  /** The name after Host (no wildcards), what the SSH host field takes. */
  alias: z.string(),
  /** Where it connects: its HostName, else the alias itself. */
  hostName: z.string(),
  user: z.string().optional(),
  port: z.number().int().optional(),
  /** The first IdentityFile, ~ expanded. */
  identityFile: z.string().optional(),
  /** ProxyJump as written ("user@bastion:2222"). */
  proxyJump: z.string().optional(),
});
export type SshHostAlias = z.infer<typeof SshHostAlias>;

/** ssh.hosts: the aliases, the file read, and files that could not be read. */
export const SshHosts = z.object({
  /** The config file read (~/.ssh/config); it may not exist (no aliases then). */
  file: z.string(),
  hosts: z.array(SshHostAlias),
  /** Sentences about unreadable files or Include loops; the rest of the config is still used. */
  problems: z.array(z.string()),
});
export type SshHosts = z.infer<typeof SshHosts>;

/**
 * The forwards part of the contract's call table (spread into `calls` of api.ts). Each entry has
 * the same shape as api.ts's CallSpec: input schema, output schema, one doc sentence.
 */
export const forwardCalls = {
  /** Every forward with its state and counters, the profiles file, and a problem reading it. */
  'forwards.list': {
    input: Empty,
    output: ForwardsState,
    doc: 'Every saved forward (and unsaved ones started by the CLI) with state and counters.',
  },
  /**
   * Validates a spec, saves it in forwards.json (unless save: false) and starts it (unless start:
   * false), in one call: a start failure comes back as `startError`, not as a failed call.
   */
  'forwards.create': {
    input: ForwardCreateRequest,
    output: ForwardCreateResult,
    doc: 'Create a forward (local TCP/UDP, SSH -L/-R/-D), save it as a profile and start it; answers the forward and why it did not start.',
  },
  /** Replaces a forward's spec (and secrets when given); a running forward restarts with it. */
  'forwards.update': {
    input: ForwardUpdateRequest,
    output: ForwardInfo,
    doc: "Change a forward's settings; a running forward restarts with them.",
  },
  /** Stops a forward, deletes its profile and its secrets. */
  'forwards.delete': {
    input: ForwardRef,
    output: z.object({ deleted: z.literal(true) }),
    doc: 'Stop and delete a forward, with its saved secrets.',
  },
  /** Starts a forward: fails with EADDRINUSE (naming the holder), EACCES...; SSH problems arrive as state changes. */
  'forwards.start': {
    input: ForwardStartRequest,
    output: ForwardInfo,
    doc: 'Start a forward (give SSH secrets here if they are not stored).',
  },
  /** Stops a forward and closes its connections. */
  'forwards.stop': {
    input: ForwardRef,
    output: ForwardInfo,
    doc: 'Stop a forward and close its connections.',
  },
  /** Copies a forward's profile under a new name ("name (copy)"), stopped, listen port 0 for local kinds. */
  'forwards.duplicate': {
    input: ForwardRef,
    output: ForwardInfo,
    doc: 'Copy a forward into a new stopped profile.',
  },
  /** The profiles as a JSON document (no ids, no secrets). */
  'forwards.export': {
    input: ForwardsExportRequest,
    output: ForwardsExport,
    doc: 'Export forward profiles as JSON, without secrets.',
  },
  /** Adds the profiles of an export document, stopped; names made unique. */
  'forwards.import': {
    input: ForwardsExport,
    output: ForwardsImportResult,
    doc: 'Import forward profiles from an export document (they start stopped).',
  },
  /** A forward's open connections and recently closed ones (with bytes and errors). */
  'forwards.connections': {
    input: ForwardRef,
    output: ForwardConnections,
    doc: "A forward's connection log: open connections and recent closed ones.",
  },
  /** The Host aliases of ~/.ssh/config (Include followed), for the SSH host field; tunnels resolve them when they connect. */
  'ssh.hosts': {
    input: Empty,
    output: SshHosts,
    doc: "List the Host aliases of the user's ~/.ssh/config with their HostName, User, Port, IdentityFile and ProxyJump.",
  },
  /** Trusts the SSH host key shown by forwards.hostKey (saved in Portolan's known_hosts) and restarts the forward. */
  'forwards.hostKey.accept': {
    input: HostKeyAcceptRequest,
    output: ForwardInfo,
    doc: "Trust an SSH server's host key by its fingerprint (trust on first use) and restart the forward.",
  },
} as const;

/** The forwards part of the contract's event table (spread into `events` of api.ts). */
export const forwardEvents = {
  /** Forwards whose state or counters changed (state at once, counters at most every 250 ms), and deleted ids. */
  'forwards.changed': ForwardsChanged,
  /** Byte counters and active connections of running forwards that moved, about 4 times a second. */
  'forwards.traffic': ForwardsTraffic,
  /** A connection through a forward opened or closed (refused clients arrive as closed with error ALLOWLIST). */
  'forwards.connection': ForwardConnectionEvent,
  /** An SSH server's host key is unknown: show the fingerprint and ask; answer with forwards.hostKey.accept. */
  'forwards.hostKey': HostKeyPrompt,
} as const;
