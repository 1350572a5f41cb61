/**
 * Sessions and the stream of their received bytes: every session (accepted or client, TCP or
 * UDP) is kept here with its flow credit. Received bytes are queued, emitted as `sessions.data`
 * in batches, and the socket is paused above the high watermark until the console acknowledges
 * (Tabby's PTY queue); UDP, which cannot be paused, drops datagrams beyond it and counts them.
 * A console session also keeps its recent conversation (received bytes as they are emitted, sent
 * bytes as they are written) for a console opened later (`sessions.transcript`), and reports its
 * sent bytes as `sessions.sent` so every window shows both directions live. Both events take
 * their `seq` from one counter as their bytes join the transcript, so the transcript's `seq`
 * says exactly which events it holds.
 */
import { PortolanError } from '../../contract/errors.js';
import { MAX_DATAGRAM } from '../../contract/sessions.js';
import type { EventPayload, Responder, SessionInfo, SessionTranscript } from '../../contract/index.js';
import { Transcript } from '../../contract/transcript.js';
import { connectError } from '../net/errors.js';
import { FlowCredit } from './flow-credit.js';

/** Bytes as the contract carries them, without copying a Uint8Array that is not a Buffer. */
const base64Of = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** The events the listener engine emits, with their payloads. */
export type SessionEventName = 'sessions.data' | 'sessions.sent' | 'sessions.changed';
/** Receives every event of the engine. */
export type SessionEmit = <K extends SessionEventName>(event: K, payload: EventPayload<K>) => void;

/** What a session writes to and controls; one per kind of socket. */
export interface SessionIo {
  write(data: Buffer): Promise<void>;
  /** Ends our sending side (TCP FIN); UDP: same as destroy. */
  end(): void;
  destroy(): void;
  pause(): void;
  resume(): void;
}

/** A session with its internal state. */
export interface Session {
  info: SessionInfo;
  io: SessionIo;
  credit: FlowCredit;
  pending: Buffer[];
  pendingBytes: number;
  /** The last `seq` given to a `sessions.data` or `sessions.sent` of this session. */
  seq: number;
  announced: boolean;
  /** Our close was asked for: received bytes are discarded from now on. */
  closing: boolean;
  /** The raw remote address to send UDP replies to (may be IPv4-mapped). */
  udpKey?: string;
  /** Console sessions: the last bytes both ways, received ones as emitted (so `seq` says where it ends). */
  transcript?: Transcript;
}

/** The fields a new session is made from; the table fills in id, counters and state. */
export type NewSessionFields = Omit<SessionInfo, 'id' | 'bytesIn' | 'bytesOut' | 'openedAt' | 'state' | 'unackedBytes' | 'paused' | 'droppedDatagrams'>;

/** The stream's figures (the contract's FLOW_CONTROL unless a test says otherwise). */
export interface SessionStreamOptions {
  highWatermark: number;
  lowWatermark: number;
  /** Longest wait before received bytes are emitted, in ms. */
  flushMs: number;
  /** Pending bytes that trigger an immediate emit. */
  flushBytes: number;
  /** Closed sessions kept for the consoles; older ones are forgotten. */
  maxClosedSessions: number;
  /** Bytes of each console session's conversation kept for `sessions.transcript`. */
  transcriptBytes: number;
}

/** Where the table reports: events, and which sessions changed (for `sessions.changed`). */
export interface SessionStreamHost {
  emit: SessionEmit;
  /** A session's row changed (soon: appeared or closed; otherwise counters). */
  changed(id: string, soon: boolean): void;
  /** A session was forgotten. */
  removed(id: string): void;
  /** Reports the pending changes at once (a console must know a session before its first bytes). */
  flushChanges(): void;
}

