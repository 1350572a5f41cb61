/**
 * The data plane of a UDP forward: the listening socket, one flow per client address:port (an
 * upstream socket connected to the target, so replies go back to the right client), idle sweeps
 * and the flow limit. It reports to its owner with small messages (UdpRelayMessage) and keeps the
 * forward's totals in a Float64Array, so that the same code runs in a worker thread (udp-worker.ts,
 * the array then shared with the owner) or, where no worker can be started, on the owner's thread.
 *
 * Why a thread of its own (measured with `npm run bench -- forward`, 2 cores, Node 20): Node's
 * dgram layer allocates about 0.5 KB of short-lived objects per datagram relayed (a Buffer, the
 * rinfo object, the send request), which this code cannot avoid. In a heap whose old generation
 * is past V8's incremental-marking threshold (8 MB; the engine's is, with its modules loaded) and
 * barely grows, V8 then runs a full mark-compact after nearly every young-generation cycle, about
 * every 0.7 s at 200 Mbit/s, once the process has been idle for a while: each holds the event
 * loop for 2-6 ms and keeps a second core busy marking, and the receiver of the forwarded
 * datagrams, starved meanwhile, overflows its socket buffer (0.10-0.2 % loss where socat lost
 * none). A worker's own heap stays at a few MB, under that threshold, so only cheap scavenges
 * run; its event loop is also out of reach of whatever else the engine's thread is doing.
 *
 * This module imports nothing heavy (no zod, no contract index), so the worker's heap stays small.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import { CidrAllowlist } from '../../contract/cidr.js';
import { socketError, type ForwardError } from './types.js';

/** Most flows at once per UDP forward. */
export const MAX_UDP_FLOWS = 4096;
/** How often the per-flow byte counts are reported (and the coarse clock advances), ms. */
export const FLOW_REPORT_MS = 250;
/** Datagrams kept per flow while its upstream socket connects; more are dropped, as a full socket buffer would. */
export const CONNECT_QUEUE_LENGTH = 64;
/** Receive buffer asked for the listening socket; the kernel caps it at net.core.rmem_max. */
export const LISTEN_BUFFER_BYTES = 4 << 20;
/** Receive buffer asked for each flow's upstream socket (replies from the target). */
export const UPSTREAM_BUFFER_BYTES = 1 << 20;

/**
 * Where the forward's totals sit in its Float64Array. The relay is the only writer; the owner reads
 * them without Atomics (aligned 8-byte loads and stores, whole on the 64-bit platforms Portolan
 * ships for), so counting a datagram costs one store.
 */
export const TOTAL = { bytesIn: 0, bytesOut: 1, refused: 2, targetErrors: 3 } as const;
/** Length of the totals array. */
export const TOTALS_LENGTH = 4;

/** What a relay needs to run: the forward's addresses and limits. */
export interface UdpRelayOptions {
  listenHost: string;
  listenPort: number;
  targetHost: string;
  targetPort: number;
  /** CIDR blocks of allowed clients; empty allows every client. */
  allow: string[];
  /** A flow that carries nothing for this long is closed, ms. */
  udpIdleMs: number;
  /** Most flows at once (MAX_UDP_FLOWS unless a test says otherwise). */
  maxFlows?: number;
  /** A knock guard gates the forward: each new client is admitted by the owner first ('admit'). */
  gated?: boolean;
}

/** Relay to owner. Addresses are as the socket reports them (IPv4-mapped forms included). */
export type UdpRelayMessage =
  | { t: 'listening'; port: number }
  | { t: 'failed'; code: string; message: string }
  | { t: 'opened'; flow: number; address: string; port: number }
  | { t: 'connected'; flow: number; address: string; port: number }
  /** Byte counts of the flows that carried something since the last report: [flow, in, out] triples. */
  | { t: 'bytes'; flows: number[] }
  | { t: 'closed'; flow: number; bytesIn: number; bytesOut: number; error?: ForwardError }
  | { t: 'refused'; address: string; port: number }
  /** A new client passed the allowlist of a gated forward: may it open a flow? (answered by admit()). */
  | { t: 'admit'; address: string; port: number }
  | { t: 'stopped' };

/** Owner to relay (in a worker): start with these options, totals in this shared buffer; or stop. */
export type UdpRelayCommand =
  | { t: 'start'; options: UdpRelayOptions; totals: SharedArrayBuffer }
  | { t: 'stop' }
  /** The forward's gate was put on or taken off. */
  | { t: 'gate'; on: boolean }
  /** The owner's answer to an 'admit' message. */
  | { t: 'admit'; address: string; port: number; ok: boolean };

