/**
 * Listeners and sessions on real sockets: TCP and UDP listeners (IPv4 and IPv6) whose peers
 * become sessions, client sessions (TCP, TLS, connected UDP), responders, flow-controlled
 * delivery of received bytes, and batched change reports. It emits the contract's
 * `sessions.data` and `sessions.changed` through a callback and knows nothing of the app.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import {
  FLOW_CONTROL,
  MAX_DATAGRAM,
  PortolanError,
  type ListenerInfo,
  type Responder,
  type EventPayload,
  type SessionInfo,
  type TlsInfo,
  type TransportProtocol,
  type ParsedConnectSpec,
  type ParsedListenerSpec,
} from '../../contract/index.js';
import { listenerExposure } from '../../contract/net-notes.js';
import type { AccessGate } from '../access-gate.js';
import { plainAddress } from '../net/address.js';
import { connectError, listenError, sessionError } from '../net/errors.js';
import { resolveHost } from '../net/resolve.js';
import { FlowCredit } from './flow-credit.js';
import { MAX_HEAD_BYTES, buildHttpResponse, headEnd, parseHead } from './http-responder.js';
import { UdpPeerTable, peerKey } from './udp-peers.js';

/** The events this engine emits, with their payloads. */
export type SessionEventName = 'sessions.data' | 'sessions.changed';
/** Receives every event of the engine. */
export type SessionEmit = <K extends SessionEventName>(event: K, payload: EventPayload<K>) => void;

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
}

/** What a session writes to and controls; one per kind of socket. */
interface SessionIo {
  write(data: Buffer): Promise<void>;
  /** Ends our sending side (TCP FIN); UDP: same as destroy. */
  end(): void;
  destroy(): void;
  pause(): void;
  resume(): void;
}

/** A session with its internal state. */
interface Session {
  info: SessionInfo;
  io: SessionIo;
  credit: FlowCredit;
  pending: Buffer[];
  pendingBytes: number;
  seq: number;
  announced: boolean;
  /** Our close was asked for: received bytes are discarded from now on. */
  closing: boolean;
  /** The raw remote address to send UDP replies to (may be IPv4-mapped). */
  udpKey?: string;
}

/** A listener with its socket and peers. */
interface Listener {
  info: ListenerInfo;
  server?: net.Server;
  udp?: dgram.Socket;
  peers?: UdpPeerTable<Session>;
  sweep?: NodeJS.Timeout;
  sessions: Set<Session>;
}

const errnoError = (code: string, message: string): NodeJS.ErrnoException => Object.assign(new Error(message), { code });

/** Everything the Listeners and Consoles views do, on real sockets. */
export class ListenerEngine {
  private readonly listeners = new Map<string, Listener>();
  private readonly gates = new Map<string, AccessGate>();
  private readonly sessions = new Map<string, Session>();
  private readonly closedOrder: string[] = [];
  private nextListener = 0;
  private nextSession = 0;
  private readonly o: Required<ListenerEngineOptions>;

