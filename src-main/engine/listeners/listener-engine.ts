/**
 * Listeners and sessions on real sockets, as one object the app drives: TCP listeners
 * (tcp-listener.ts) and UDP listeners (udp-listener.ts) whose peers become sessions, client
 * sessions (client-sessions.ts), the sessions' flow-controlled byte stream (session-stream.ts),
 * and batched change reports (change-batcher.ts). It emits the contract's `sessions.data`,
 * `sessions.sent` and `sessions.changed` through a callback and knows nothing of the app.
 */
import net from 'node:net';
import { PortolanError } from '../../contract/errors.js';
import { FLOW_CONTROL, TRANSCRIPT_KEEP } from '../../contract/sessions.js';
import type { ListenerInfo, ParsedConnectSpec, ParsedListenerSpec, SessionInfo, SessionTranscript, TransportProtocol } from '../../contract/index.js';
import { listenerExposure } from '../../contract/net-notes.js';
import type { AccessGate } from '../access-gate.js';
import { ChangeBatcher, ChangeSet } from '../change-batcher.js';
import { listenError } from '../net/errors.js';
import { resolveHost } from '../net/resolve.js';
import { connectTcp, connectUdp } from './client-sessions.js';
import type { BoundAddress, Listener, ListenerContext } from './listener.js';
import { SessionTable, type SessionEmit } from './session-stream.js';
import { bindTcp } from './tcp-listener.js';
import { bindUdp } from './udp-listener.js';

export type { SessionEmit, SessionEventName } from './session-stream.js';

/** Options of the engine; the defaults are the contract's FLOW_CONTROL figures. */
export interface ListenerEngineOptions {
  emit: SessionEmit;
  highWatermark?: number;
  lowWatermark?: number;
  /** Longest wait before received bytes are emitted, in ms. */
  flushMs?: number;
  /** Pending bytes that trigger an immediate emit. */
  flushBytes?: number;
  /** Byte counters are reported at most this often, in ms. */
  countersMs?: number;
  /** Closed sessions kept for the consoles; older ones are forgotten. */
  maxClosedSessions?: number;
  /** How long the HTTP responder waits for a request head, in ms. */
  httpTimeoutMs?: number;
  /** Bytes of each console session's conversation kept for `sessions.transcript`. */
  transcriptBytes?: number;
}

/** Everything the Listeners and Consoles views do, on real sockets. */
export class ListenerEngine {
  private readonly listeners = new Map<string, Listener>();
  private readonly gates = new Map<string, AccessGate>();
  private readonly sessions: SessionTable;
  private nextListener = 0;
  private readonly options: Required<ListenerEngineOptions>;
  private readonly listenerChanges = new ChangeSet();
  private readonly sessionChanges = new ChangeSet();
  private readonly batcher: ChangeBatcher;
  private readonly context: ListenerContext;
  private closed = false;

  constructor(options: ListenerEngineOptions) {
    this.options = {
      highWatermark: FLOW_CONTROL.highWatermark,
      lowWatermark: FLOW_CONTROL.lowWatermark,
      flushMs: FLOW_CONTROL.flushMs,
      flushBytes: FLOW_CONTROL.maxChunk,
      countersMs: 250,
      maxClosedSessions: 200,
      httpTimeoutMs: 10000,
      transcriptBytes: TRANSCRIPT_KEEP,
      ...options,
    };
    this.batcher = new ChangeBatcher(() => this.flushChanges(), this.options.countersMs);
    this.sessions = new SessionTable(this.options, {
      emit: this.options.emit,
      changed: (id, soon) => {
        this.sessionChanges.mark(id);
        this.batcher.schedule(soon);
      },
      removed: (id) => {
        this.sessionChanges.remove(id);
        this.batcher.schedule(true);
      },
      flushChanges: () => this.batcher.flushNow(),
    });
    this.context = {
      sessions: this.sessions,
      httpTimeoutMs: this.options.httpTimeoutMs,
      isOpen: (listener) => !this.closed && this.listeners.has(listener.info.id),
      gate: (listener) => this.gates.get(listener.info.id),
      changed: (listener, soon) => this.markListener(listener.info.id, soon),
    };
  }

  // ---------------------------------------------------------------- listeners

  /** Binds a listener; rejects with a PortolanError (EADDRINUSE, EACCES, EADDRNOTAVAIL, ENOTFOUND). */
  async open(spec: ParsedListenerSpec): Promise<ListenerInfo> {
    let address: string;
    try {
      [address] = (await resolveHost(spec.host)) as [string];
    } catch (err) {
      throw await listenError(err, spec.protocol, spec.host, spec.port);
    }
    const listener: Listener = { info: undefined as unknown as ListenerInfo, sessions: new Set() };
    let bound: BoundAddress;
    try {
      bound =
        spec.protocol === 'tcp'
          ? await bindTcp(this.context, listener, address, spec.port)
          : await bindUdp(this.context, listener, address, spec.port, spec.udpIdleMs);
    } catch (err) {
      throw await listenError(err, spec.protocol, address, spec.port);
    }
    const id = `L${++this.nextListener}`;
    listener.info = {
      id,
      protocol: spec.protocol,
      host: bound.address,
      port: bound.port,
      family: bound.family === 'IPv6' || net.isIPv6(bound.address) ? 'IPv6' : 'IPv4',
      responder: spec.responder,
      ...(spec.responder === 'banner' ? { banner: spec.banner } : {}),
      ...(spec.protocol === 'udp' ? { udpIdleMs: spec.udpIdleMs } : {}),
      exposed: false,
      createdAt: Date.now(),
      activePeers: 0,
      totalPeers: 0,
    };
    const warning = listenerExposure(bound.address, bound.port, spec.protocol);
    if (warning) Object.assign(listener.info, { exposed: true, exposureWarning: warning });
    this.listeners.set(id, listener);
    this.markListener(id, true);
    return { ...listener.info };
  }