/** Every session, by id, with the stream of its received bytes. */
export class SessionTable {
  private readonly sessions = new Map<string, Session>();
  private readonly closedOrder: string[] = [];
  private next = 0;
  private readonly dataDue = new Set<Session>();
  private dataTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: SessionStreamOptions,
    private readonly host: SessionStreamHost,
  ) {}

  /** A new open session. */
  create(fields: NewSessionFields, io: SessionIo): Session {
    const id = `S${++this.next}`;
    const session: Session = {
      info: { id, ...fields, bytesIn: 0, bytesOut: 0, openedAt: Date.now(), state: 'open', unackedBytes: 0, paused: false, droppedDatagrams: 0 },
      io,
      credit: new FlowCredit(this.options.highWatermark, this.options.lowWatermark),
      pending: [],
      pendingBytes: 0,
      seq: 0,
      announced: false,
      closing: false,
      // Only sessions with a console have a conversation to show; echo, discard and http peers keep none.
      ...(fields.kind === 'client' || fields.responder === 'interactive' || fields.responder === 'banner' ? { transcript: new Transcript(this.options.transcriptBytes) } : {}),
    };
    this.sessions.set(id, session);
    this.host.changed(id, true);
    return session;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /** The session, or NOT_FOUND. */
  require(id: string): Session {
    const session = this.sessions.get(id);
    if (!session) throw new PortolanError('NOT_FOUND', `There is no session ${id}: it may have been closed and forgotten.`);
    return session;
  }

  values(): IterableIterator<Session> {
    return this.sessions.values();
  }

  /** The session's info as the contract shows it, with its credit. */
  info(session: Session): SessionInfo {
    return { ...session.info, unackedBytes: session.credit.outstanding, paused: session.credit.paused };
  }

  /**
   * Counts bytes sent and marks the row. A console session's sent bytes (when given) join its
   * transcript and go to every window as `sessions.sent`, with `from` of the send that wrote them.
   */
  countOut(session: Session, bytes: number, data?: Uint8Array, from?: string): void {
    session.info.bytesOut += bytes;
    this.host.changed(session.info.id, false);
    if (!data?.length || !session.transcript) return;
    session.transcript.push('out', data);
    // The windows must know the session before its first bytes (a banner goes out at once).
    if (!session.announced) this.host.flushChanges();
    this.host.emit('sessions.sent', { id: session.info.id, seq: ++session.seq, data: base64Of(data), ...(from !== undefined ? { from } : {}) });
  }

  /** Counts bytes received and dropped on purpose (discard responder). */
  countIn(session: Session, bytes: number): void {
    session.info.bytesIn += bytes;
    this.host.changed(session.info.id, false);
  }

  /** Bytes for the console: queued, paused above the watermark, emitted in batches. */
  receive(session: Session, chunk: Buffer): void {
    session.info.bytesIn += chunk.length;
    if (session.closing) return;
    session.pending.push(chunk);
    session.pendingBytes += chunk.length;
    if (session.credit.receive(chunk.length)) session.io.pause();
    this.host.changed(session.info.id, false);
    if (session.pendingBytes >= this.options.flushBytes) this.flush(session);
    else {
      this.dataDue.add(session);
      this.dataTimer ??= setTimeout(() => this.flushAll(), this.options.flushMs);
    }
  }

  /** One datagram for a UDP session (accepted or client), by responder. */
  datagramIn(session: Session, msg: Buffer, responder: Responder): void {
    if (responder === 'echo') {
      session.info.bytesIn += msg.length;
      void this.sendTo(session, msg).catch(() => undefined);
    } else if (responder === 'discard') {
      this.countIn(session, msg.length);
    } else if (session.credit.wouldOverflow(msg.length)) {
      // UDP cannot be paused: beyond the watermark the console is behind, so the datagram is dropped.
      session.info.bytesIn += msg.length;
      session.info.droppedDatagrams++;
      session.credit.paused = true;
      this.host.changed(session.info.id, false);
    } else {
      this.receive(session, msg);
    }
  }

  /** Sends bytes to the peer; resolves with the count once handed to the OS. `from` goes into their `sessions.sent`. */
  async send(id: string, data: Buffer, from?: string): Promise<number> {
    const session = this.require(id);
    if (session.info.state === 'closed' || session.closing) {
      throw new PortolanError('DISCONNECTED', `Session ${id} is closed: nothing more can be sent to it.`);
    }
    if (session.info.protocol === 'udp' && data.length > MAX_DATAGRAM) {
      throw new PortolanError('INVALID_INPUT', `A UDP datagram holds at most ${MAX_DATAGRAM} bytes; this one has ${data.length}. Send it in parts.`);
    }
    await this.sendTo(session, data, from);
    return data.length;
  }

  /** Writes to the peer and counts; a failure becomes the connect sentence. */
  async sendTo(session: Session, data: Buffer, from?: string): Promise<void> {
    const info = session.info;
    try {
      await session.io.write(data);
    } catch (err) {
      throw connectError(err, info.protocol, info.remoteHost ?? info.remoteAddress, info.remotePort, 0);
    }
    this.countOut(session, data.length, data, from);
  }

  /**
   * A session's recent conversation: one segment per turn (the chunks of one direction joined, so
   * a peer's burst of small chunks is one base64 string, not one per chunk) and the seq of the
   * last event it holds (received bytes join it as they are emitted, sent bytes as they are
   * reported, so later events are exactly those after).
   */
  transcript(id: string): SessionTranscript {
    const session = this.require(id);
    const t = session.transcript;
    return {
      id,
      seq: session.seq,
      segments: t ? t.runs().map((s) => ({ dir: s.dir, offset: s.offset, data: base64Of(s.bytes) })) : [],
      dropped: t?.dropped ?? 0,
      totals: { in: t?.total('in') ?? 0, out: t?.total('out') ?? 0 },
      keep: this.options.transcriptBytes,
    };
  }

  /** Closes a session (half: TCP end-of-stream only); a closed session is forgotten. */
  close(id: string, half = false): void {
    const session = this.require(id);
    if (session.info.state === 'closed') {
      this.forget(session);
      return;
    }
    if (half && session.info.protocol === 'tcp') {
      session.io.end();
      return;
    }
    // Our side ends at once (what was sent still goes out); bytes still arriving are discarded,
    // and a peer that never closes its side is cut off after 2 s.
    session.closing = true;
    session.io.end();
    session.io.resume();
    setTimeout(() => session.io.destroy(), 2000).unref();
  }

  /** Credits bytes the console has shown; resumes a paused socket at the low watermark. Unknown ids are ignored. */
  ack(id: string, bytes: number): void {
    // A console may acknowledge the last bytes of a session that was just forgotten: nothing to do.
    const session = this.sessions.get(id);
    if (!session) return;
    const wasPaused = session.credit.paused;
    if (session.credit.ack(bytes) && session.info.state !== 'closed') session.io.resume();
    if (wasPaused !== session.credit.paused) this.host.changed(id, false);
  }

  /** Emits a session's queued bytes now. */
  flush(session: Session): void {
    this.dataDue.delete(session);
    if (session.pendingBytes === 0) return;
    // The console must know the session before its first bytes.
    if (!session.announced) this.host.flushChanges();
    const data = session.pending.length === 1 ? session.pending[0]! : Buffer.concat(session.pending, session.pendingBytes);
    session.pending = [];
    session.pendingBytes = 0;
    session.credit.emit(data.length);
    session.transcript?.push('in', data);
    this.host.emit('sessions.data', { id: session.info.id, seq: ++session.seq, data: data.toString('base64') });
  }

  /** A session ended: final state, flushed bytes, close reported at once. */
  finish(session: Session): void {
    if (session.info.state === 'closed') return;
    this.flush(session);
    session.info.state = 'closed';
    session.info.closedAt = Date.now();
    this.host.changed(session.info.id, true);
    this.closedOrder.push(session.info.id);
    while (this.closedOrder.length > this.options.maxClosedSessions) {
      const old = this.sessions.get(this.closedOrder[0]!);
      if (old) this.forget(old);
      else this.closedOrder.shift();
    }
  }

  /** Destroys every open session's socket and stops the data timer. */
  stop(): void {
    for (const session of this.sessions.values()) if (session.info.state !== 'closed') session.io.destroy();
    if (this.dataTimer) clearTimeout(this.dataTimer);
  }

  private flushAll(): void {
    this.dataTimer = undefined;
    for (const session of this.dataDue) this.flush(session);
  }

  private forget(session: Session): void {
    const id = session.info.id;
    this.sessions.delete(id);
    const at = this.closedOrder.indexOf(id);
    if (at >= 0) this.closedOrder.splice(at, 1);
    this.host.removed(id);
  }
}
