/**
 * Schemas of listeners and sessions (the netcat of Portolan): open a TCP or UDP port and accept
 * peers, or connect to one; every peer or connection is a session with a console.
 *
 * How a console uses them:
 * - `listeners.open` / `sessions.connect` start things; `listeners.list` gives the whole state once
 *   (on start or after a reload); `sessions.changed` then reports only what changed.
 * - A session is always announced in `sessions.changed` before its first `sessions.data` or
 *   `sessions.sent`.
 * - Received bytes arrive as `sessions.data` (base64, batched). The console must acknowledge what
 *   it has shown with `sessions.ack` ({ id, bytes } with the decoded byte count, after xterm's
 *   write callback): while more than {@link FLOW_CONTROL.highWatermark} bytes are unacknowledged
 *   the engine pauses the socket (TCP) or drops datagrams (UDP, counted in `droppedDatagrams`).
 * - Bytes sent to the peer of a console session (by any window, the CLI, or the banner) arrive as
 *   `sessions.sent` in every window, so each shows the whole conversation live; `from` is the
 *   `from` of the `sessions.send` that sent them, so the window that sent (and already echoed)
 *   them knows them as its own. They are never acknowledged: flow control is about received bytes.
 * - `sessions.data` and `sessions.sent` of one session share one `seq`, counting up from 1 in the
 *   order the bytes joined the session's transcript.
 * - A console opened later (a new page, a reload, a second window) reads what was said before with
 *   `sessions.transcript`: the last {@link TRANSCRIPT_KEEP} bytes both ways, with the `seq` of the
 *   last event they hold; it keeps the `sessions.data` and `sessions.sent` that cross the read and
 *   applies those with a higher `seq` after it (no byte twice, none missing).
 */
import * as z from 'zod';
import { Empty, type CallSpec } from './call-spec.js';

/** Flow-control constants of interactive sessions, in bytes (documented for the renderer). */
export const FLOW_CONTROL = {
  /** Above this many unacknowledged bytes the socket is paused (TCP) or datagrams dropped (UDP). */
  highWatermark: 512 * 1024,
  /** A paused socket resumes once acknowledgements bring the unacknowledged bytes to this. */
  lowWatermark: 128 * 1024,
  /** One `sessions.data` event carries at most about this many bytes (before base64). */
  maxChunk: 64 * 1024,
  /** `sessions.data` is flushed at most this often per session, in ms. */
  flushMs: 16,
} as const;

/** Bytes of each console session's conversation (both ways) the engine keeps for `sessions.transcript`. */
export const TRANSCRIPT_KEEP = 256 * 1024;

/** Largest `sessions.send` payload: base64 characters (about 732 KiB of bytes) so a call fits one WebSocket message. */
export const MAX_SEND_BASE64 = 1_000_000;
/** Largest UDP payload (IPv4: 65535 - 8 UDP - 20 IP header bytes); one `sessions.send` is one datagram. */
export const MAX_DATAGRAM = 65507;

/** Transport protocol of a listener or session. */
export const TransportProtocol = z.enum(['tcp', 'udp']);
export type TransportProtocol = z.infer<typeof TransportProtocol>;

/**
 * What a listener does with its peers:
 * - interactive: received bytes go to the console (sessions.data), the console sends with sessions.send;
 * - echo: sends every byte back unchanged;
 * - discard: reads and throws away (counts bytes);
 * - banner: sends `banner` when a peer connects (UDP: on its first datagram), then behaves as interactive;
 * - http: reads one request head and answers 200 with a page showing it, then closes (TCP only).
 */
export const Responder = z.enum(['interactive', 'echo', 'discard', 'banner', 'http']);
export type Responder = z.infer<typeof Responder>;

const PORT_SENTENCE = 'Ports go from 0 (any free port) to 65535.';
const ListenPort = z.number({ error: PORT_SENTENCE }).int(PORT_SENTENCE).min(0, PORT_SENTENCE).max(65535, PORT_SENTENCE);
const CONNECT_PORT_SENTENCE = 'Connect to a port from 1 to 65535 (port 0 cannot be connected to).';
const ConnectPort = z.number({ error: CONNECT_PORT_SENTENCE }).int(CONNECT_PORT_SENTENCE).min(1, CONNECT_PORT_SENTENCE).max(65535, CONNECT_PORT_SENTENCE);
const Host = z.string().trim().min(1, 'Give a host: an IP address or a name.').max(255);