  /** Closes a listener and every session of its peers. */
  async closeListener(id: string): Promise<void> {
    const listener = this.listeners.get(id);
    if (!listener) throw new PortolanError('NOT_FOUND', `There is no listener ${id}: it may be closed already.`);
    this.listeners.delete(id);
    this.gates.delete(id);
    if (listener.sweep) clearInterval(listener.sweep);
    for (const session of listener.sessions) {
      session.io.destroy();
      this.sessions.finish(session);
    }
    if (listener.server) {
      const server = listener.server;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (listener.udp) {
      const udp = listener.udp;
      await new Promise<void>((resolve) => udp.close(() => resolve()));
    }
    this.listenerChanges.remove(id);
    this.batcher.schedule(true);
  }

  /** Puts a gate on a listener's new peers (undefined removes it); NOT_FOUND when there is no such listener. */
  setAccessGate(id: string, gate: AccessGate | undefined): void {
    if (!this.listeners.has(id)) throw new PortolanError('NOT_FOUND', `There is no listener ${id}: it may be closed already.`);
    if (gate) this.gates.set(id, gate);
    else this.gates.delete(id);
  }

  /** Every listener and every kept session. */
  list(): { listeners: ListenerInfo[]; sessions: SessionInfo[] } {
    return {
      listeners: [...this.listeners.values()].map((l) => ({ ...l.info })),
      sessions: [...this.sessions.values()].map((s) => this.sessions.info(s)),
    };
  }

  // ---------------------------------------------------------------- sessions

  /** Connects; resolves once open (after the TLS handshake), or rejects with a PortolanError. */
  async connect(spec: ParsedConnectSpec): Promise<SessionInfo> {
    if (this.closed) throw new PortolanError('DISCONNECTED', 'The engine is shutting down.');
    return spec.protocol === 'udp' ? connectUdp(this.context, spec) : connectTcp(this.context, spec);
  }

  /** Sends bytes to the peer; resolves with the count once handed to the OS. `from` is given back in their `sessions.sent`. */
  send(id: string, data: Buffer, from?: string): Promise<number> {
    return this.sessions.send(id, data, from);
  }

  /** Closes a session (half: TCP end-of-stream only); a closed session is forgotten. */
  closeSession(id: string, half = false): void {
    this.sessions.close(id, half);
  }

  /** Credits bytes the console has shown; resumes a paused socket at the low watermark. Unknown ids are ignored. */
  ack(id: string, bytes: number): void {
    this.sessions.ack(id, bytes);
  }

  /** A session's recent conversation both ways, for a console opened later; NOT_FOUND once forgotten. */
  transcript(id: string): SessionTranscript {
    return this.sessions.transcript(id);
  }

  /** Which engine socket a socket-table row is, by protocol and local port (for the socket table's tags). */
  tagSocket(protocol: TransportProtocol, localPort: number, listening: boolean): 'listener' | 'session' | undefined {
    for (const l of this.listeners.values()) {
      if (l.info.protocol === protocol && l.info.port === localPort) return listening ? 'listener' : 'session';
    }
    if (listening && protocol === 'tcp') return undefined;
    for (const s of this.sessions.values()) {
      if (s.info.kind === 'client' && s.info.state !== 'closed' && s.info.protocol === protocol && s.info.localPort === localPort) return 'session';
    }
    return undefined;
  }

  /** Closes every listener and session and stops the timers. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.listeners.keys()].map((id) => this.closeListener(id).catch(() => undefined)));
    this.sessions.stop();
    this.batcher.stop();
  }

  // ---------------------------------------------------------------- change reports

  private markListener(id: string, soon: boolean): void {
    this.listenerChanges.mark(id);
    this.batcher.schedule(soon);
  }

  private flushChanges(): void {
    const listenerIds = this.listenerChanges.take();
    const sessionIds = this.sessionChanges.take();
    const listeners = listenerIds.changed.flatMap((id) => {
      const l = this.listeners.get(id);
      return l ? [{ ...l.info }] : [];
    });
    const sessions = sessionIds.changed.flatMap((id) => {
      const s = this.sessions.get(id);
      if (!s) return [];
      s.announced = true;
      return [this.sessions.info(s)];
    });
    const removedListeners = listenerIds.removed;
    const removedSessions = sessionIds.removed;
    if (listeners.length || sessions.length || removedListeners.length || removedSessions.length) {
      this.options.emit('sessions.changed', { listeners, sessions, removedListeners, removedSessions });
    }
  }
}
