/**
 * The contract: one table of calls and one of events. The preload, the renderer client, the web
 * transport, the CLI and the tests are all derived from these two tables.
 */
import * as z from 'zod';
import {
  BindCheckQuery,
  BindCheckResult,
  CardQuery,
  LookupQuery,
  LookupResult,
  PortCard,
  PortSummary,
} from './dictionary.js';
import { exposureCalls, exposureEvents } from './exposure.js';
import { forwardCalls, forwardEvents } from './forwards.js';
import { knockCalls, knockEvents } from './knock.js';
import { LearnCard } from './learn.js';
import { Mapping, MappingRef, MappingSpec, RouterChanged, RouterInfo } from './router.js';
import { scanCalls, scanEvents } from './scan.js';
import { Settings, SettingsPatch, SettingsState } from './settings.js';
import { Heartbeat, SystemInfo } from './system.js';
import { SocketDiff, SocketElevation, SocketMonitorPatch, SocketMonitorSettings, SocketPairs, SocketSnapshot, SocketSnapshotQuery, SocketTrafficSample } from './sockets.js';
import {
  ConnectSpec,
  ListenerInfo,
  ListenerRef,
  ListenerSpec,
  SessionAckRequest,
  SessionCloseRequest,
  SessionData,
  SessionInfo,
  SessionsChanged,
  SessionSendRequest,
  SessionsState,
  SessionRef,
  SessionTranscript,
} from './sessions.js';

const Empty = z.object({}).strict().default({});

/** A call: its input is parsed from `unknown` at every boundary; its output is checked in tests. */
export interface CallSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  /** One sentence for the CLI's help and for people reading the table. */
  doc: string;
}