interface Flow {
  id: number;
  key: string;
  address: string;
  port: number;
  upstream: dgram.Socket;
  connected: boolean;
  closed: boolean;
  /** Datagrams from the client while the upstream socket connects. */
  queue: Buffer[];
  lastActive: number;
  bytesIn: number;
  bytesOut: number;
  /** Counts as last reported, so that a report names only the flows that moved. */
  reportedIn: number;
  reportedOut: number;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * dgram's address lookup, answering IP literals at once. Replies go to rinfo addresses, which
 * always are literals, so a reply datagram costs no dns.lookup call and no extra tick (Node's
 * default looks up every destination of an unconnected send, literal or not).
 */
function literalFirst(hostname: string, options: unknown, callback: LookupCallback): void {
  const family = net.isIP(hostname);
  if (family) callback(null, hostname, family);
  else dns.lookup(hostname, options as dns.LookupOneOptions, callback);
}

/**
 * A running UDP relay. start() binds and resolves with the port (or rejects with the bind error);
 * from then on it posts flow events, and the forward's totals grow in `totals` (TOTAL indices).
 */
export class UdpRelay {
  private socket: dgram.Socket | undefined;
  private readonly flows = new Map<string, Flow>();
  /** Clients of a gated forward waiting for the owner's answer, with what they sent meanwhile. */
  private readonly waiting = new Map<string, Buffer[]>();
  private gated: boolean;
  private readonly allow: CidrAllowlist;
  private readonly maxFlows: number;
  private timer: NodeJS.Timeout | undefined;
  private last: Flow | undefined;
  private nextFlow = 1;
  /** A coarse clock (advanced by the report timer), so the per-datagram path does not read the time. */
  private now = Date.now();
  private lastSweep = Date.now();

  constructor(
    private readonly options: UdpRelayOptions,
    private readonly totals: Float64Array,
    private readonly post: (message: UdpRelayMessage) => void,
  ) {
    this.allow = new CidrAllowlist(options.allow);
    this.maxFlows = options.maxFlows ?? MAX_UDP_FLOWS;
    this.gated = options.gated ?? false;
  }

  /** Puts the gate on (new clients wait for the owner's 'admit' answer) or off (clients waiting are let in). */
  setGated(on: boolean): void {
    this.gated = on;
    if (!on) for (const key of [...this.waiting.keys()]) this.answer(key, true);
  }

  /** The owner's answer for a client that waits: it gets its flow (with what it sent meanwhile), or its datagrams are dropped and counted refused. */
  admit(address: string, port: number, ok: boolean): void {
    this.answer(`${address}|${port}`, ok);
  }

  private answer(key: string, ok: boolean): void {
    const held = this.waiting.get(key);
    if (!held) return;
    this.waiting.delete(key);
    if (!ok) {
      this.totals[TOTAL.refused]!++;
      return;
    }
    const at = key.lastIndexOf('|');
    const flow = this.openFlow(key.slice(0, at), Number(key.slice(at + 1)));
    for (const msg of held) this.take(flow, msg);
  }

  /** Binds the listening socket; resolves with the bound port, rejects with the bind error (its errno code kept). */
  async start(): Promise<number> {
    const { listenHost, listenPort } = this.options;
    const socket = dgram.createSocket({
      type: net.isIPv6(listenHost) ? 'udp6' : 'udp4',
      recvBufferSize: LISTEN_BUFFER_BYTES,
      sendBufferSize: LISTEN_BUFFER_BYTES,
      lookup: literalFirst as unknown as dgram.SocketOptions['lookup'],
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (err) => {
        socket.close();
        reject(err);
      });
      socket.bind({ address: listenHost, port: listenPort, exclusive: true }, () => {
        socket.removeAllListeners('error');
        resolve();
      });
    });
    socket.on('error', () => undefined);
    socket.on('message', (msg, rinfo) => this.fromClient(msg, rinfo));
    this.socket = socket;
    // One timer for the clock, the byte reports and the idle sweep: nothing is armed per datagram or per flow.
    const sweepEvery = Math.max(FLOW_REPORT_MS, Math.min(1000, Math.floor(this.options.udpIdleMs / 4)));
    this.timer = setInterval(() => {
      this.now = Date.now();
      this.report();
      if (this.now - this.lastSweep >= sweepEvery) {
        this.lastSweep = this.now;
        this.sweep();
      }
    }, FLOW_REPORT_MS);
    this.timer.unref();
    return socket.address().port;
  }

