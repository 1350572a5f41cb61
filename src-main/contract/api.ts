/**
 * The contract: one table of calls and one of events. The preload, the renderer client, the web
 * transport, the CLI and the tests are all derived from these two tables.
 */
import { z } from 'zod';
import {
  BindCheckQuery,
  BindCheckResult,
  CardQuery,
  LookupQuery,
  LookupResult,
  PortCard,
} from './dictionary.js';
import { LearnCard } from './learn.js';
import { Settings, SettingsPatch, SettingsState } from './settings.js';
import { Heartbeat, SystemInfo } from './system.js';
import { SocketDiff, SocketMonitorPatch, SocketMonitorSettings, SocketSnapshot, SocketSnapshotQuery } from './sockets.js';

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
  /** Keeps the live table ticking for a while (views renew the lease while they are open). */
  'sockets.watch': {
    input: z.object({ leaseMs: z.number().int().min(1000).max(300000).default(30000) }),
    output: SocketMonitorSettings,
    doc: 'Keep the live socket table ticking (sockets.diff events) for the lease, in ms.',
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
} as const satisfies Record<string, CallSpec>;

/** Every event the engine emits, by name, with its payload schema. */
export const events = {
  /** The settings changed (from any window or browser tab). */
  'settings.changed': Settings,
  /** Sent every few seconds so that clients can show the engine connection as live. */
  'system.heartbeat': Heartbeat,
  /** What changed in the socket table since the previous tick: one batch per tick. */
  'sockets.diff': SocketDiff,
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
