/**
 * Schemas of port knocking: the knock client (send a sequence of connection attempts to closed
 * ports, knockd-compatible), saved knock profiles, knockd.conf import/export, and knock guards
 * (Portolan's own server side: a listener or forward that accepts connections only from sources that knocked
 * the right sequence).
 *
 * How the Knocking view uses them:
 * - Client: `knock.send` with a `runId` of its choice; each step is reported as it is sent with a
 *   `knock.step` event carrying that runId; the call resolves with the whole {@link KnockResult}.
 * - Profiles: `knock.profiles.list/save/delete` (saved in the data folder, knock.json).
 * - knockd.conf: `knock.importKnockd` parses a file's text into profiles and guard specs (nothing is
 *   saved until the view calls `knock.profiles.save` / `knock.guards.create`), with notes on what
 *   could not be imported; `knock.exportKnockd` writes sections back.
 * - Guards: `knock.guards.list` once, then follow `knock.guards.changed` (the full list);
 *   `knock.attempt` brings log entries (batched arrays); `knock.log` gives the recent ones.
 * - Show {@link GUARD_VISIBILITY_NOTE} next to the guard form, and {@link GUARD_COMMAND_WARNING}
 *   next to the command switch.
 */
import * as z from 'zod';
import { Empty } from './call-spec.js';
import { MAX_KNOCK_STEPS } from './knock-notes.js';

export { GUARD_COMMAND_WARNING, GUARD_VISIBILITY_NOTE, MAX_KNOCK_STEPS } from './knock-notes.js';

const PORT_SENTENCE = 'Knock ports go from 1 to 65535.';
const Port = z.number({ error: PORT_SENTENCE }).int(PORT_SENTENCE).min(1, PORT_SENTENCE).max(65535, PORT_SENTENCE);
const Host = z.string().trim().min(1, 'Give a host: an IP address or a name.').max(255);
const Id = z.string().min(1).max(64);

/** Protocol of one knock step. */
export const KnockProtocol = z.enum(['tcp', 'udp']);
export type KnockProtocol = z.infer<typeof KnockProtocol>;

/** One knock: a connection attempt (TCP SYN) or one datagram (UDP) to a port. */
export const KnockStep = z.object({
  port: Port,
  protocol: KnockProtocol.default('tcp'),
});
export type KnockStep = z.output<typeof KnockStep>;

/** A sequence of knocks (1 to 32 steps; a port may repeat). */
export const KnockSequence = z
  .array(KnockStep)
  .min(1, 'A knock sequence needs at least one step.')
  .max(MAX_KNOCK_STEPS, `A knock sequence has at most ${MAX_KNOCK_STEPS} steps.`);

/** "Knock, then check": after the sequence, try to connect to this TCP port. */
export const KnockThenCheck = z.object({
  port: Port,
  protocol: z.literal('tcp').default('tcp'),
});

/** Delay between steps, in ms (knock's -d). */
const DelayMs = z.number().int().min(0).max(60000).default(100);

/** A saved knock profile: where to knock and how. */
export const KnockProfile = z.object({
  /** Stable id ("K1", "K2"...); give none when saving a new profile. */
  id: Id,
  /** A name for people ("office ssh"). */
  name: z.string().trim().min(1, 'Give the profile a name.').max(100),
  host: Host,
  steps: KnockSequence,
  /** Wait this long after each step, in ms (default 100). */
  delayMs: DelayMs,
  /** After the sequence, check that this TCP port became reachable (and knock once more if not). */
  thenCheck: KnockThenCheck.optional(),
  /** The server's time limit for the whole sequence, in ms (knockd's seq_timeout; informational for the client). */
  seqTimeoutMs: z.number().int().min(1).max(3600_000).optional(),
});
export type KnockProfile = z.output<typeof KnockProfile>;

/** Input of knock.profiles.save: a profile, with an id to replace an existing one. */
export const KnockProfileInput = KnockProfile.extend({ id: Id.optional() });
export type KnockProfileInput = z.input<typeof KnockProfileInput>;