  private fromClient(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    // Fast path: most datagrams come from the same client as the one before.
    let flow = this.last;
    if (!flow || flow.port !== rinfo.port || flow.address !== rinfo.address || flow.closed) {
      flow = this.flows.get(`${rinfo.address}|${rinfo.port}`);
      if (!flow) {
        if (!this.allow.allows(rinfo.address)) {
          this.totals[TOTAL.refused]!++;
          this.post({ t: 'refused', address: rinfo.address, port: rinfo.port });
          return;
        }
        if (this.gated) return this.wait(msg, rinfo);
        flow = this.openFlow(rinfo.address, rinfo.port);
      }
      this.last = flow;
    }
    this.take(flow, msg);
  }

  /** Holds a gated client's datagram until the owner answers; the first one asks. */
  private wait(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const key = `${rinfo.address}|${rinfo.port}`;
    const held = this.waiting.get(key);
    if (held) {
      if (held.length < CONNECT_QUEUE_LENGTH) held.push(msg);
      return;
    }
    // A flood of new sources waits in a bounded room, as a full socket buffer would drop them.
    if (this.waiting.size >= this.maxFlows) return;
    this.waiting.set(key, [msg]);
    this.post({ t: 'admit', address: rinfo.address, port: rinfo.port });
  }

  /** One datagram from a client into its flow. */
  private take(flow: Flow, msg: Buffer): void {
    flow.lastActive = this.now;
    flow.bytesIn += msg.length;
    this.totals[TOTAL.bytesIn]! += msg.length;
    if (flow.connected) flow.upstream.send(msg);
    else if (flow.queue.length < CONNECT_QUEUE_LENGTH) flow.queue.push(msg);
  }

  private openFlow(address: string, port: number): Flow {
    if (this.flows.size >= this.maxFlows) {
      let oldest: Flow | undefined;
      for (const f of this.flows.values()) if (!oldest || f.lastActive < oldest.lastActive) oldest = f;
      if (oldest) this.closeFlow(oldest, { code: 'FLOW_LIMIT', message: `closed to make room: at most ${this.maxFlows} flows at once` });
    }
    const { targetHost, targetPort } = this.options;
    const upstream = dgram.createSocket({ type: net.isIPv6(targetHost) ? 'udp6' : 'udp4', recvBufferSize: UPSTREAM_BUFFER_BYTES });
    const flow: Flow = {
      id: this.nextFlow++,
      key: `${address}|${port}`,
      address,
      port,
      upstream,
      connected: false,
      closed: false,
      queue: [],
      lastActive: Date.now(),
      bytesIn: 0,
      bytesOut: 0,
      reportedIn: 0,
      reportedOut: 0,
    };
    this.flows.set(flow.key, flow);
    this.post({ t: 'opened', flow: flow.id, address, port });
    upstream.on('error', (err) => {
      this.totals[TOTAL.targetErrors]!++;
      this.closeFlow(flow, socketError(err, `the target ${targetHost}:${targetPort}`));
    });
    upstream.on('message', (reply) => {
      flow.lastActive = this.now;
      flow.bytesOut += reply.length;
      this.totals[TOTAL.bytesOut]! += reply.length;
      this.socket?.send(reply, flow.port, flow.address);
    });
    upstream.connect(targetPort, targetHost, () => {
      if (flow.closed) return;
      flow.connected = true;
      const local = upstream.address();
      this.post({ t: 'connected', flow: flow.id, address: local.address, port: local.port });
      for (const m of flow.queue) upstream.send(m);
      flow.queue = [];
    });
    return flow;
  }

  private closeFlow(flow: Flow, error?: ForwardError): void {
    if (!this.flows.delete(flow.key)) return;
    flow.closed = true;
    if (this.last === flow) this.last = undefined;
    try {
      flow.upstream.close();
    } catch {
      // already closed
    }
    this.post({ t: 'closed', flow: flow.id, bytesIn: flow.bytesIn, bytesOut: flow.bytesOut, ...(error ? { error } : {}) });
  }

  /** Posts the byte counts of the flows that carried something since the last report. */
  private report(): void {
    const moved: number[] = [];
    for (const f of this.flows.values()) {
      if (f.bytesIn === f.reportedIn && f.bytesOut === f.reportedOut) continue;
      f.reportedIn = f.bytesIn;
      f.reportedOut = f.bytesOut;
      moved.push(f.id, f.bytesIn, f.bytesOut);
    }
    if (moved.length) this.post({ t: 'bytes', flows: moved });
  }

  private sweep(): void {
    const limit = this.now - this.options.udpIdleMs;
    for (const flow of [...this.flows.values()]) if (flow.lastActive < limit) this.closeFlow(flow);
  }

  /** Closes every flow (each reported closed) and the listening socket. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const flow of [...this.flows.values()]) this.closeFlow(flow);
    this.waiting.clear();
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
