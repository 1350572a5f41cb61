/**
 * Runs forwards by id: starts and stops them, keeps their counters and connection logs, and emits
 * the contract's events (forwards.changed batched, forwards.traffic about 4 Hz, forwards.connection,
 * forwards.hostKey). Knows nothing of files except known_hosts: profiles are the app's business.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PortolanError } from '../../contract/errors.js';
import {
  type ConnectionInfo,
  type ForwardInfo,
  type ForwardSecrets,
  type ForwardSpec,
  type ForwardState,
  type HostKeyPrompt,
  type ForwardsChanged,
  type ForwardsTraffic,
  type ForwardConnectionEvent,
} from '../../contract/forwards.js';
import { forwardExposure } from '../../contract/net-notes.js';
import type { AccessGate } from '../access-gate.js';
import { ChangeBatcher, ChangeSet } from '../change-batcher.js';
import { knownHostsLine } from './known-hosts.js';
import { hasSecret, type SecretStore } from './secret-store.js';
import { SshTunnel } from './ssh-tunnel.js';
import { TcpForward } from './tcp-forward.js';
import type { ForwardCounters, ForwardError, ForwardOwner, ForwardRunner } from './types.js';
import { UdpForward } from './udp-forward.js';

/** The events the engine emits, with their payloads. */
export interface ForwardEvents {
  'forwards.changed': ForwardsChanged;
  'forwards.traffic': ForwardsTraffic;
  'forwards.connection': ForwardConnectionEvent;
  'forwards.hostKey': HostKeyPrompt;
}

/** What the engine needs from its surroundings. */
export interface ForwardEngineOptions {
  emit<K extends keyof ForwardEvents>(event: K, payload: ForwardEvents[K]): void;
  secrets: SecretStore;
  /** known_hosts files read to verify SSH servers (the user's ~/.ssh/known_hosts first). */
  knownHostsFiles: string[];
  /** Portolan's own known_hosts, where accepted keys are appended. */
  acceptedKnownHosts: string;
  /** Closed connections kept per forward for forwards.connections. */
  logSize?: number;
  /** Period of forwards.traffic, ms. */
  trafficMs?: number;
  /** For tests: the SSH handshake limit, ms. */
  sshReadyTimeoutMs?: number;
  /** The user's ssh config, whose Host aliases SSH tunnels resolve (none: host names are taken as they are). */
  sshConfigFile?: string;
}

interface Entry {
  id: string;
  spec: ForwardSpec;
  saved: boolean;
  runner?: ForwardRunner;
  state: ForwardState;
  retryInMs?: number;
  error?: ForwardError;
  counters: ForwardCounters;
  active: Map<string, ConnectionInfo>;
  recent: ConnectionInfo[];
  startedAt?: number;
  secretStored: boolean;
  pendingKey?: { prompt: HostKeyPrompt; key: Buffer };
  lastTraffic: { bytesIn: number; bytesOut: number; active: number };
}

/** The spec field a listen failure concerns (EADDRINUSE: the port is held; EADDRNOTAVAIL: the address is not this machine's). */
const LISTEN_FIELD: Partial<Record<string, 'listenPort' | 'listenHost'>> = { EADDRINUSE: 'listenPort', EACCES: 'listenPort', EADDRNOTAVAIL: 'listenHost' };

const zero = (): ForwardCounters => ({ activeConnections: 0, totalConnections: 0, bytesIn: 0, bytesOut: 0, refused: 0, targetErrors: 0 });

/** The running side of forwards. */
export class ForwardEngine {
  private readonly entries = new Map<string, Entry>();
  private readonly changes = new ChangeSet();
  /** State changes go out on the next turn; counter-only changes at most every 250 ms. */
  private readonly batcher = new ChangeBatcher(() => this.flush(), 250);
  private trafficTimer: NodeJS.Timeout | undefined;
  private readonly logSize: number;
  /** Access gates by forward id (a knock guard's); kept across restarts of the forward, dropped with it. */
  private readonly gates = new Map<string, AccessGate>();

  constructor(private readonly options: ForwardEngineOptions) {
    this.logSize = options.logSize ?? 200;
  }