  private readonly dataDue = new Set<Session>();
  private dataTimer: NodeJS.Timeout | undefined;
  private readonly dirtyListeners = new Set<string>();
  private readonly dirtySessions = new Set<string>();
  private removedListeners: string[] = [];
  private removedSessions: string[] = [];
  private changesSoon: NodeJS.Immediate | undefined;
  private changesLater: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: ListenerEngineOptions) {
    this.o = {
      highWatermark: FLOW_CONTROL.highWatermark,
      lowWatermark: FLOW_CONTROL.lowWatermark,
      flushMs: FLOW_CONTROL.flushMs,
      flushBytes: FLOW_CONTROL.maxChunk,
      countersMs: 250,
      maxClosedSessions: 200,
      httpTimeoutMs: 10000,
      ...options,
    };
  }

  // ---------------------------------------------------------------- listeners

  /** Binds a listener; rejects with a PortolanError (EADDRINUSE, EACCES, EADDRNOTAVAIL, ENOTFOUND). */
  async open(spec: ParsedListenerSpec): Promise<ListenerInfo> {
    let address: string;
    try {
      [address] = (await resolveHost(spec.host)) as [string];
    } catch (err) {
      throw await listenError(err as NodeJS.ErrnoException, spec.protocol, spec.host, spec.port);
    }
    const listener: Listener = { info: undefined as unknown as ListenerInfo, sessions: new Set() };
    let bound: { address: string; port: number; family: string };
    try {
      bound = spec.protocol === 'tcp' ? await this.bindTcp(listener, address, spec.port) : await this.bindUdp(listener, address, spec.port);
    } catch (err) {
      throw await listenError(err as NodeJS.ErrnoException, spec.protocol, address, spec.port);
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
    if (spec.protocol === 'udp') {
      listener.peers = new UdpPeerTable(spec.udpIdleMs);
      listener.sweep = setInterval(() => this.sweepUdp(listener), Math.min(1000, Math.max(100, spec.udpIdleMs / 4)));
      listener.sweep.unref();
    }
    this.listeners.set(id, listener);
    this.markListener(id, true);
    return { ...listener.info };
  }

  private bindTcp(listener: Listener, host: string, port: number): Promise<{ address: string; port: number; family: string }> {
    const server = net.createServer({ allowHalfOpen: true }, (socket) => this.acceptTcp(listener, socket));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', () => undefined);
        listener.server = server;
        resolve(server.address() as net.AddressInfo);
      });
    });
  }

  private bindUdp(listener: Listener, host: string, port: number): Promise<{ address: string; port: number; family: string }> {
    const socket = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4' });
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => {
        socket.close();
        reject(err);
      };
      socket.once('error', fail);
      socket.bind({ address: host, port, exclusive: true }, () => {
        socket.off('error', fail);
        // An ICMP error for one peer must not take the listener down.
        socket.on('error', () => undefined);
        socket.on('message', (msg, rinfo) => this.receiveUdp(listener, msg, rinfo));
        listener.udp = socket;
        resolve(socket.address());
      });
    });
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
      this.finish(session);
    }
    if (listener.server) {
      const server = listener.server;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (listener.udp) {
      const udp = listener.udp;
      await new Promise<void>((resolve) => udp.close(() => resolve()));
    }
    this.dirtyListeners.delete(id);
    this.removedListeners.push(id);
    this.scheduleChanges(true);
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
      sessions: [...this.sessions.values()].map((s) => this.sessionInfo(s)),
    };
  }

  // ---------------------------------------------------------------- accepted peers

  private acceptTcp(listener: Listener, socket: net.Socket): void {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    if (this.closed || !this.listeners.has(listener.info.id)) {
      socket.destroy();
      return;
    }
    const gate = this.gates.get(listener.info.id);
    if (gate && !gate.isAllowed(plainAddress(socket.remoteAddress))) {
      gate.refused?.(plainAddress(socket.remoteAddress));
      socket.destroy();
      return;
    }
    const responder = listener.info.responder;
    const session = this.newSession(
      {
        kind: 'accepted',
        listenerId: listener.info.id,
        protocol: 'tcp',
        responder,
        localAddress: plainAddress(socket.localAddress),
        localPort: socket.localPort ?? listener.info.port,
        remoteAddress: plainAddress(socket.remoteAddress),
        remotePort: socket.remotePort ?? 0,
      },
      tcpIo(socket),
    );
    listener.sessions.add(session);
    listener.info.activePeers++;
    listener.info.totalPeers++;
    this.markListener(listener.info.id, true);
    this.wireTcp(session, socket, responder, listener);
  }

  /** Connects a TCP socket's events to its session, by responder. */
  private wireTcp(session: Session, socket: net.Socket, responder: Responder, listener?: Listener): void {
    const info = session.info;
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!session.closing) info.error = sessionError(err, 'tcp', info.remoteHost ?? info.remoteAddress, info.remotePort);
    });
    socket.on('close', () => {
      if (listener && listener.sessions.delete(session)) {
        listener.info.activePeers--;
        this.markListener(listener.info.id, true);
      }
      this.finish(session);
    });
    const countOut = (n: number) => {
      info.bytesOut += n;
      this.markSession(info.id, false);
    };
    switch (responder) {
      case 'echo':
        socket.on('data', (chunk: Buffer) => {
          info.bytesIn += chunk.length;
          if (!socket.write(chunk, () => countOut(chunk.length))) socket.pause();
        });
        socket.on('drain', () => socket.resume());
        socket.on('end', () => socket.end());
        break;
      case 'discard':
        socket.on('data', (chunk: Buffer) => {
          info.bytesIn += chunk.length;
          this.markSession(info.id, false);
        });
        socket.on('end', () => socket.end());
        break;
      case 'http':
        this.answerHttp(session, socket);
        break;
      case 'banner':
      case 'interactive':
        if (responder === 'banner' && listener?.info.banner) {
          const banner = Buffer.from(listener.info.banner, 'utf8');
          socket.write(banner, () => countOut(banner.length));
        }
        socket.on('data', (chunk: Buffer) => this.receive(session, chunk));
        // Like nc: when the peer has finished sending, the conversation is over.
        socket.on('end', () => {
          this.flushData(session);
          socket.end();
        });
        break;
    }
  }

  private answerHttp(session: Session, socket: net.Socket): void {
    const info = session.info;
    let received = Buffer.alloc(0);
    let answered = false;
    const timer = setTimeout(() => socket.destroy(), this.o.httpTimeoutMs);
    timer.unref();
    const answer = (truncated: boolean) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      const end = headEnd(received);
      const text = received.subarray(0, end >= 0 ? end : MAX_HEAD_BYTES).toString('latin1');
      const response = buildHttpResponse(parseHead(text.trimEnd(), truncated), {
        peer: { address: info.remoteAddress, port: info.remotePort },
        local: { address: info.localAddress, port: info.localPort },
      });
      socket.end(response, () => {
        info.bytesOut += response.length;
        this.markSession(info.id, false);
      });
    };
    socket.on('data', (chunk: Buffer) => {
      info.bytesIn += chunk.length;
      this.markSession(info.id, false);
      if (answered) return;
      received = Buffer.concat([received, chunk]);
      if (headEnd(received) >= 0) answer(false);
      else if (received.length >= MAX_HEAD_BYTES) answer(true);
    });
    socket.on('end', () => (received.length > 0 ? answer(true) : socket.end()));
  }

  private receiveUdp(listener: Listener, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const peers = listener.peers!;
    const udp = listener.udp!;
    const key = peerKey(rinfo.address, rinfo.port);
    const now = Date.now();
    let session = peers.get(key);
    const responder = listener.info.responder;
    const gate = session ? undefined : this.gates.get(listener.info.id);
    if (gate && !gate.isAllowed(plainAddress(rinfo.address))) {
      gate.refused?.(plainAddress(rinfo.address));
      return;
    }
    if (!session) {
      session = this.newSession(
        {
          kind: 'accepted',
          listenerId: listener.info.id,
          protocol: 'udp',
          responder,
          localAddress: plainAddress(listener.info.host),
          localPort: listener.info.port,
          remoteAddress: plainAddress(rinfo.address),
          remotePort: rinfo.port,
        },
        udpPeerIo(udp, rinfo.address, rinfo.port, () => {
          peers.delete(key);
          if (listener.sessions.delete(s)) {
            listener.info.activePeers--;
            this.markListener(listener.info.id, true);
          }
          this.finish(s);
        }, () => peers.touch(key, Date.now())),
      );
      const s = session;
      s.udpKey = key;
      peers.add(key, s, now);
      listener.sessions.add(s);
      listener.info.activePeers++;
      listener.info.totalPeers++;
      this.markListener(listener.info.id, true);
      if (responder === 'banner' && listener.info.banner) void this.sendTo(s, Buffer.from(listener.info.banner, 'utf8')).catch(() => undefined);
    } else {
      peers.touch(key, now);
    }
    this.datagramIn(session, msg, responder);
  }

  /** One datagram for a UDP session (accepted or client), by responder. */
  private datagramIn(session: Session, msg: Buffer, responder: Responder): void {
    if (responder === 'echo') {
      session.info.bytesIn += msg.length;
      void this.sendTo(session, msg).catch(() => undefined);
    } else if (responder === 'discard') {
      session.info.bytesIn += msg.length;
      this.markSession(session.info.id, false);
    } else if (session.credit.wouldOverflow(msg.length)) {
      // UDP cannot be paused: beyond the watermark the console is behind, so the datagram is dropped.
      session.info.bytesIn += msg.length;
      session.info.droppedDatagrams++;
      session.credit.paused = true;
      this.markSession(session.info.id, false);
    } else {
      this.receive(session, msg);
    }
  }

  private sweepUdp(listener: Listener): void {
    const seconds = Math.round(listener.peers!.idleMs / 1000);
    for (const session of listener.peers!.expire(Date.now())) {
      session.info.error = {
        code: 'IDLE',
        message: `No datagram from this peer for ${seconds} s: it is forgotten (UDP has no connection to close).`,
      };
      session.udpKey = undefined;
      session.io.destroy();
    }
  }

  // ---------------------------------------------------------------- client sessions

  /** Connects; resolves once open (after the TLS handshake), or rejects with a PortolanError. */
  async connect(spec: ParsedConnectSpec): Promise<SessionInfo> {
    if (this.closed) throw new PortolanError('DISCONNECTED', 'The engine is shutting down.');
    return spec.protocol === 'udp' ? this.connectUdp(spec) : this.connectTcp(spec);
  }

  private async connectTcp(spec: ParsedConnectSpec): Promise<SessionInfo> {
    const { host, port, timeoutMs } = spec;
    const socket: net.Socket = spec.tls
      ? tls.connect({
          host,
          port,
          servername: spec.servername ?? (net.isIP(host) ? undefined : host),
          rejectUnauthorized: spec.rejectUnauthorized,
          ALPNProtocols: spec.alpn,
        })
      : net.connect({ host, port, allowHalfOpen: true });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => socket.destroy(errnoError('ETIMEDOUT', 'timeout')), timeoutMs);
        socket.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        socket.once(spec.tls ? 'secureConnect' : 'connect', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    } catch (err) {
      socket.destroy();
      throw connectError(err as NodeJS.ErrnoException, 'tcp', host, port, timeoutMs);
    }
    socket.removeAllListeners('error');
    socket.setNoDelay(true);
    const session = this.newSession(
      {
        kind: 'client',
        protocol: 'tcp',
        responder: 'interactive',
        localAddress: plainAddress(socket.localAddress),
        localPort: socket.localPort ?? 0,
        remoteAddress: plainAddress(socket.remoteAddress),
        remotePort: socket.remotePort ?? port,
        remoteHost: host,
        ...(spec.tls ? { tls: tlsInfo(socket as tls.TLSSocket) } : {}),
      },
      tcpIo(socket),
    );
    this.wireTcp(session, socket, 'interactive');
    return this.sessionInfo(session);
  }

  private async connectUdp(spec: ParsedConnectSpec): Promise<SessionInfo> {
    const { host, port, timeoutMs } = spec;
    let socket: dgram.Socket | undefined;
    try {
      const [address] = (await resolveHost(host, { timeoutMs })) as [string];
      const s = (socket = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4'));
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.connect(port, address, () => {
          s.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      socket?.close();
      throw connectError(err as NodeJS.ErrnoException, 'udp', host, port, timeoutMs);
    }
    const udp = socket;
    const local = udp.address();
    const remote = udp.remoteAddress();
    let closed = false;
    const session: Session = this.newSession(
      {
        kind: 'client',
        protocol: 'udp',
        responder: 'interactive',
        localAddress: plainAddress(local.address),
        localPort: local.port,
        remoteAddress: plainAddress(remote.address),
        remotePort: remote.port,
        remoteHost: host,
      },
      {
        write: (data) => new Promise((resolve, reject) => udp.send(data, (err) => (err ? reject(err) : resolve()))),
        end: () => destroy(),
        destroy: () => destroy(),
        pause: () => undefined,
        resume: () => undefined,
      },
    );
    const destroy = () => {
      if (closed) return;
      closed = true;
      udp.close();
      this.finish(session);
    };
    udp.on('message', (msg) => this.datagramIn(session, msg, 'interactive'));
    udp.on('error', (err: NodeJS.ErrnoException) => {
      // A connected UDP socket learns of "port unreachable" as ECONNREFUSED on a later send or receive.
      session.info.error = sessionError(err, 'udp', host, port);
      destroy();
    });
    return this.sessionInfo(session);
  }

  // ---------------------------------------------------------------- sending, closing, acks

  /** Sends bytes to the peer; resolves with the count once handed to the OS. */
  async send(id: string, data: Buffer): Promise<number> {
    const session = this.requireSession(id);
    if (session.info.state === 'closed' || session.closing) {
      throw new PortolanError('DISCONNECTED', `Session ${id} is closed: nothing more can be sent to it.`);
    }
    if (session.info.protocol === 'udp' && data.length > MAX_DATAGRAM) {
      throw new PortolanError('INVALID_INPUT', `A UDP datagram holds at most ${MAX_DATAGRAM} bytes; this one has ${data.length}. Send it in parts.`);
    }
    await this.sendTo(session, data);
    return data.length;
  }

  private async sendTo(session: Session, data: Buffer): Promise<void> {
    const info = session.info;
    try {
      await session.io.write(data);
    } catch (err) {
      throw connectError(err as NodeJS.ErrnoException, info.protocol, info.remoteHost ?? info.remoteAddress, info.remotePort, 0);
    }
    info.bytesOut += data.length;
    this.markSession(info.id, false);
  }

  /** Closes a session (half: TCP end-of-stream only); a closed session is forgotten. */
  closeSession(id: string, half = false): void {
    const session = this.requireSession(id);
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
    if (wasPaused !== session.credit.paused) this.markSession(id, false);
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
    for (const session of this.sessions.values()) if (session.info.state !== 'closed') session.io.destroy();
    if (this.dataTimer) clearTimeout(this.dataTimer);
    if (this.changesLater) clearTimeout(this.changesLater);
    if (this.changesSoon) clearImmediate(this.changesSoon);
  }

  // ---------------------------------------------------------------- internals

  private requireSession(id: string): Session {
    const session = this.sessions.get(id);
    if (!session) throw new PortolanError('NOT_FOUND', `There is no session ${id}: it may have been closed and forgotten.`);
    return session;
  }

  private newSession(
    fields: Omit<SessionInfo, 'id' | 'bytesIn' | 'bytesOut' | 'openedAt' | 'state' | 'unackedBytes' | 'paused' | 'droppedDatagrams'>,
    io: SessionIo,
  ): Session {
    const id = `S${++this.nextSession}`;
    const session: Session = {
      info: { id, ...fields, bytesIn: 0, bytesOut: 0, openedAt: Date.now(), state: 'open', unackedBytes: 0, paused: false, droppedDatagrams: 0 },
      io,
      credit: new FlowCredit(this.o.highWatermark, this.o.lowWatermark),
      pending: [],
      pendingBytes: 0,
      seq: 0,
      announced: false,
      closing: false,
    };
    this.sessions.set(id, session);
    this.markSession(id, true);
    return session;
  }

  /** Bytes for the console: queued, paused above the watermark, emitted in batches. */
  private receive(session: Session, chunk: Buffer): void {
    session.info.bytesIn += chunk.length;
    if (session.closing) return;
    session.pending.push(chunk);
    session.pendingBytes += chunk.length;
    if (session.credit.receive(chunk.length)) {
      session.io.pause();
      this.markSession(session.info.id, false);
    }
    this.markSession(session.info.id, false);
    if (session.pendingBytes >= this.o.flushBytes) this.flushData(session);
    else {
      this.dataDue.add(session);
      this.dataTimer ??= setTimeout(() => this.flushAllData(), this.o.flushMs);
    }
  }

  private flushAllData(): void {
    this.dataTimer = undefined;
    for (const session of this.dataDue) this.flushData(session);
  }

  private flushData(session: Session): void {
    this.dataDue.delete(session);
    if (session.pendingBytes === 0) return;
    // The console must know the session before its first bytes.
    if (!session.announced) this.flushChanges();
    const data = session.pending.length === 1 ? session.pending[0]! : Buffer.concat(session.pending, session.pendingBytes);
    session.pending = [];
    session.pendingBytes = 0;
    session.credit.emit(data.length);
    this.o.emit('sessions.data', { id: session.info.id, seq: ++session.seq, data: data.toString('base64') });
  }

  /** A session ended: final state, flushed bytes, close reported at once. */
  private finish(session: Session): void {
    if (session.info.state === 'closed') return;
    this.flushData(session);
    session.info.state = 'closed';
    session.info.closedAt = Date.now();
    this.markSession(session.info.id, true);
    this.closedOrder.push(session.info.id);
    while (this.closedOrder.length > this.o.maxClosedSessions) {
      const old = this.sessions.get(this.closedOrder[0]!);
      if (old) this.forget(old);
      else this.closedOrder.shift();
    }
  }

  private forget(session: Session): void {
    const id = session.info.id;
    this.sessions.delete(id);
    const at = this.closedOrder.indexOf(id);
    if (at >= 0) this.closedOrder.splice(at, 1);
    this.dirtySessions.delete(id);
    this.removedSessions.push(id);
    this.scheduleChanges(true);
  }

  private markListener(id: string, soon: boolean): void {
    this.dirtyListeners.add(id);
    this.scheduleChanges(soon);
  }

  private markSession(id: string, soon: boolean): void {
    this.dirtySessions.add(id);
    this.scheduleChanges(soon);
  }

  /** New things and closes go out on the next turn; counters at most every countersMs. */
  private scheduleChanges(soon: boolean): void {
    if (this.closed && !soon) return;
    if (soon) this.changesSoon ??= setImmediate(() => this.flushChanges());
    else if (!this.changesLater) {
      this.changesLater = setTimeout(() => this.flushChanges(), this.o.countersMs);
      this.changesLater.unref();
    }
  }

  private flushChanges(): void {
    if (this.changesSoon) clearImmediate(this.changesSoon);
    if (this.changesLater) clearTimeout(this.changesLater);
    this.changesSoon = undefined;
    this.changesLater = undefined;
    const listeners = [...this.dirtyListeners].flatMap((id) => {
      const l = this.listeners.get(id);
      return l ? [{ ...l.info }] : [];
    });
    const sessions = [...this.dirtySessions].flatMap((id) => {
      const s = this.sessions.get(id);
      if (!s) return [];
      s.announced = true;
      return [this.sessionInfo(s)];
    });
    this.dirtyListeners.clear();
    this.dirtySessions.clear();
    const removedListeners = this.removedListeners;
    const removedSessions = this.removedSessions;
    this.removedListeners = [];
    this.removedSessions = [];
    if (listeners.length || sessions.length || removedListeners.length || removedSessions.length) {
      this.o.emit('sessions.changed', { listeners, sessions, removedListeners, removedSessions });
    }
  }

  private sessionInfo(session: Session): SessionInfo {
    return { ...session.info, unackedBytes: session.credit.outstanding, paused: session.credit.paused };
  }
}

/** The io of a TCP (or TLS) socket. */
function tcpIo(socket: net.Socket): SessionIo {
  return {
    write: (data) => new Promise((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve()))),
    end: () => socket.end(),
    destroy: () => socket.destroy(),
    pause: () => socket.pause(),
    resume: () => socket.resume(),
  };
}

/** The io of an accepted UDP peer: replies leave from the listener's socket. */
function udpPeerIo(udp: dgram.Socket, address: string, port: number, onDestroy: () => void, onActive: () => void): SessionIo {
  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    onDestroy();
  };
  return {
    write: (data) =>
      new Promise((resolve, reject) =>
        udp.send(data, port, address, (err) => {
          onActive();
          if (err) reject(err);
          else resolve();
        }),
      ),
    end: destroy,
    destroy,
    pause: () => undefined,
    resume: () => undefined,
  };
}

/** What a TLS socket's peer certificate and handshake say. */
function tlsInfo(socket: tls.TLSSocket): TlsInfo {
  const cert = socket.getPeerCertificate();
  const dn = (o: object | undefined) =>
    o ? Object.entries(o).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`).join(', ') : '';
  const iso = (s: string | undefined) => {
    const d = s ? new Date(s) : undefined;
    return d && !Number.isNaN(d.getTime()) ? d.toISOString() : (s ?? '');
  };
  const alpn = socket.alpnProtocol;
  const authError = socket.authorizationError as unknown;
  return {
    subject: dn(cert?.subject),
    issuer: dn(cert?.issuer),
    validFrom: iso(cert?.valid_from),
    validTo: iso(cert?.valid_to),
    protocol: socket.getProtocol() ?? 'unknown',
    ...(alpn ? { alpn } : {}),
    authorized: socket.authorized,
    ...(authError ? { authorizationError: authError instanceof Error ? ((authError as NodeJS.ErrnoException).code ?? authError.message) : String(authError) } : {}),
  };
}