/** Input of knock.send. */
export const KnockSendRequest = z.object({
  host: Host,
  steps: KnockSequence,
  delayMs: DelayMs,
  thenCheck: KnockThenCheck.optional(),
  /** Force IPv4 or IPv6 when the host is a name (knock's -4 / -6); default: the first address. */
  family: z.enum(['any', 'ipv4', 'ipv6']).default('any'),
  /** Chosen by the caller to match `knock.step` events to this call; generated when absent. */
  runId: z.string().min(1).max(64).optional(),
  /** How long the check waits for a connection, in ms. */
  checkTimeoutMs: z.number().int().min(100).max(60000).default(3000),
});
export type KnockSendRequest = z.input<typeof KnockSendRequest>;

/**
 * What became of one step:
 * - sent: the SYN or datagram left (for TCP also when the port accepted, or nothing answered at once: a firewall dropping it);
 * - refused: TCP only, the host answered with a reset (a closed port): the knock reached the host, which is what knockd needs;
 * - error: it could not be sent (no route, bad address...): `error` says why.
 */
export const KnockStepOutcome = z.enum(['sent', 'refused', 'error']);
export type KnockStepOutcome = z.infer<typeof KnockStepOutcome>;

/** One step as sent. */
export const KnockStepResult = z.object({
  port: z.number().int(),
  protocol: KnockProtocol,
  /** When it was sent (ms since the epoch). */
  sentAt: z.number(),
  outcome: KnockStepOutcome,
  error: z.string().optional(),
  /** 1 for the first knock, 2 for the retry of "knock, then check". */
  attempt: z.number().int().min(1).max(2),
});
export type KnockStepResult = z.infer<typeof KnockStepResult>;

/** The result of knock.send. */
export const KnockResult = z.object({
  runId: z.string(),
  host: z.string(),
  /** The address knocked (the host resolved once). */
  address: z.string(),
  /** Every step sent, in order (a retry's steps follow with attempt 2). */
  steps: z.array(KnockStepResult),
  /** The "then check" outcome, when asked for. */
  check: z
    .object({
      port: z.number().int(),
      reachable: z.boolean(),
      /** True when the first check failed and the sequence was knocked a second time. */
      retried: z.boolean(),
      /** A sentence: reachable after the first knock, after the retry, or not at all (and what that may mean). */
      message: z.string(),
    })
    .optional(),
});
export type KnockResult = z.infer<typeof KnockResult>;

/** Event knock.step: one step of a knock.send run, as it is sent. */
export const KnockStepEvent = z.object({
  runId: z.string(),
  /** Index in the run's steps (a retry continues counting). */
  index: z.number().int(),
  step: KnockStep,
  outcome: KnockStepOutcome,
  error: z.string().optional(),
  sentAt: z.number(),
  attempt: z.number().int(),
});
export type KnockStepEvent = z.infer<typeof KnockStepEvent>;

/**
 * What a guard protects: a Portolan listener, or a forward that listens on this machine (TCP, UDP,
 * SSH -L or -D: their accept path consults the gate). An SSH -R forward's clients connect to the
 * SSH server, so it cannot be guarded.
 */
export const GuardTarget = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('listener'),
    /** The listener's id ("L1"); its new peers are accepted only from sources the gate allows. */
    listenerId: Id,
  }),
  z.object({
    kind: z.literal('forward'),
    /** The forward's id ("f-..."): a TCP, UDP, SSH -L or -D forward; its new clients are relayed only from sources the gate allows. */
    forwardId: Id,
  }),
]);
export type GuardTarget = z.infer<typeof GuardTarget>;

/** A command run when a source knocks correctly (off by default; see GUARD_COMMAND_WARNING). */
export const GuardCommand = z.object({
  /** Absolute path of the program. */
  path: z.string().min(1).max(4096).refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'Give the absolute path of the program.'),
  /** Its arguments; the literal {source} in any argument becomes the knocking address. No shell is involved. */
  args: z.array(z.string().max(4096)).max(64).default([]),
  enabled: z.boolean().default(false),
});
export type GuardCommand = z.output<typeof GuardCommand>;