/** Every call the engine answers, by name. */
export const calls = {
  /** Looks ports up by number, range, service name or free text; ranked and paged. */
  'dictionary.lookup': {
    input: LookupQuery,
    output: LookupResult,
    doc: 'Look ports up by number ("443"), range ("0-1023", "49152-"), service name ("ssh") or words ("time").',
  },
  /** Everything known about one port: IANA assignments, range, ephemeral range, unofficial uses, risks. */
  'dictionary.card': {
    input: CardQuery,
    output: PortCard,
    doc: "One port's card: IANA names per protocol, range category, unofficial uses and security notes.",
  },
  /** Tries to bind the port now and reports free, in use (and by whom) or needs privileges. */
  'dictionary.bindCheck': {
    input: BindCheckQuery,
    output: BindCheckResult,
    doc: 'Check whether this machine can listen on a port right now.',
  },
  /** Dictionary summaries of many ports at once (tables of sockets or scan results); null where the dictionary has nothing. */
  'dictionary.summaries': {
    input: z.object({ ports: z.array(z.number().int().min(0).max(65535)).max(5000) }),
    output: z.record(z.string(), PortSummary.nullable()),
    doc: 'The dictionary summary (names, description, risk) of each port, in one call.',
  },
  /** The Learn panel's cards, one per concept. */
  'learn.cards': {
    input: Empty,
    output: z.array(LearnCard),
    doc: 'The Learn cards that explain each concept of ports.',
  },
  /** Facts about the engine and this machine. */
  'system.info': {
    input: Empty,
    output: SystemInfo,
    doc: 'Facts about the engine and this machine (version, platform, ephemeral port range).',
  },
  /** The user's settings, and a problem found while reading them, if any. */
  'settings.get': {
    input: Empty,
    output: SettingsState,
    doc: "The user's settings and where they are stored.",
  },
  /** Updates some settings; written atomically; emits settings.changed. */
  'settings.update': {
    input: SettingsPatch,
    output: SettingsState,
    doc: "Update the user's settings (theme, remembered filters).",
  },
  /** The machine's sockets now, with owning processes and linked socket pairs. */
  'sockets.snapshot': {
    input: SocketSnapshotQuery,
    output: SocketSnapshot,
    doc: "The machine's TCP and UDP sockets now, with their processes and socket pairs.",
  },
  /** The same table as socket pairs: each connection once (client end, server end), listeners with their counts. */
  'sockets.pairs': {
    input: Empty,
    output: SocketPairs,
    doc: 'Socket pairs now: each connection once with its client and server ends (process, or the remote host), and each listener with the pairs it accepted.',
  },
  /** Closes one TCP connection of any process (Linux SOCK_DESTROY via ss -K; needs CAP_NET_ADMIN). */
  'sockets.close': {
    input: z.object({ id: z.string().min(1).max(200) }),
    output: z.object({ closed: z.literal(true) }),
    doc: 'Close a TCP connection by its socket id (Linux SOCK_DESTROY through ss -K; needs root or CAP_NET_ADMIN).',
  },
  /**
   * Ends a process with one signal (TCPView's "End process"). Refuses pid 1 and Portolan's own pid;
   * EACCES when the process belongs to another user, NOT_FOUND when it has ended already.
   */
  'processes.end': {
    input: z.object({ pid: z.number().int().min(1).max(4_194_304), signal: z.enum(['SIGTERM', 'SIGKILL']).default('SIGTERM') }),
    output: z.object({ pid: z.number().int(), signal: z.enum(['SIGTERM', 'SIGKILL']) }),
    doc: 'End a process: SIGTERM asks it to exit, SIGKILL forces it. Refuses pid 1 and Portolan itself; needs to be the same user (or root).',
  },
  /** Keeps the live table ticking for a while (views renew the lease while they are open). */
  'sockets.watch': {
    input: z.object({
      leaseMs: z.number().int().min(1000).max(300000).default(30000),
      /** Also sample per-connection traffic (sockets.traffic events) for this long; none without it. */
      trafficMs: z.number().int().min(1000).max(300000).optional(),
    }),
    output: SocketMonitorSettings,
    doc: 'Keep the live socket table ticking (sockets.diff events) for the lease, in ms; with trafficMs, also sample per-connection traffic (sockets.traffic events) for that long.',
  },
  /**
   * Restarts the socket reader elevated (Linux: pkexec, so polkit asks the user), never the UI or
   * the app, so that every socket's owner is seen. Called only on the user's click; answers once
   * the user accepted or refused, with the reason in `note` when it did not start.
   */
  'sockets.elevate': {
    input: Empty,
    output: SocketElevation,
    doc: "Ask for elevation of the socket reader only (pkexec/polkit on Linux), never the UI, so that every socket's owner is seen; answers once the user accepted or refused.",
  },
  /** Changes the tick period or pauses the live table. */
  'sockets.configure': {
    input: SocketMonitorPatch,
    output: SocketMonitorSettings,
    doc: 'Set the live socket table tick period (ms), or pause and resume it.',
  },
  /** Host names of addresses (reverse DNS), cached; null where an address has none. */
  'dns.reverse': {
    input: z.object({ addresses: z.array(z.string().max(64)).max(500) }),
    output: z.record(z.string(), z.string().nullable()),
    doc: 'Reverse DNS names of addresses (asynchronous, cached, 2 s limit each).',
  },
  /** The addresses a host name resolves to on this machine (IPv4 first); ENOTFOUND with the resolver's code, or ETIMEDOUT after 3 s. */
  'dns.resolve': {
    input: z.object({ host: z.string().trim().min(1, 'Give a host: an IP address or a name.').max(255) }),
    output: z.object({ addresses: z.array(z.string()) }),
    doc: "The addresses a host name resolves to here, through this machine's resolver (/etc/hosts, then DNS; 3 s limit); an IP address is its own answer.",
  },
  /** Opens a TCP or UDP listener; fails with EADDRINUSE (naming the holder and a free port), EACCES, EADDRNOTAVAIL. */
  'listeners.open': {
    input: ListenerSpec,
    output: ListenerInfo,
    doc: 'Listen on a TCP or UDP port (0 = any free port) with a responder: interactive, echo, discard, banner or http.',
  },
  /** Closes a listener and every session of its peers. */
  'listeners.close': {
    input: ListenerRef,
    output: z.object({ closed: z.literal(true) }),
    doc: 'Close a listener and all its peers.',
  },
  /** The whole state once (after that, follow sessions.changed). */
  'listeners.list': {
    input: Empty,
    output: SessionsState,
    doc: 'Every listener and session (open ones, and closed ones not yet forgotten).',
  },
  /** Connects and resolves once connected (and the TLS handshake done), or fails: ENOTFOUND, ECONNREFUSED, ETIMEDOUT... */
  'sessions.connect': {
    input: ConnectSpec,
    output: SessionInfo,
    doc: 'Connect to host:port over TCP (optionally TLS) or UDP and open a client session.',
  },
  /** Sends bytes (base64) to the peer; resolves once handed to the OS, so awaiting each call paces a big send. */
  'sessions.send': {
    input: SessionSendRequest,
    output: z.object({ bytes: z.number().int() }),
    doc: "Send bytes (base64) to a session's peer.",
  },
  /** Closes a session (half: end-of-stream only); closing a closed session forgets it. */
  'sessions.close': {
    input: SessionCloseRequest,
    output: z.object({ closed: z.literal(true) }),
    doc: 'Close one session (or, with half, send end-of-stream and keep receiving); a closed one is forgotten.',
  },
  /** Flow-control credit: the console acknowledges the bytes of sessions.data it has shown (unknown ids are ignored). */
  'sessions.ack': {
    input: SessionAckRequest,
    output: z.object({}),
    doc: 'Acknowledge bytes of sessions.data shown by the console, so that a paused socket resumes.',
  },
  /** What a console session said and heard recently (the last 256 KiB both ways), for a console opened later; NOT_FOUND once forgotten. */
  'sessions.transcript': {
    input: SessionRef,
    output: SessionTranscript,
    doc: "A session's recent conversation (the last 256 KiB, sent and received marked apart), with the seq of the last sessions.data it holds.",
  },
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
  /** The port scanner (schemas and docs in scan.ts). */
  ...scanCalls,
  /** Port knocking: the knock client, profiles, knockd.conf, guards (schemas and docs in knock.ts). */
  ...knockCalls,
  /** Forwards: local TCP/UDP forwards and SSH tunnels (schemas and docs in forwards.ts). */
  ...forwardCalls,
  /** Exposure: who can reach each listening port, and why (schemas and docs in exposure.ts). */
  ...exposureCalls,
} as const satisfies Record<string, CallSpec>;

