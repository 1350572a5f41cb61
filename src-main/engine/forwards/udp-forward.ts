/**
 * Local UDP forward: every client address:port gets its own flow, an upstream UDP socket connected
 * to the target, so the target's replies go back to the right client. A flow that carries nothing
 * for udpIdleMs is closed; the number of flows is bounded (the least recently active one is closed
 * to make room).
 *
 * The datagrams themselves are relayed by a UdpRelay in a worker thread of its own (udp-relay.ts
 * says why: V8's collections in the engine's large heap made the forward lose datagrams that
 * socat did not). This class is the engine's side: it starts the thread, turns the relay's flow
 * messages into connection records and reads the forward's totals from the buffer it shares with
 * the thread. Where no worker can be started (no bundled worker file and no esbuild), the same
 * relay runs on this thread instead, with the same messages.
 */
import { Worker } from 'node:worker_threads';
import type { ConnectionInfo, ForwardSpec } from '../../contract/forwards.js';
import { workerEntry, type WorkerEntry } from '../worker-script.js';
import { plainAddress } from '../net/address.js';
import { listenError } from '../net/errors.js';
import { ClientAdmission } from './admission.js';
import { connectionId, type ForwardOwner, type ForwardRunner } from './types.js';
import { MAX_UDP_FLOWS, TOTAL, TOTALS_LENGTH, UdpRelay, type UdpRelayCommand, type UdpRelayMessage, type UdpRelayOptions } from './udp-relay.js';

export { MAX_UDP_FLOWS } from './udp-relay.js';

type UdpSpec = Extract<ForwardSpec, { kind: 'udp' }>;

/** How long stop() waits for the worker to close its sockets before ending the thread anyway, ms. */
const STOP_GRACE_MS = 2000;

/** The relay's worker script (see worker-script.ts); null when the relay must run on the calling thread. */
export function udpWorkerEntry(): WorkerEntry | null {
  return workerEntry(import.meta.url, 'udp-worker');
}

/** The relay's thread ended before it listened (as opposed to a bind error). */
class ThreadLost extends Error {}

/** A running UDP forward. */
export class UdpForward implements ForwardRunner {
  /** The forward's totals (TOTAL indices), written by the relay, shared with its thread. */
  private readonly totals = new Float64Array(new SharedArrayBuffer(TOTALS_LENGTH * Float64Array.BYTES_PER_ELEMENT));
  /** Open flows' connection records by the relay's flow number. */
  private readonly flows = new Map<number, ConnectionInfo>();
  private worker: Worker | undefined;
  private relay: UdpRelay | undefined;
  private stopped: (() => void) | undefined;
  private stopping = false;
  /** The worker thread has ended (or never started): nothing more will come from it. */
  private exited = false;
  boundPort: number | undefined;
  /** The gate half of the accept path (the relay checks the allowlist in its own thread). */
  private readonly admission: ClientAdmission;

  /**
   * @param maxFlows most flows at once.
   * @param thread whether to relay in a worker thread (when one can be started); false keeps it on this thread.
   */
  constructor(
    private readonly spec: UdpSpec,
    private readonly owner: ForwardOwner,
    private readonly maxFlows = MAX_UDP_FLOWS,
    private readonly thread = true,
  ) {
    this.admission = new ClientAdmission(spec.allow, owner);
  }

  /** Whether the datagrams are relayed by a worker thread (false: on the engine's thread). */
  get inWorker(): boolean {
    return this.worker !== undefined;
  }

  async start(): Promise<void> {
    const { listenHost, listenPort, targetHost, targetPort, allow, udpIdleMs } = this.spec;
    const options: UdpRelayOptions = { listenHost, listenPort, targetHost, targetPort, allow, udpIdleMs, maxFlows: this.maxFlows, gated: !!this.owner.gate };
    const entry = this.thread ? udpWorkerEntry() : null;
    let bound: number;
    try {
      bound = entry ? await this.startWorker(entry, options).catch((err) => this.fallBack(err, options)) : await this.startHere(options);
    } catch (err) {
      throw await listenError(err as NodeJS.ErrnoException, 'udp', listenHost, listenPort);
    }
    this.boundPort = bound;
    this.owner.setState('listening');
  }

  /** A thread that could not start (not a bind error, which has a code) leaves the relay to this thread. */
  private fallBack(err: unknown, options: UdpRelayOptions): Promise<number> {
    if (!(err instanceof ThreadLost)) throw err;
    this.worker = undefined;
    return this.startHere(options);
  }

  private startHere(options: UdpRelayOptions): Promise<number> {
    const relay = new UdpRelay(options, this.totals, (message) => this.onMessage(message));
    this.relay = relay;
    return relay.start();
  }

