/**
 * Local UDP forward: every client address:port gets its own flow, an upstream UDP socket connected
 * to the target, so the target's replies go back to the right client. A flow that carries nothing
 * for udpIdleMs is closed; the number of flows is bounded (the least recently active one is closed
 * to make room).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { ConnectionInfo, ForwardSpec } from '../../contract/forwards.js';
import { CidrAllowlist } from '../../contract/cidr.js';
import { listenError, plain } from './listen.js';
import { connectionId, socketError, type ForwardHost, type ForwardRunner } from './types.js';

type UdpSpec = Extract<ForwardSpec, { kind: 'udp' }>;

/** Most flows at once per UDP forward. */
export const MAX_UDP_FLOWS = 4096;

interface Flow {
  key: string;
  address: string;
  port: number;
  upstream: dgram.Socket;
  connected: boolean;
  closed: boolean;
  /** Datagrams from the client while the upstream socket connects. */
  queue: Buffer[];
  lastActive: number;
  connection: ConnectionInfo;
}

/** A running UDP forward. */
export class UdpForward implements ForwardRunner {
  private socket: dgram.Socket | undefined;
  private readonly flows = new Map<string, Flow>();
  private readonly allow: CidrAllowlist;
  private sweeper: NodeJS.Timeout | undefined;
  private last: Flow | undefined;
  /** A coarse clock (updated by the sweeper), so the per-datagram path does not read the time. */
  private now = Date.now();
  boundPort: number | undefined;

  constructor(
    private readonly spec: UdpSpec,
    private readonly host: ForwardHost,
    private readonly maxFlows = MAX_UDP_FLOWS,
  ) {
    this.allow = new CidrAllowlist(spec.allow);
  }

  async start(): Promise<void> {
    const { listenHost, listenPort } = this.spec;
    const socket = dgram.createSocket({ type: net.isIPv6(listenHost) ? 'udp6' : 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (err: NodeJS.ErrnoException) => {
        socket.close();
        void listenError(err, 'udp', listenHost, listenPort).then(reject);
      });
      socket.bind({ address: listenHost, port: listenPort, exclusive: true }, () => {
        socket.removeAllListeners('error');
        resolve();
      });
    });
    socket.on('error', () => undefined);
    socket.on('message', (msg, rinfo) => this.fromClient(msg, rinfo));
    this.socket = socket;
    this.boundPort = socket.address().port;
    const every = Math.max(250, Math.min(1000, Math.floor(this.spec.udpIdleMs / 4)));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
    this.host.setState('listening');
  }

  private fromClient(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    // Fast path: most datagrams come from the same client as the one before.
    let flow = this.last;
    if (!flow || flow.port !== rinfo.port || flow.address !== rinfo.address || flow.closed) {
      flow = this.flows.get(`${rinfo.address}|${rinfo.port}`);
      if (flow) this.last = flow;
    }
    if (!flow) {
      const key = `${rinfo.address}|${rinfo.port}`;
      if (!this.allow.allows(rinfo.address)) {
        this.host.counters.refused++;
        this.host.refusedClient(plain(rinfo.address), rinfo.port);
        return;
      }
      flow = this.openFlow(key, rinfo);
      this.last = flow;
    }
    flow.lastActive = this.now;
    flow.connection.bytesIn += msg.length;
    this.host.counters.bytesIn += msg.length;
    if (flow.connected) flow.upstream.send(msg);
    else if (flow.queue.length < 64) flow.queue.push(msg);
  }

  private openFlow(key: string, rinfo: dgram.RemoteInfo): Flow {
    if (this.flows.size >= this.maxFlows) {
      let oldest: Flow | undefined;
      for (const f of this.flows.values()) if (!oldest || f.lastActive < oldest.lastActive) oldest = f;
      if (oldest) this.closeFlow(oldest, { code: 'FLOW_LIMIT', message: `closed to make room: at most ${this.maxFlows} flows at once` });
    }
    const { targetHost, targetPort } = this.spec;
    const family = net.isIPv6(targetHost) ? 'udp6' : 'udp4';
    const upstream = dgram.createSocket({ type: family, recvBufferSize: 1 << 20 });
    const connection: ConnectionInfo = {
      id: connectionId(),
      forwardId: this.host.id,
      client: { address: plain(rinfo.address), port: rinfo.port },
      localClientSide: { address: plain(this.spec.listenHost), port: this.boundPort ?? 0 },
      target: { host: targetHost, port: targetPort },
      bytesIn: 0,
      bytesOut: 0,
      openedAt: Date.now(),
    };
    const flow: Flow = { key, address: rinfo.address, port: rinfo.port, upstream, connected: false, closed: false, queue: [], lastActive: Date.now(), connection };
    this.flows.set(key, flow);
    this.host.opened(connection);
    upstream.on('error', (err) => {
      this.host.counters.targetErrors++;
      this.closeFlow(flow, socketError(err, `the target ${targetHost}:${targetPort}`));
    });
    upstream.on('message', (reply) => {
      flow.lastActive = this.now;
      connection.bytesOut += reply.length;
      this.host.counters.bytesOut += reply.length;
      this.socket?.send(reply, flow.port, flow.address);
    });
    upstream.connect(targetPort, targetHost, () => {
      flow.connected = true;
      const local = upstream.address();
      connection.localTargetSide = { address: plain(local.address), port: local.port };
      for (const m of flow.queue) upstream.send(m);
      flow.queue = [];
    });
    return flow;
  }

  private closeFlow(flow: Flow, error?: { code: string; message: string }): void {
    if (!this.flows.delete(flow.key)) return;
    flow.closed = true;
    try {
      flow.upstream.close();
    } catch {
      // already closed
    }
    if (error) flow.connection.error = error;
    flow.connection.closedAt = Date.now();
    this.host.closed(flow.connection);
  }

  private sweep(): void {
    this.now = Date.now();
    const limit = this.now - this.spec.udpIdleMs;
    for (const flow of [...this.flows.values()]) if (flow.lastActive < limit) this.closeFlow(flow);
  }

  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const flow of [...this.flows.values()]) this.closeFlow(flow);
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
