/**
 * The contract: one table of calls and one of events. The preload, the renderer client, the web
 * transport, the CLI and the tests are all derived from these two tables. Each area's part of
 * them is in the area's file (`dictionaryCalls` in dictionary.ts...), so that a caller that needs
 * one area's schemas (dispatch, through `call-areas.ts`) builds only that area's.
 */
import type * as z from 'zod';
import type { CallSpec } from './call-spec.js';
import { dictionaryCalls } from './dictionary.js';
import { exposureCalls, exposureEvents } from './exposure.js';
import { forwardCalls, forwardEvents } from './forwards.js';
import { knockCalls, knockEvents } from './knock.js';
import { learnCalls } from './learn.js';
import { routerCalls, routerEvents } from './router.js';
import { scanCalls, scanEvents } from './scan.js';
import { sessionCalls, sessionEvents } from './sessions.js';
import { settingsCalls, settingsEvents } from './settings.js';
import { socketCalls, socketEvents } from './sockets.js';
import { systemCalls, systemEvents } from './system.js';

export type { CallSpec } from './call-spec.js';

/** Every call the engine answers, by name. */
export const calls = {
  /** The IANA dictionary and the bind check (dictionary.ts). */
  ...dictionaryCalls,
  /** The Learn cards (learn.ts). */
  ...learnCalls,
  /** Facts about the engine and this machine, and its resolver (system.ts). */
  ...systemCalls,
  /** The user's settings (settings.ts). */
  ...settingsCalls,
  /** The live socket table, its pairs, and closing a connection or ending a process (sockets.ts). */
  ...socketCalls,
  /** Listeners, sessions and their consoles (sessions.ts). */
  ...sessionCalls,
  /** Router port mappings (router.ts). */
  ...routerCalls,
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
  ...settingsEvents,
  ...systemEvents,
  ...socketEvents,
  ...sessionEvents,
  ...routerEvents,
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
