/** Schemas of the live socket table: rows, snapshots, diffs and the monitor's settings. */
import * as z from 'zod';
import { Empty, type CallSpec } from './call-spec.js';

/** Protocol and address family of a socket, as ss and netstat name them. */
export const SocketProto = z.enum(['tcp', 'tcp6', 'udp', 'udp6']);
export type SocketProto = z.infer<typeof SocketProto>;

/** One socket of the machine. */
export const SocketRow = z.object({
  /** Stable identity across ticks: protocol, both endpoints and the kernel's inode. */
  id: z.string(),
  proto: SocketProto,
  localAddress: z.string(),
  localPort: z.number().int(),
  remoteAddress: z.string(),
  remotePort: z.number().int(),
  /** TCP state (LISTEN, ESTABLISHED, TIME_WAIT...); UDP: UNCONN or ESTABLISHED (connected). */
  state: z.string(),
  /** Owning process; absent when the owner is not visible to this user ("unknown process"). */
  pid: z.number().int().optional(),
  process: z.string().optional(),
  user: z.string().optional(),
  rxQueue: z.number().int(),
  txQueue: z.number().int(),
  /** The id of the other half of a socket pair, when both ends are on this machine. */
  pairId: z.string().optional(),
  /** Set when Portolan itself made this socket (what for, e.g. "engine", "listener", "forward"). */
  ownedBy: z.string().optional(),
});
export type SocketRow = z.infer<typeof SocketRow>;

/**
 * Whether every socket's owner can be shown by an elevated reader, as the Sockets view's "Show all
 * owners" button needs to know. `offered`: Linux, not root, the reader can be started through
 * pkexec; `elevated`: it runs; `unneeded`: this user sees every owner already (root);
 * `unavailable`: not on this OS or in this face yet (`note` says what to do instead).
 */
export const SocketElevation = z.object({
  state: z.enum(['offered', 'elevated', 'unneeded', 'unavailable']),
  /** A sentence: why the elevated reader ended or was refused, or what to do where it is not available. */
  note: z.string().optional(),
});
export type SocketElevation = z.infer<typeof SocketElevation>;

/** The whole table at one tick. */
export const SocketSnapshot = z.object({
  tick: z.number().int(),
  at: z.number(),
  rows: z.array(SocketRow),
  /** Sockets whose owner could not be seen (other users' processes without privileges). */
  hiddenOwners: z.number().int(),
  /** Where the rows come from (e.g. "/proc/net", "lsof", "netstat"). */
  source: z.string(),
  /** Whether the hidden owners can be shown by an elevated reader (sockets.elevate). */
  elevation: SocketElevation.optional(),
});
export type SocketSnapshot = z.infer<typeof SocketSnapshot>;

/** What changed since the previous tick: one batched event per tick. */
export const SocketDiff = z.object({
  tick: z.number().int(),
  at: z.number(),
  added: z.array(SocketRow),
  removed: z.array(z.string()),
  changed: z.array(SocketRow),
});
export type SocketDiff = z.infer<typeof SocketDiff>;

/** The monitor's settings: tick period and pause. */
export const SocketMonitorSettings = z.object({
  intervalMs: z.number().int().min(250).max(60000),
  paused: z.boolean(),
});
export type SocketMonitorSettings = z.infer<typeof SocketMonitorSettings>;

/** A partial update of the monitor's settings. */
export const SocketMonitorPatch = SocketMonitorSettings.partial();
export type SocketMonitorPatch = z.input<typeof SocketMonitorPatch>;

/** Asks for the current table. */
export const SocketSnapshotQuery = z.object({
  listeningOnly: z.boolean().default(false),
});

/**
 * One end of a socket pair. An end on this machine carries its process (null when the owner is
 * not visible); a remote end is a host: address and port only.
 */
export const PairEnd = z.object({
  address: z.string(),
  port: z.number().int(),
  pid: z.number().int().nullable(),
  process: z.string().nullable(),
  user: z.string().nullable(),
  /** True when this end is a socket of this machine (it then has a row in the socket table). */
  here: z.boolean(),
  /** The socket row of this end, when it is here. */
  socketId: z.string().nullable(),
});
export type PairEnd = z.infer<typeof PairEnd>;

/**
 * A connection seen as one thing: its client end and its server end. Both ends may be on this
 * machine (two socket rows, one pair), or one end is here and the other a remote host.
 */
export const SocketPair = z.object({
  /** Stable across ticks: the id of the client's socket row when it is here, else the server's. */
  id: z.string(),
  proto: SocketProto,
  /** The state of the connection as the end here sees it (the client's, when both are here). */
  state: z.string(),
  /** True when both ends are sockets of this machine. */
  bothHere: z.boolean(),
  client: PairEnd,
  server: PairEnd,
  /** The listening socket that accepted this connection, when it is on this machine. */
  listenerId: z.string().nullable(),
});
export type SocketPair = z.infer<typeof SocketPair>;

/** A listening socket with the number of pairs it accepted (multiplexing made visible). */
export const PairListener = z.object({
  id: z.string(),
  proto: SocketProto,
  address: z.string(),
  port: z.number().int(),
  pid: z.number().int().nullable(),
  process: z.string().nullable(),
  user: z.string().nullable(),
  pairs: z.number().int(),
});
export type PairListener = z.infer<typeof PairListener>;

/** The table seen as pairs: listeners with their counts, and every connection once. */
export const SocketPairs = z.object({
  tick: z.number().int(),
  at: z.number(),
  source: z.string(),
  hiddenOwners: z.number().int(),
  listeners: z.array(PairListener),
  pairs: z.array(SocketPair),
});
export type SocketPairs = z.infer<typeof SocketPairs>;

/** One connection's traffic from the kernel's TCP info (Linux): totals, rates, RTT, retransmits. */
export const SocketTraffic = z.object({
  /** The socket row's id. */
  id: z.string(),
  bytesSent: z.number(),
  bytesReceived: z.number(),
  /** Bytes per second since the previous sample. */
  sendRate: z.number(),
  recvRate: z.number(),
  /** Smoothed round-trip time in ms. */
  rttMs: z.number(),
  /** Segments retransmitted over the connection's life. */
  retrans: z.number(),
});
export type SocketTraffic = z.infer<typeof SocketTraffic>;

/** One traffic sample: only the connections whose counters moved (or whose rate fell to 0). */
export const SocketTrafficSample = z.object({
  at: z.number(),
  /** Where the counters come from ("ss -tin (tcp_info)"), or why there are none on this OS. */
  source: z.string(),
  available: z.boolean(),
  items: z.array(SocketTraffic),
});
export type SocketTrafficSample = z.infer<typeof SocketTrafficSample>;

/** The socket table's part of the contract's call table (spread into `calls` of api.ts). */
export const socketCalls = {
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
} as const satisfies Record<string, CallSpec>;

/** The socket table's part of the contract's event table. */
export const socketEvents = {
  /** What changed in the socket table since the previous tick: one batch per tick. */
  'sockets.diff': SocketDiff,
  /** Per-connection traffic after ticks, while the table is watched: only connections whose counters moved. */
  'sockets.traffic': SocketTrafficSample,
} as const;