  /** Registers a forward (stopped). */
  add(id: string, spec: ForwardSpec, saved: boolean, secretStored = false): ForwardInfo {
    const entry: Entry = {
      id,
      spec,
      saved,
      state: 'stopped',
      counters: zero(),
      active: new Map(),
      recent: [],
      secretStored,
      lastTraffic: { bytesIn: 0, bytesOut: 0, active: 0 },
    };
    this.entries.set(id, entry);
    this.markDirty(id, true);
    return this.info(id);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** Replaces the spec; a running forward restarts with it. */
  async replace(id: string, spec: ForwardSpec): Promise<ForwardInfo> {
    const entry = this.get(id);
    const wasRunning = !!entry.runner;
    if (wasRunning) await this.stop(id);
    entry.spec = spec;
    entry.error = undefined;
    this.markDirty(id, true);
    if (wasRunning) return this.start(id);
    return this.info(id);
  }

  /** Stops and forgets a forward. */
  async remove(id: string): Promise<void> {
    if (!this.entries.has(id)) return;
    await this.stop(id);
    this.entries.delete(id);
    this.gates.delete(id);
    this.changes.remove(id);
    this.batcher.schedule(true);
  }

  /**
   * Puts a gate on a forward's new clients (undefined removes it); NOT_FOUND when there is no such
   * forward. TCP, UDP and SSH -L/-D forwards consult it in their accept path (admission.ts),
   * after the allowlist; connections and UDP flows already relayed stay.
   */
  setAccessGate(id: string, gate: AccessGate | undefined): void {
    const entry = this.get(id);
    if (gate) this.gates.set(id, gate);
    else this.gates.delete(id);
    entry.runner?.gateChanged?.();
  }

  /** Updates the secret marker (the app keeps the secrets in the store). */
  markSecret(id: string, stored: boolean): void {
    const entry = this.entries.get(id);
    if (entry && entry.secretStored !== stored) {
      entry.secretStored = stored;
      this.markDirty(id, true);
    }
  }

  /**
   * Starts a forward. Rejects with a PortolanError when it cannot listen (EADDRINUSE names the
   * holder); SSH problems come later as state changes (failed / retrying).
   */
  async start(id: string, secrets?: ForwardSecrets): Promise<ForwardInfo> {
    const entry = this.get(id);
    if (entry.runner) return this.info(id);
    if (secrets) {
      await this.options.secrets.set(id, secrets);
      entry.secretStored = hasSecret(secrets);
    }
    const runner = this.makeRunner(entry, await this.options.secrets.get(id));
    entry.runner = runner;
    entry.active.clear();
    entry.counters = zero();
    entry.error = undefined;
    entry.retryInMs = undefined;
    entry.startedAt = Date.now();
    try {
      await runner.start();
    } catch (err) {
      if (entry.runner === runner) entry.runner = undefined;
      await runner.stop().catch(() => undefined);
      const wire = err instanceof PortolanError ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: (err as Error).message };
      this.setState(entry, 'failed', { error: wire });
      if (!(err instanceof PortolanError)) throw new PortolanError('INTERNAL', wire.message);
      // A listen failure concerns the spec's listen side: the form marks that field.
      const field = LISTEN_FIELD[err.code];
      throw field && !err.path ? new PortolanError(err.code, err.message, ['spec', field]) : err;
    }
    this.ensureTraffic();
    this.markDirty(id, true);
    return this.info(id);
  }

  /** Stops a forward and closes its connections. */
  async stop(id: string): Promise<ForwardInfo> {
    const entry = this.get(id);
    const runner = entry.runner;
    entry.runner = undefined;
    if (runner) await runner.stop();
    runner?.syncCounters?.();
    // Connections still open are closed by now; their late close events are ignored.
    for (const c of entry.active.values()) {
      c.closedAt ??= Date.now();
      this.remember(entry, c);
    }
    entry.active.clear();
    entry.counters.activeConnections = 0;
    entry.retryInMs = undefined;
    if (entry.state !== 'failed' || runner) entry.error = undefined;
    entry.state = 'stopped';
    this.markDirty(id, true);
    return this.info(id);
  }

