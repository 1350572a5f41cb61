/**
 * A knock guard on real sockets. Portolan has no packet capture, so the guard binds its knock
 * ports: a TCP knock port accepts a connection and closes it at once (the knock is the accepted
 * connection's source), a UDP knock port takes the datagram's source and never answers. Knocks go
 * through the per-source {@link SequenceMachine}; the guard's {@link AccessGate} lets a target
 * accept new peers only from sources whose gate is open. A source that knocks correctly may also
 * run a command (an argument list, no shell), off by default.
 */
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import type { KnockAttempt, KnockProtocol, ParsedGuardSpec } from '../../contract/index.js';
import { plainAddress } from '../net/address.js';
import { listenError } from '../net/errors.js';
import { bindUdpExclusive, listenExclusive } from '../net/listen.js';
import type { AccessGate } from '../access-gate.js';
import { SequenceMachine, type Knock, type MachineEvent } from './sequence-machine.js';

/** What a guard reports to its owner. */
export interface KnockGuardOptions {
  /** A guard spec with its id, after parsing. */
  spec: ParsedGuardSpec & { id: string };
  /** Each log entry, as it happens. */
  onAttempt(attempt: KnockAttempt): void;
  /** Open sources or counters changed. */
  onChange(): void;
  /** The command's outcome when it fails (it runs only when enabled). */
  onCommandError?(message: string): void;
  /** Sweep period (expired progress, closed gates), in ms. */
  sweepMs?: number;
  maxSources?: number;
  /** Tests inject a clock. */
  now?: () => number;
}

/** A bound knock port. */
export interface BoundKnockPort {
  port: number;
  protocol: KnockProtocol;
  host: string;
}

/** Replaces the literal {source} in each argument; nothing else is interpreted (no shell). */
export function commandArgs(args: readonly string[], source: string): string[] {
  return args.map((a) => a.split('{source}').join(source));
}

/** One guard: its knock ports, its state machine and its gate. */
export class KnockGuard {
  private machine: SequenceMachine;
  private servers: net.Server[] = [];
  private udps: dgram.Socket[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  bound: BoundKnockPort[] = [];
  refused = 0;
  opened = 0;

  /** The gate to put on the target: open sources only. */
  readonly gate: AccessGate = {
    isAllowed: (address) => this.machine.isOpen(plainAddress(address), this.now()),
    refused: () => {
      this.refused++;
      this.options.onChange();
    },
  };

  constructor(private readonly options: KnockGuardOptions) {
    this.now = options.now ?? Date.now;
    this.machine = this.newMachine();
  }

  private newMachine(): SequenceMachine {
    const { sequence, windowMs, openForMs } = this.options.spec;
    return new SequenceMachine({ sequence, windowMs, openForMs, maxSources: this.options.maxSources });
  }

  /** Open sources now. */
  openSources(): { address: string; until: number }[] {
    return this.machine.openSources(this.now());
  }

  /** Binds every knock port on `host`; on failure closes what was bound and rejects with a PortolanError. */
  async start(host: string): Promise<void> {
    await this.stop();
    this.machine = this.newMachine();
    const unique = new Map<string, Knock>();
    for (const s of this.options.spec.sequence) unique.set(`${s.protocol}/${s.port}`, s);
    try {
      for (const k of unique.values()) {
        if (k.protocol === 'tcp') await this.bindTcp(host, k.port);
        else await this.bindUdp(host, k.port);
        this.bound.push({ port: k.port, protocol: k.protocol, host });
      }
    } catch (err) {
      const failed = [...unique.values()][this.bound.length]!;
      await this.stop();
      throw await listenError(err as NodeJS.ErrnoException, failed.protocol, host, failed.port);
    }
    const sweepMs = this.options.sweepMs ?? Math.max(50, Math.min(1000, Math.floor(this.options.spec.windowMs / 4)));
    this.timer = setInterval(() => this.sweep(), sweepMs);
    this.timer.unref();
  }

  private bindTcp(host: string, port: number): Promise<void> {
    // Accept and close at once: the knock is the connection's source; nothing is read or written.
    const server = net.createServer((socket) => {
      const source = socket.remoteAddress;
      socket.on('error', () => undefined);
      socket.destroy();
      if (source) this.knock(source, { port, protocol: 'tcp' });
    });
    return listenExclusive(server, host, port, 511).then(() => {
      this.servers.push(server);
    });
  }

  private async bindUdp(host: string, port: number): Promise<void> {
    this.udps.push(await bindUdpExclusive(host, port, (_msg, rinfo) => this.knock(rinfo.address, { port, protocol: 'udp' })));
  }

  /** One knock from `address` (also what tests without sockets call). */
  knock(address: string, knock: Knock): void {
    const source = plainAddress(address);
    const events = this.machine.hit(source, knock, this.now());
    for (const e of events) this.report(e);
    if (events.some((e) => e.outcome === 'opened')) {
      this.opened++;
      this.options.onChange();
      this.runCommand(source);
    }
  }

  private report(e: MachineEvent): void {
    this.options.onAttempt({ at: e.at, source: e.source, guardId: this.options.spec.id, ...(e.step ? { step: e.step } : {}), stepsMatched: e.stepsMatched, outcome: e.outcome });
  }

  private runCommand(source: string): void {
    const cmd = this.options.spec.command;
    if (!cmd?.enabled) return;
    try {
      execFile(cmd.path, commandArgs(cmd.args, source), { timeout: 30_000, windowsHide: true }, (err) => {
        if (err) this.options.onCommandError?.(`The guard's command ${cmd.path} failed for ${source}: ${err.message}`);
      });
    } catch (err) {
      this.options.onCommandError?.(`The guard's command ${cmd.path} could not start: ${(err as Error).message}`);
    }
  }

  private sweep(): void {
    const { expired, closed } = this.machine.sweep(this.now());
    for (const e of expired) this.report(e);
    if (closed.length) this.options.onChange();
  }

  /** Closes the knock ports; the machine keeps open sources until they expire (the gate decides). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const servers = this.servers;
    const udps = this.udps;
    this.servers = [];
    this.udps = [];
    this.bound = [];
    await Promise.all([
      ...servers.map((s) => new Promise<void>((r) => s.close(() => r()))),
      ...udps.map((u) => new Promise<void>((r) => u.close(() => r()))),
    ]);
  }
}