/** A knock guard. */
export const GuardSpec = z.object({
  /** Stable id ("G1"...); absent when creating. */
  id: Id.optional(),
  name: z.string().trim().min(1, 'Give the guard a name.').max(100),
  sequence: KnockSequence,
  /** Time allowed for the whole sequence, from its first knock, in ms (knockd's seq_timeout). */
  windowMs: z.number().int().min(100).max(600_000).default(10_000),
  /** How long the gate stays open for a source that knocked correctly, in ms (connections made meanwhile stay). */
  openForMs: z.number().int().min(1000).max(24 * 3600_000).default(30_000),
  /** Address the knock ports are bound to; default: the target's address (a listener's, or a forward's listen address). */
  host: z.string().trim().min(1).max(255).optional(),
  target: GuardTarget,
  command: GuardCommand.optional(),
});
export type GuardSpec = z.input<typeof GuardSpec>;
export type ParsedGuardSpec = z.output<typeof GuardSpec>;

/** Input of knock.guards.create: a spec, started at once unless start is false. */
export const GuardCreateRequest = GuardSpec.extend({ start: z.boolean().default(true) });

/**
 * A guard:
 * - armed: its knock ports are bound and the gate is on the target;
 * - stopped: knock ports closed; the gate stays shut (new sources are refused until it is deleted or started again);
 * - failed: it could not start (a knock port in use, the listener gone): `error` says why; the gate stays shut.
 */
export const GuardInfo = z.object({
  id: z.string(),
  spec: GuardSpec.extend({ id: z.string(), windowMs: z.number().int(), openForMs: z.number().int() }),
  state: z.enum(['armed', 'stopped', 'failed']),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  /** The knock ports bound while armed, with the address. */
  boundPorts: z.array(z.object({ port: z.number().int(), protocol: KnockProtocol, host: z.string() })),
  /** Sources the gate lets in now, and until when (ms since the epoch). */
  openSources: z.array(z.object({ address: z.string(), until: z.number() })),
  /** Connections or first datagrams refused because their source had not knocked. */
  refused: z.number().int(),
  /** Correct sequences seen since the guard started. */
  opened: z.number().int(),
});
export type GuardInfo = z.infer<typeof GuardInfo>;

/**
 * One entry of a guard's knock log:
 * - progress: a step in the right order (stepsMatched so far);
 * - opened: the whole sequence: the gate is open for this source;
 * - reset-wrong-port: a knock out of order (stepsMatched: how far the source had got) — its progress is lost;
 * - expired: the source did not finish within the window.
 */
export const KnockAttempt = z.object({
  at: z.number(),
  source: z.string(),
  guardId: z.string(),
  /** The knock that caused this entry (absent for expiries). */
  step: z.object({ port: z.number().int(), protocol: KnockProtocol }).optional(),
  stepsMatched: z.number().int(),
  outcome: z.enum(['progress', 'opened', 'reset-wrong-port', 'expired']),
});
export type KnockAttempt = z.infer<typeof KnockAttempt>;

/** A guard spec parsed from knockd.conf (its target must be chosen before creating it). */
export const ImportedGuard = GuardSpec.omit({ target: true, id: true });

/** A profile parsed from knockd.conf: its host is empty (the file does not say where the server is); fill it in before saving. */
export const ImportedProfile = KnockProfileInput.extend({ host: z.string().max(255) });

/** What knock.importKnockd found in a knockd.conf. */
export const KnockdImport = z.object({
  /** One per section with a sequence: a client profile. */
  profiles: z.array(ImportedProfile),
  /** The same sections as guard specs (to protect a Portolan listener with the same sequence). */
  guards: z.array(ImportedGuard),
  /** Sentences about what was not imported (one-time sequences, commands, unknown options), per section. */
  notes: z.array(z.object({ section: z.string(), note: z.string() })),
});
export type KnockdImport = z.infer<typeof KnockdImport>;

/** Identifies a profile or a guard. */
export const KnockRef = z.object({ id: Id });

/** Input of knock.importKnockd. */
export const KnockdImportRequest = z.object({
  /** The content of a knockd.conf. */
  text: z.string().max(1_000_000),
  /** Optional contents of the one_time_sequences files it names, by the path written in the file. */
  files: z.record(z.string().max(4096), z.string().max(1_000_000)).default({}),
});

/** Input of knock.exportKnockd: profile ids ("K1") and guard ids ("G1"), in the order to write. */
export const KnockdExportRequest = z.object({ ids: z.array(Id).min(1, 'Choose at least one profile or guard to export.').max(500) });