  /** Trusts the key an SSH server presented (its fingerprint must match) and restarts the forward. */
  async acceptHostKey(id: string, fingerprint: string): Promise<ForwardInfo> {
    const entry = this.get(id);
    const pending = entry.pendingKey;
    if (!pending) throw new PortolanError('NOT_FOUND', `No host key of ${entry.spec.name}'s SSH server is waiting to be accepted: start the forward first.`);
    if (pending.prompt.fingerprint !== fingerprint.trim()) {
      throw new PortolanError(
        'INVALID_INPUT',
        `The fingerprint ${fingerprint} is not the one the server presented (${pending.prompt.fingerprint}); nothing was trusted.`,
      );
    }
    await mkdir(path.dirname(this.options.acceptedKnownHosts), { recursive: true });
    await appendFile(this.options.acceptedKnownHosts, knownHostsLine(pending.prompt.host, pending.prompt.port, pending.key), { mode: 0o600 });
    entry.pendingKey = undefined;
    await this.stop(id);
    return this.start(id);
  }

  info(id: string): ForwardInfo {
    const e = this.get(id);
    e.runner?.syncCounters?.();
    const warning = forwardExposure(e.spec.kind, e.spec.listenHost, e.spec.listenPort);
    const bound = e.runner?.boundPort;
    return {
      id: e.id,
      spec: e.spec,
      state: e.state,
      ...(e.retryInMs !== undefined ? { retryInMs: e.retryInMs } : {}),
      ...(e.error ? { error: { ...e.error } } : {}),
      ...(warning ? { exposureWarning: warning } : {}),
      ...(bound !== undefined ? { boundPort: bound } : {}),
      saved: e.saved,
      secretStored: e.secretStored,
      ...e.counters,
      ...(e.startedAt !== undefined ? { startedAt: e.startedAt } : {}),
    };
  }

  list(): ForwardInfo[] {
    return [...this.entries.keys()].map((id) => this.info(id));
  }

  /** Open connections and recently closed ones, oldest first. */
  connections(id: string): ConnectionInfo[] {
    const e = this.get(id);
    return [...e.recent, ...e.active.values()].map((c) => structuredClone(c)).sort((a, b) => a.openedAt - b.openedAt);
  }