/** What to listen on, and how to answer peers. */
export const ListenerSpec = z
  .object({
    protocol: TransportProtocol.default('tcp'),
    /** Address to bind: 127.0.0.1 (default, this machine only), ::1, 0.0.0.0 or :: (every network: exposed), or an interface address. */
    host: Host.default('127.0.0.1'),
    /** Port to listen on; 0 asks the OS for any free port (the actual one is in ListenerInfo.port). */
    port: ListenPort.default(0),
    responder: Responder.default('interactive'),
    /** Text sent to each peer by the banner responder (required for it, ignored otherwise). */
    banner: z.string().max(65536).optional(),
    /** UDP only: a peer that sends nothing for this long (ms) is forgotten and its session closed. */
    udpIdleMs: z.number().int().min(1000).max(24 * 3600 * 1000).default(60000),
  })
  .refine((s) => !(s.protocol === 'udp' && s.responder === 'http'), {
    message: 'The HTTP responder needs TCP: HTTP does not run over plain UDP. Choose TCP, or another responder.',
    path: ['responder'],
  })
  .refine((s) => s.responder !== 'banner' || (s.banner !== undefined && s.banner.length > 0), {
    message: 'The banner responder needs the banner text to send.',
    path: ['banner'],
  });
export type ListenerSpec = z.input<typeof ListenerSpec>;
/** A listener spec after parsing (defaults filled in), as the engine receives it. */
export type ParsedListenerSpec = z.output<typeof ListenerSpec>;

/** A running listener. */
export const ListenerInfo = z.object({
  /** Stable id ("L1", "L2"...), used by listeners.close and SessionInfo.listenerId. */
  id: z.string(),
  protocol: TransportProtocol,
  /** The bound address (a name given in the spec is resolved). */
  host: z.string(),
  /** The actual bound port (the OS's choice when the spec said 0). */
  port: z.number().int(),
  family: z.enum(['IPv4', 'IPv6']),
  responder: Responder,
  banner: z.string().optional(),
  /** UDP only: idle timeout of peer sessions, in ms. */
  udpIdleMs: z.number().int().optional(),
  /** True when bound to a non-loopback address (0.0.0.0, ::, a LAN address): other machines can connect. */
  exposed: z.boolean(),
  /** When exposed: a sentence saying so, for the form and the listener's row. */
  exposureWarning: z.string().optional(),
  /** When the listener started (ms since the epoch). */
  createdAt: z.number(),
  /** Peers with an open session now. */
  activePeers: z.number().int(),
  /** Peers accepted since the listener started. */
  totalPeers: z.number().int(),
});
export type ListenerInfo = z.infer<typeof ListenerInfo>;

/** The TLS side of a client session: what the server's certificate says and whether it is trusted. */
export const TlsInfo = z.object({
  /** Certificate subject, e.g. "CN=example.com, O=Example". */
  subject: z.string(),
  issuer: z.string(),
  /** Validity, ISO 8601. */
  validFrom: z.string(),
  validTo: z.string(),
  /** Negotiated protocol version, e.g. "TLSv1.3". */
  protocol: z.string(),
  /** Negotiated ALPN protocol, when any. */
  alpn: z.string().optional(),
  /** True when the certificate chains to a trusted CA and matches the server name. */
  authorized: z.boolean(),
  /** Why it is not trusted (e.g. "DEPTH_ZERO_SELF_SIGNED_CERT"), when not authorized. */
  authorizationError: z.string().optional(),
});
export type TlsInfo = z.infer<typeof TlsInfo>;