  private startWorker(entry: WorkerEntry, options: UdpRelayOptions): Promise<number> {
    const worker = new Worker(entry.code ?? entry.file!, { eval: entry.code !== undefined });
    this.worker = worker;
    return new Promise<number>((resolve, reject) => {
      let started = false;
      worker.on('message', (message: UdpRelayMessage) => {
        if (!started && message.t === 'listening') {
          started = true;
          resolve(message.port);
        } else if (!started && message.t === 'failed') {
          started = true;
          this.worker = undefined;
          void worker.terminate();
          reject(Object.assign(new Error(message.message), { code: message.code }));
        } else this.onMessage(message);
      });
      let ended = false;
      const lost = (why: string) => {
        // 'error' is followed by 'exit': the first one tells.
        if (ended) return;
        ended = true;
        if (!started) {
          started = true;
          return reject(new ThreadLost(why));
        }
        this.stopped?.();
        // A thread already given up (a bind error) or being stopped ends quietly.
        if (this.worker !== worker) return;
        this.exited = true;
        if (!this.stopping) {
          this.owner.setState('failed', { error: { code: 'INTERNAL', message: `The UDP forward's thread stopped: ${why}. Start the forward again.` } });
        }
      };
      worker.on('error', (err) => lost(err.message));
      worker.on('exit', (code) => lost(`it exited with code ${code}`));
      worker.postMessage({ t: 'start', options, totals: this.totals.buffer as SharedArrayBuffer } satisfies UdpRelayCommand);
    });
  }

  /** The relay's flow events, from its thread or from this one. */
  private onMessage(message: UdpRelayMessage): void {
    switch (message.t) {
      case 'opened': {
        const connection: ConnectionInfo = {
          id: connectionId(),
          forwardId: this.owner.id,
          client: { address: plainAddress(message.address), port: message.port },
          localClientSide: { address: plainAddress(this.spec.listenHost), port: this.boundPort ?? 0 },
          target: { host: this.spec.targetHost, port: this.spec.targetPort },
          bytesIn: 0,
          bytesOut: 0,
          openedAt: Date.now(),
        };
        this.flows.set(message.flow, connection);
        this.owner.opened(connection);
        break;
      }
      case 'connected': {
        const connection = this.flows.get(message.flow);
        if (connection) connection.localTargetSide = { address: plainAddress(message.address), port: message.port };
        break;
      }
      case 'bytes':
        for (let i = 0; i + 2 < message.flows.length; i += 3) {
          const connection = this.flows.get(message.flows[i]!);
          if (!connection) continue;
          connection.bytesIn = message.flows[i + 1]!;
          connection.bytesOut = message.flows[i + 2]!;
        }
        break;
      case 'closed': {
        const connection = this.flows.get(message.flow);
        if (!connection) break;
        this.flows.delete(message.flow);
        connection.bytesIn = message.bytesIn;
        connection.bytesOut = message.bytesOut;
        if (message.error) connection.error = message.error;
        connection.closedAt = Date.now();
        this.owner.closed(connection);
        break;
      }
      case 'refused':
        this.owner.refusedClient(plainAddress(message.address), message.port);
        break;
      case 'admit':
        // The relay counts a refusal in the shared totals; the log entry says it was the gate.
        this.command({ t: 'admit', address: message.address, port: message.port, ok: this.admission.passesGate(message.address, message.port, true) });
        break;
      case 'stopped':
        this.stopped?.();
        break;
      default:
        break;
    }
  }

  /** The engine put a gate on this forward or took it off: new clients wait for admission from now on, or no longer. */
  gateChanged(): void {
    this.command({ t: 'gate', on: !!this.owner.gate });
  }

  /** A command for the relay, in its thread or on this one. */
  private command(command: Extract<UdpRelayCommand, { t: 'gate' | 'admit' }>): void {
    if (this.relay) {
      if (command.t === 'gate') this.relay.setGated(command.on);
      else this.relay.admit(command.address, command.port, command.ok);
    } else if (this.worker && !this.exited) this.worker.postMessage(command);
  }

  /** Copies the totals the relay keeps (exact at this moment) into the forward's counters. */
  syncCounters(): void {
    const c = this.owner.counters;
    c.bytesIn = this.totals[TOTAL.bytesIn]!;
    c.bytesOut = this.totals[TOTAL.bytesOut]!;
    c.refused = this.totals[TOTAL.refused]!;
    c.targetErrors = this.totals[TOTAL.targetErrors]!;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const relay = this.relay;
    this.relay = undefined;
    if (relay) await relay.stop();
    const worker = this.worker;
    this.worker = undefined;
    if (worker && !this.exited) {
      // The relay closes its flows (each reported, so the connection log is complete), then says 'stopped'.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, STOP_GRACE_MS);
        this.stopped = () => {
          clearTimeout(timer);
          resolve();
        };
        worker.postMessage({ t: 'stop' } satisfies UdpRelayCommand);
      });
      this.stopped = undefined;
    }
    if (worker) await worker.terminate();
  }
}