  /** Ports this engine listens on now (for tagging the socket table). */
  boundPorts(): Set<number> {
    const out = new Set<number>();
    for (const e of this.entries.values()) if (e.runner?.boundPort && e.spec.kind !== 'ssh-remote') out.add(e.runner.boundPort);
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((id) => this.stop(id).catch(() => undefined)));
    if (this.trafficTimer) clearInterval(this.trafficTimer);
    this.trafficTimer = undefined;
    this.batcher.stop();
  }

  private get(id: string): Entry {
    const entry = this.entries.get(id);
    if (!entry) throw new PortolanError('NOT_FOUND', `There is no forward with id ${id}.`);
    return entry;
  }

  private makeRunner(entry: Entry, secrets: ForwardSecrets | undefined): ForwardRunner {
    let runner: ForwardRunner | undefined;
    // State reports of a runner that was replaced (stopped, restarted) are ignored.
    const owner = this.ownerFor(entry, () => entry.runner === runner);
    const spec = entry.spec;
    switch (spec.kind) {
      case 'tcp':
        return (runner = new TcpForward(spec, owner));
      case 'udp':
        return (runner = new UdpForward(spec, owner));
      default:
        return (runner = new SshTunnel(spec, owner, {
          knownHostsFiles: this.options.knownHostsFiles,
          secrets,
          ...(this.options.sshReadyTimeoutMs ? { readyTimeoutMs: this.options.sshReadyTimeoutMs } : {}),
          ...(this.options.sshConfigFile ? { sshConfigFile: this.options.sshConfigFile } : {}),
        }));
    }
  }

  private ownerFor(entry: Entry, isCurrentRunner: () => boolean): ForwardOwner {
    const current = () => this.entries.get(entry.id) === entry && isCurrentRunner();
    const gates = this.gates;
    return {
      id: entry.id,
      get counters() {
        return entry.counters;
      },
      get gate() {
        return gates.get(entry.id);
      },
      setState: (state, extra) => {
        if (!current()) return;
        this.setState(entry, state, extra);
        if (state === 'failed' && entry.runner) {
          // A failed tunnel frees its listen port until the user starts it again.
          const runner = entry.runner;
          entry.runner = undefined;
          void runner.stop();
        }
      },
      opened: (connection) => {
        entry.counters.activeConnections++;
        entry.counters.totalConnections++;
        entry.active.set(connection.id, connection);
        this.options.emit('forwards.connection', { event: 'opened', connection: { ...connection } });
        this.markDirty(entry.id, false);
      },
      closed: (connection) => {
        if (!entry.active.delete(connection.id)) return;
        entry.counters.activeConnections--;
        this.remember(entry, connection);
        this.options.emit('forwards.connection', { event: 'closed', connection: { ...connection } });
        this.markDirty(entry.id, false);
      },
      refusedClient: (address, port, reason) => {
        const now = Date.now();
        const connection: ConnectionInfo = {
          id: `r${now}-${port}`,
          forwardId: entry.id,
          client: { address, port },
          target: { host: 'targetHost' in entry.spec ? entry.spec.targetHost : '', port: 'targetPort' in entry.spec ? entry.spec.targetPort : 0 },
          bytesIn: 0,
          bytesOut: 0,
          openedAt: now,
          closedAt: now,
          error: reason ?? { code: 'ALLOWLIST', message: `${address} is not in this forward's allowlist (${entry.spec.allow.join(', ')}): refused.` },
        };
        this.remember(entry, connection);
        this.options.emit('forwards.connection', { event: 'closed', connection });
        this.markDirty(entry.id, false);
      },
      hostKey: (prompt, key) => {
        entry.pendingKey = { prompt, key };
        this.options.emit('forwards.hostKey', prompt);
      },
    };
  }

  private remember(entry: Entry, connection: ConnectionInfo): void {
    entry.recent.push(connection);
    if (entry.recent.length > this.logSize) entry.recent.splice(0, entry.recent.length - this.logSize);
  }

  private setState(entry: Entry, state: ForwardState, extra?: { retryInMs?: number; error?: ForwardError }): void {
    entry.state = state;
    entry.retryInMs = state === 'retrying' ? extra?.retryInMs : undefined;
    if (extra?.error) entry.error = extra.error;
    else if (state === 'listening' || state === 'up' || state === 'connecting') {
      if (state !== 'connecting') entry.error = undefined;
    }
    this.markDirty(entry.id, true);
  }

  private markDirty(id: string, soon: boolean): void {
    // A state change goes out on the next turn through a ref'd setImmediate, so it is sent even
    // when it is the last thing left (a failed tunnel whose socket just closed: the CLI waits for it).
    this.changes.mark(id);
    this.batcher.schedule(soon);
  }

  private flush(): void {
    const { changed, removed } = this.changes.take();
    const forwards = changed.filter((id) => this.entries.has(id)).map((id) => this.info(id));
    if (forwards.length || removed.length) this.options.emit('forwards.changed', { forwards, removed });
  }

  private ensureTraffic(): void {
    if (this.trafficTimer) return;
    this.trafficTimer = setInterval(() => this.traffic(), this.options.trafficMs ?? 250);
    this.trafficTimer.unref();
  }

  private traffic(): void {
    const items: ForwardsTraffic['items'] = [];
    let running = 0;
    for (const e of this.entries.values()) {
      if (!e.runner) continue;
      running++;
      e.runner.syncCounters?.();
      const { bytesIn, bytesOut, activeConnections } = e.counters;
      const last = e.lastTraffic;
      if (bytesIn === last.bytesIn && bytesOut === last.bytesOut && activeConnections === last.active) continue;
      e.lastTraffic = { bytesIn, bytesOut, active: activeConnections };
      items.push({ id: e.id, bytesIn, bytesOut, active: activeConnections });
    }
    if (items.length) this.options.emit('forwards.traffic', { at: Date.now(), items });
    if (running === 0 && this.trafficTimer) {
      clearInterval(this.trafficTimer);
      this.trafficTimer = undefined;
    }
  }
}