/** One conversation: a peer accepted by a listener, or a client connection. */
export const SessionInfo = z.object({
  /** Stable id ("S1", "S2"...), used by sessions.send/ack/close and in sessions.data. */
  id: z.string(),
  /** accepted: a peer of a listener; client: made by sessions.connect. */
  kind: z.enum(['accepted', 'client']),
  /** For accepted sessions: the listener's id. */
  listenerId: z.string().optional(),
  protocol: TransportProtocol,
  /** The responder answering this session (client sessions: interactive). */
  responder: Responder,
  localAddress: z.string(),
  localPort: z.number().int(),
  remoteAddress: z.string(),
  remotePort: z.number().int(),
  /** Client sessions: the host as the user typed it (a name before DNS). */
  remoteHost: z.string().optional(),
  /** Bytes received from the peer and sent to it. */
  bytesIn: z.number().int(),
  bytesOut: z.number().int(),
  openedAt: z.number(),
  closedAt: z.number().optional(),
  state: z.enum(['connecting', 'open', 'closed']),
  /** Why the session ended, when it was not a plain close (e.g. ECONNRESET, idle timeout). */
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  /** Client TLS sessions: the server certificate and the handshake. */
  tls: TlsInfo.optional(),
  /** Bytes sent to the console and not yet acknowledged with sessions.ack. */
  unackedBytes: z.number().int(),
  /** True while the engine holds the socket paused because the console has not acknowledged enough. */
  paused: z.boolean(),
  /** UDP: datagrams dropped because the console was too far behind (UDP cannot be paused). */
  droppedDatagrams: z.number().int(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

/** Where to connect. */
export const ConnectSpec = z
  .object({
    protocol: TransportProtocol.default('tcp'),
    /** IP address or host name. */
    host: Host,
    port: ConnectPort,
    /** TCP only: wrap the connection in TLS and report the certificate. */
    tls: z.boolean().default(false),
    /** TLS server name (SNI); defaults to the host when it is a name. */
    servername: z.string().max(255).optional(),
    /** Refuse untrusted certificates; off by default: the session opens and tls.authorized says whether it is trusted. */
    rejectUnauthorized: z.boolean().default(false),
    /** ALPN protocols to offer, e.g. ["h2", "http/1.1"]. */
    alpn: z.array(z.string().min(1).max(255)).max(16).optional(),
    /** Give up connecting (DNS, TCP and TLS handshakes) after this many ms. */
    timeoutMs: z.number().int().min(100).max(120000).default(10000),
  })
  .refine((s) => !(s.tls && s.protocol === 'udp'), { message: 'TLS needs TCP (DTLS over UDP is not supported).', path: ['tls'] });
export type ConnectSpec = z.input<typeof ConnectSpec>;
/** A connect spec after parsing (defaults filled in), as the engine receives it. */
export type ParsedConnectSpec = z.output<typeof ConnectSpec>;

/** Identifies a listener. */
export const ListenerRef = z.object({ id: z.string().min(1).max(64) });

/** Identifies a session, for sessions.close. */
export const SessionCloseRequest = z.object({
  id: z.string().min(1).max(64),
  /**
   * TCP: send end-of-stream (FIN) but keep receiving until the peer closes (like nc on end of input).
   * Closing a session that is already closed forgets it (removedSessions).
   */
  half: z.boolean().default(false),
});

/** Bytes to send to a session's peer. */
export const SessionSendRequest = z.object({
  id: z.string().min(1).max(64),
  /**
   * Who sends: an opaque id of the caller's choosing (a window picks one at random), given back
   * as `from` in the `sessions.sent` of these bytes so that the sender can tell its own bytes.
   */
  from: z.string().min(1).max(64).optional(),
  /** The bytes, base64 (at most MAX_SEND_BASE64 characters; UDP: one datagram of at most MAX_DATAGRAM bytes). */
  data: z
    .string()
    .max(MAX_SEND_BASE64, `Send at most ${MAX_SEND_BASE64} base64 characters (about 732 KiB) per call; split larger data.`)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'data must be base64.'),
});

/** Acknowledges bytes the console has shown (flow-control credit). */
export const SessionAckRequest = z.object({
  id: z.string().min(1).max(64),
  /** Decoded bytes of sessions.data shown since the last ack; more than outstanding is ignored. */
  bytes: z.number().int().min(0),
});

/** Identifies a session, for sessions.transcript. */
export const SessionRef = z.object({ id: z.string().min(1).max(64) });

/** One run of bytes of a session's transcript in one direction. */
export const TranscriptSegment = z.object({
  /** in: received from the peer; out: sent to it (by any console, or the banner). */
  dir: z.enum(['in', 'out']),
  /** Bytes of this direction before this run, since the session began. */
  offset: z.number().int(),
  /** The bytes, base64. */
  data: z.string(),
});
export type TranscriptSegment = z.infer<typeof TranscriptSegment>;

/**
 * The recent conversation of a session, as the engine kept it (sessions whose bytes go to a
 * console: interactive and banner peers, client sessions; others answer with no segments).
 */
export const SessionTranscript = z.object({
  id: z.string(),
  /** The `seq` of the last `sessions.data` or `sessions.sent` whose bytes are in `segments` (0: none yet); later events follow it. */
  seq: z.number().int(),
  /** The kept bytes, oldest first (at most `keep` bytes): one segment per turn, two neighbours are never of one direction. */
  segments: z.array(TranscriptSegment),
  /** Older bytes no longer kept (both ways). */
  dropped: z.number().int(),
  /** Bytes that went each way since the session began (kept or dropped). */
  totals: z.object({ in: z.number().int(), out: z.number().int() }),
  /** How many bytes the engine keeps ({@link TRANSCRIPT_KEEP}). */
  keep: z.number().int(),
});
export type SessionTranscript = z.infer<typeof SessionTranscript>;

/** Every listener and every known session (open, and recently closed ones not yet forgotten). */
export const SessionsState = z.object({ listeners: z.array(ListenerInfo), sessions: z.array(SessionInfo) });
export type SessionsState = z.infer<typeof SessionsState>;

/**
 * Received bytes of one session. `seq` counts up from 1 per session, shared with `sessions.sent`
 * (so in a console session consecutive `sessions.data` may skip the numbers of sends between them).
 */
export const SessionData = z.object({ id: z.string(), seq: z.number().int(), data: z.string() });
export type SessionData = z.infer<typeof SessionData>;

/** Bytes sent to the peer of a console session, as they joined its transcript (after the OS took them). */
export const SessionSent = z.object({
  id: z.string(),
  /** Shared with `sessions.data` of the session: the order of the transcript. */
  seq: z.number().int(),
  /** The bytes, base64. */
  data: z.string(),
  /** The `from` of the `sessions.send` that sent them; absent for the banner and callers that gave none. */
  from: z.string().optional(),
});
export type SessionSent = z.infer<typeof SessionSent>;

/**
 * What changed: listeners and sessions given whole (new, or changed: peers, counters, state), ids
 * of closed listeners and of forgotten sessions. New peers and closes come within a few ms; byte
 * counters are throttled to about 4 per second.
 */
export const SessionsChanged = z.object({
  listeners: z.array(ListenerInfo),
  sessions: z.array(SessionInfo),
  /** Listeners that were closed (their sessions are reported closed in `sessions`). */
  removedListeners: z.array(z.string()),
  /** Closed sessions that are no longer kept (closed again with sessions.close, or the oldest beyond 200). */
  removedSessions: z.array(z.string()),
});
export type SessionsChanged = z.infer<typeof SessionsChanged>;

/** Listeners and sessions: that part of the contract's call table (spread into `calls` of api.ts). */
export const sessionCalls = {
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
  /** Sends bytes (base64) to the peer; resolves once handed to the OS, so awaiting each call paces a big send. Console sessions report the bytes to every window as `sessions.sent`. */
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
    doc: "A session's recent conversation (the last 256 KiB, sent and received marked apart), with the seq of the last sessions.data or sessions.sent it holds.",
  },
} as const satisfies Record<string, CallSpec>;

/** Listeners and sessions: that part of the contract's event table. */
export const sessionEvents = {
  /** Bytes received by an interactive session, base64, batched (every ~16 ms or 64 KiB); acknowledge with sessions.ack. */
  'sessions.data': SessionData,
  /** Bytes sent to a console session's peer (by any window, the CLI or the banner), so every window shows both directions live; never acknowledged. */
  'sessions.sent': SessionSent,
  /** Listeners and sessions that changed (new peers, closes at once; byte counters about 4 times a second). */
  'sessions.changed': SessionsChanged,
} as const;