/** Every event the engine emits, by name, with its payload schema. */
export const events = {
  /** The settings changed (from any window or browser tab). */
  'settings.changed': Settings,
  /** Sent every few seconds so that clients can show the engine connection as live. */
  'system.heartbeat': Heartbeat,
  /** What changed in the socket table since the previous tick: one batch per tick. */
  'sockets.diff': SocketDiff,
  /** Per-connection traffic after ticks, while the table is watched: only connections whose counters moved. */
  'sockets.traffic': SocketTrafficSample,
  /** Bytes received by an interactive session, base64, batched (every ~16 ms or 64 KiB); acknowledge with sessions.ack. */
  'sessions.data': SessionData,
  /** Listeners and sessions that changed (new peers, closes at once; byte counters about 4 times a second). */
  'sessions.changed': SessionsChanged,
  /** Router mappings changed (added, renewed, refused, removed) or the router was discovered; the full list. */
  'router.changed': RouterChanged,
  /** The port scanner's progress and batched results (scan.ts). */
  ...scanEvents,
  /** Knock steps as sent, guard attempts (batched) and guard changes (knock.ts). */
  ...knockEvents,
  /** Forwards' state, traffic (~4 Hz), connections and SSH host-key questions (forwards.ts). */
  ...forwardEvents,
  /** Something newly exposed since the attack-surface baseline (exposure.ts). */
  ...exposureEvents,
} as const satisfies Record<string, z.ZodType>;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export type Events = typeof events;
export type EventName = keyof Events;
/** What a caller passes (defaults may be omitted). */
export type CallInput<K extends CallName> = z.input<Calls[K]['input']>;
/** What a handler receives after parsing (defaults filled in). */
export type ParsedInput<K extends CallName> = z.output<Calls[K]['input']>;
export type CallOutput<K extends CallName> = z.output<Calls[K]['output']>;
export type EventPayload<K extends EventName> = z.output<Events[K]>;

/** The engine side: one async handler per call. A missing handler is a type error and a failing test. */
export type Handlers = { [K in CallName]: (input: ParsedInput<K>) => Promise<CallOutput<K>> };

/** The client side: one async function per call, as the renderer and the CLI see it. */
export type Client = { [K in CallName]: (input?: CallInput<K>) => Promise<CallOutput<K>> };
