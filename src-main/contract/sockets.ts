/** Schemas of the live socket table: rows, snapshots, diffs and the monitor's settings. */
import { z } from 'zod';

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

/** The whole table at one tick. */
export const SocketSnapshot = z.object({
  tick: z.number().int(),
  at: z.number(),
  rows: z.array(SocketRow),
  /** Sockets whose owner could not be seen (other users' processes without privileges). */
  hiddenOwners: z.number().int(),
  /** Where the rows come from (e.g. "/proc/net", "lsof", "netstat"). */
  source: z.string(),
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