/** Input of knock.log. */
export const KnockLogQuery = z.object({
  /** Only this guard's attempts; all guards when absent. */
  guardId: Id.optional(),
  /** Most recent entries to return (oldest first). */
  limit: z.number().int().min(1).max(1000).default(200),
});

/** Event knock.attempt: log entries since the previous event (batched, oldest first). */
export const KnockAttemptBatch = z.object({ attempts: z.array(KnockAttempt) });
export type KnockAttemptBatch = z.infer<typeof KnockAttemptBatch>;

/** Event knock.guards.changed: the full list of guards (state, open sources, counters). */
export const GuardsChanged = z.object({ guards: z.array(GuardInfo) });
export type GuardsChanged = z.infer<typeof GuardsChanged>;

const Deleted = z.object({ deleted: z.literal(true) });

/** The knocking calls, spread into `calls` of api.ts. */
export const knockCalls = {
  /** Knocks a sequence (steps reported as knock.step with the run id); with thenCheck, checks the port and knocks once more if needed. */
  'knock.send': {
    input: KnockSendRequest,
    output: KnockResult,
    doc: 'Knock a sequence of TCP (SYN) and UDP steps on a host, like knockd\'s knock; optionally check the protected port afterwards.',
  },
  /** Saved knock profiles. */
  'knock.profiles.list': { input: Empty, output: z.array(KnockProfile), doc: 'The saved knock profiles (host, sequence, delay, check).' },
  /** Saves a profile (new without id; replaces the one with its id). */
  'knock.profiles.save': { input: KnockProfileInput, output: KnockProfile, doc: 'Save a knock profile (without an id: a new one).' },
  /** Deletes a profile. */
  'knock.profiles.delete': { input: KnockRef, output: Deleted, doc: 'Delete a saved knock profile.' },
  /** Parses knockd.conf text into profiles and guard specs with notes; saves nothing. */
  'knock.importKnockd': {
    input: KnockdImportRequest,
    output: KnockdImport,
    doc: 'Read the sequences of a knockd.conf (sequence, seq_timeout, tcpflags, one_time_sequences) as profiles and guard specs, with notes on what was not imported.',
  },
  /** Writes profiles and guards as knockd.conf sections. */
  'knock.exportKnockd': { input: KnockdExportRequest, output: z.object({ text: z.string() }), doc: 'Write knock profiles and guards as knockd.conf sections.' },
  /** Every guard (then follow knock.guards.changed). */
  'knock.guards.list': { input: Empty, output: z.array(GuardInfo), doc: 'Every knock guard, with its state, knock ports and open sources.' },
  /** Creates a guard and (unless start is false) binds its knock ports and gates its listener or forward. */
  'knock.guards.create': {
    input: GuardCreateRequest,
    output: GuardInfo,
    doc: 'Guard a Portolan listener or forward (TCP, UDP, SSH -L/-D) behind a knock sequence: it accepts new peers only from sources that knocked, for a while.',
  },
  /** Binds the knock ports again and gates the target. */
  'knock.guards.start': { input: KnockRef, output: GuardInfo, doc: 'Start a stopped guard: bind its knock ports and gate its listener or forward.' },
  /** Closes the knock ports; the gate stays shut for new sources. */
  'knock.guards.stop': { input: KnockRef, output: GuardInfo, doc: 'Stop a guard: its knock ports close and its listener or forward keeps refusing sources that had not knocked.' },
  /** Deletes a guard and takes its gate off the target. */
  'knock.guards.delete': { input: KnockRef, output: Deleted, doc: 'Delete a guard; its listener or forward accepts every source again.' },
  /** Recent knock attempts (oldest first). */
  'knock.log': { input: KnockLogQuery, output: z.array(KnockAttempt), doc: "Recent knock attempts on guards: source, steps matched, outcome." },
} as const;

/** The knocking events, spread into `events` of api.ts. */
export const knockEvents = {
  /** One step of a knock.send run, as it is sent. */
  'knock.step': KnockStepEvent,
  /** New guard log entries, batched (one event per 50 ms at most). */
  'knock.attempt': KnockAttemptBatch,
  /** The guards changed (state, open sources, counters): the full list, coalesced. */
  'knock.guards.changed': GuardsChanged,
} as const;
