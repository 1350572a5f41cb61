/**
 * Port knocking as contract handlers: the knock client (steps reported as `knock.step`), saved
 * profiles and guard specs (knock.json beside the settings, written atomically), knockd.conf
 * import/export, and guards that gate Portolan listeners and forwards that listen on this machine (TCP, UDP, SSH -L/-D). Guards are not
 * restarted on load: the listener ids they target belong to one run, so saved guards come back
 * stopped.
 */
import { randomUUID } from 'node:crypto';
import { PortolanError } from '../contract/errors.js';
import { GuardSpec, KnockProfile } from '../contract/knock.js';
import type { ForwardInfo, GuardInfo, Handlers, KnockAttempt, ParsedGuardSpec } from '../contract/index.js';
import { sendKnock } from '../engine/knock/knock-client.js';
import { KnockGuard } from '../engine/knock/knock-guard.js';
import { exportKnockd, importKnockd, type ExportItem } from '../engine/knock/knockd-conf.js';
import type { AccessGate } from '../engine/access-gate.js';
import type { ListenerEngine } from '../engine/listeners/listener-engine.js';
import type { DataFile } from './data-file.js';
import type { EventBus } from './event-bus.js';
import { knockDataFile, type KnockFile, type SavedGuard } from './knock-file.js';

type KnockCalls =
  | 'knock.send'
  | 'knock.profiles.list'
  | 'knock.profiles.save'
  | 'knock.profiles.delete'
  | 'knock.importKnockd'
  | 'knock.exportKnockd'
  | 'knock.guards.list'
  | 'knock.guards.create'
  | 'knock.guards.start'
  | 'knock.guards.stop'
  | 'knock.guards.delete'
  | 'knock.log';

/** The forwards a guard can gate (the forward engine's side of it). */
export interface GuardableForwards {
  list(): ForwardInfo[];
  setAccessGate(id: string, gate: AccessGate | undefined): void;
}

/** How the knock service runs. */
export interface KnockServiceOptions {
  /** Where profiles and guard specs are kept. */
  file: string;
  /** knock.json opened already (by the composition, which reads every file at start); else opened from `file`. */
  data?: DataFile<KnockFile>;
  /** The listeners that guards gate. */
  listeners: ListenerEngine;
  /** The forwards that guards gate; without it, a guard on a forward fails to start. */
  forwards?: GuardableForwards;
  /** Log entries kept in memory. */
  logSize?: number;
}

/** A guard's target, resolved: where its knock ports go by default, and how to put its gate on. */
interface ResolvedTarget {
  /** "listener L1" / "forward f-2": also what makes two guards on one target collide. */
  key: string;
  host: string;
  setGate(gate: AccessGate | undefined): void;
}

const targetKey = (t: ParsedGuardSpec['target']) => (t.kind === 'listener' ? `listener ${t.listenerId}` : `forward ${t.forwardId}`);

interface GuardEntry {
  spec: SavedGuard;
  state: GuardInfo['state'];
  error?: { code: string; message: string };
  runtime?: KnockGuard;
}

/** The knocking part of the app. */
export class KnockService {
  readonly handlers: Pick<Handlers, KnockCalls>;
  private readonly profiles = new Map<string, KnockProfile>();
  private readonly guards = new Map<string, GuardEntry>();
  private readonly log: KnockAttempt[] = [];
  private pendingAttempts: KnockAttempt[] = [];
  private attemptTimer: NodeJS.Timeout | undefined;
  private changeTimer: NodeJS.Timeout | undefined;
  private loaded: Promise<void> | undefined;
  /** knock.json: profiles and guard specs. */
  readonly data: DataFile<KnockFile>;
  private nextId = { K: 0, G: 0 };

  constructor(
    private readonly bus: EventBus,
    private readonly options: KnockServiceOptions,
  ) {
    this.data = options.data ?? knockDataFile(options.file);
    const ready =
      <I, O>(fn: (input: I) => Promise<O> | O) =>
      async (input: I): Promise<O> => {
        await this.load();
        return fn(input);
      };
    // Calls that change the file refuse before changing anything when it must not be written.
    const writing = <I, O>(fn: (input: I) => Promise<O>) =>
      ready((input: I) => {
        this.data.assertWritable();
        return fn(input);
      });
    this.handlers = {
      'knock.send': async ({ runId, ...rest }) => {
        const id = runId ?? randomUUID();
        return sendKnock({ ...rest, runId: id }, (index, r) =>
          this.bus.emit('knock.step', {
            runId: id,
            index,
            step: { port: r.port, protocol: r.protocol },
            outcome: r.outcome,
            ...(r.error ? { error: r.error } : {}),
            sentAt: r.sentAt,
            attempt: r.attempt,
          }),
        );
      },
      'knock.profiles.list': ready(() => [...this.profiles.values()]),
      'knock.profiles.save': writing(async (input) => {
        if (input.id !== undefined && !this.profiles.has(input.id)) throw new PortolanError('NOT_FOUND', `There is no knock profile ${input.id}: save it without an id to add it.`);
        const profile = KnockProfile.parse({ ...input, id: input.id ?? this.newId('K') });
        this.profiles.set(profile.id, profile);
        await this.save();
        return profile;
      }),
      'knock.profiles.delete': writing(async ({ id }) => {
        if (!this.profiles.delete(id)) throw new PortolanError('NOT_FOUND', `There is no knock profile ${id}.`);
        await this.save();
        return { deleted: true as const };
      }),
      'knock.importKnockd': async ({ text, files }) => importKnockd(text, files),
      'knock.exportKnockd': ready(({ ids }) => {
        const items: ExportItem[] = ids.map((id) => {
          const profile = this.profiles.get(id);
          if (profile) return { kind: 'profile', profile };
          const guard = this.guards.get(id);
          if (guard) return { kind: 'guard', guard: guard.spec };
          throw new PortolanError('NOT_FOUND', `There is no knock profile or guard ${id} to export.`);
        });
        return { text: exportKnockd(items) };
      }),
      'knock.guards.list': ready(() => this.guardInfos()),
      'knock.guards.create': writing(async ({ start, ...input }) => {
        const spec: SavedGuard = { ...GuardSpec.parse(input), id: this.newId('G') };
        const entry: GuardEntry = { spec, state: 'stopped' };
        this.guards.set(spec.id, entry);
        await this.save();
        if (start) {
          try {
            await this.start(entry);
          } catch (err) {
            // A guard that cannot start is not kept half-made: creating it failed, and its gate comes off.
            await this.detach(entry);
            this.guards.delete(spec.id);
            await this.save();
            throw err;
          }
        }
        this.changed();
        return this.info(entry);
      }),
      'knock.guards.start': ready(async ({ id }) => {
        const entry = this.requireGuard(id);
        await this.start(entry);
        this.changed();
        return this.info(entry);
      }),
      'knock.guards.stop': ready(async ({ id }) => {
        const entry = this.requireGuard(id);
        await entry.runtime?.stop();
        entry.state = 'stopped';
        delete entry.error;
        this.changed();
        return this.info(entry);
      }),
      'knock.guards.delete': writing(async ({ id }) => {
        const entry = this.requireGuard(id);
        await this.detach(entry);
        this.guards.delete(id);
        await this.save();
        this.changed();
        return { deleted: true as const };
      }),
      'knock.log': async ({ guardId, limit }) => {
        const list = guardId ? this.log.filter((a) => a.guardId === guardId) : this.log;
        return list.slice(-limit);
      },
    };
  }

  private newId(kind: 'K' | 'G'): string {
    return `${kind}${++this.nextId[kind]}`;
  }

  private requireGuard(id: string): GuardEntry {
    const entry = this.guards.get(id);
    if (!entry) throw new PortolanError('NOT_FOUND', `There is no knock guard ${id}.`);
    return entry;
  }

  /** The guard's target as it is now; NOT_FOUND when it is gone, INVALID_INPUT when it cannot be gated. */
  private resolveTarget(target: ParsedGuardSpec['target']): ResolvedTarget {
    const key = targetKey(target);
    if (target.kind === 'listener') {
      const { listenerId } = target;
      const listener = this.options.listeners.list().listeners.find((l) => l.id === listenerId);
      if (!listener) throw new PortolanError('NOT_FOUND', `There is no listener ${listenerId} to guard: open it first (listener ids change every run).`);
      return { key, host: listener.host, setGate: (gate) => this.options.listeners.setAccessGate(listenerId, gate) };
    }
    const { forwardId } = target;
    const forwards = this.options.forwards;
    const forward = forwards?.list().find((f) => f.id === forwardId);
    if (!forwards || !forward) throw new PortolanError('NOT_FOUND', `There is no forward ${forwardId} to guard: create it in Forwards first.`);
    if (forward.spec.kind === 'ssh-remote') {
      throw new PortolanError(
        'INVALID_INPUT',
        `Forward ${forwardId} is an SSH -R forward: its clients connect to the SSH server, out of reach of knock ports on this machine. Guard a forward that listens here (TCP, UDP, SSH -L or -D).`,
      );
    }
    return { key, host: forward.spec.listenHost, setGate: (gate) => forwards.setAccessGate(forwardId, gate) };
  }

  /** Binds the knock ports and gates the target; a failure leaves the guard failed (and the gate shut if it was on). */
  private async start(entry: GuardEntry): Promise<void> {
    const { spec } = entry;
    try {
      const target = this.resolveTarget(spec.target);
      for (const other of this.guards.values()) {
        if (other !== entry && other.state === 'armed' && targetKey(other.spec.target) === target.key) {
          throw new PortolanError('INVALID_INPUT', `The ${target.key} is already guarded by ${other.spec.id} (${other.spec.name}): stop that guard first.`);
        }
      }
      entry.runtime ??= new KnockGuard({
        spec,
        onAttempt: (a) => this.attempt(a),
        onChange: () => this.changed(),
        onCommandError: (message) => {
          entry.error = { code: 'COMMAND_FAILED', message };
          this.changed();
        },
      });
      // The gate goes on before the knock ports open: the target never accepts an unknocked source.
      target.setGate(entry.runtime.gate);
      await entry.runtime.start(spec.host ?? target.host);
      entry.state = 'armed';
      delete entry.error;
    } catch (err) {
      entry.state = 'failed';
      entry.error = err instanceof PortolanError ? err.toWire() : { code: 'INTERNAL', message: (err as Error).message };
      this.changed();
      throw err;
    }
  }

  /** Stops the guard and takes its gate off the target (which then accepts everyone again). */
  private async detach(entry: GuardEntry): Promise<void> {
    await entry.runtime?.stop();
    if (entry.runtime) {
      const t = entry.spec.target;
      try {
        // Not through resolveTarget: a gate comes off even a forward that is no longer TCP.
        if (t.kind === 'listener') this.options.listeners.setAccessGate(t.listenerId, undefined);
        else this.options.forwards?.setAccessGate(t.forwardId, undefined);
      } catch {
        // The target is gone already (its gate went with it).
      }
    }
  }

  private info(entry: GuardEntry): GuardInfo {
    const r = entry.runtime;
    return {
      id: entry.spec.id,
      spec: entry.spec,
      state: entry.state,
      ...(entry.error ? { error: entry.error } : {}),
      boundPorts: entry.state === 'armed' && r ? r.bound.map((b) => ({ ...b })) : [],
      openSources: r ? r.openSources() : [],
      refused: r?.refused ?? 0,
      opened: r?.opened ?? 0,
    };
  }

  private guardInfos(): GuardInfo[] {
    return [...this.guards.values()].map((g) => this.info(g));
  }

  private attempt(a: KnockAttempt): void {
    this.log.push(a);
    const max = this.options.logSize ?? 1000;
    if (this.log.length > max) this.log.splice(0, this.log.length - max);
    this.pendingAttempts.push(a);
    // Batched: a flood of knocks is one event per 50 ms, at most 500 entries (the rest are in knock.log).
    this.attemptTimer ??= setTimeout(() => this.flushAttempts(), 50);
  }

  private flushAttempts(): void {
    this.attemptTimer = undefined;
    const attempts = this.pendingAttempts.slice(-500);
    this.pendingAttempts = [];
    if (attempts.length) this.bus.emit('knock.attempt', { attempts });
  }

  /** Reports the guards (coalesced: one event per 50 ms at most). */
  private changed(): void {
    this.changeTimer ??= setTimeout(() => {
      this.changeTimer = undefined;
      this.bus.emit('knock.guards.changed', { guards: this.guardInfos() });
    }, 50);
  }

  /** Reads the saved profiles and guard specs once (a missing file means none; a damaged one is reported). */
  load(): Promise<void> {
    this.loaded ??= this.data.read().then((data) => {
      for (const p of data.profiles) this.profiles.set(p.id, p);
      for (const g of data.guards) this.guards.set(g.id, { spec: g, state: 'stopped' });
      const max = (kind: 'K' | 'G', ids: Iterable<string>) => {
        for (const id of ids) {
          const n = Number(id.slice(1));
          if (id.startsWith(kind) && Number.isInteger(n)) this.nextId[kind] = Math.max(this.nextId[kind], n);
        }
      };
      max('K', this.profiles.keys());
      max('G', this.guards.keys());
    });
    return this.loaded;
  }

  /** Writes profiles and guard specs (atomic, coalesced: the newest state when the write starts). */
  private save(): Promise<void> {
    return this.data.save(() => `${JSON.stringify({ profiles: [...this.profiles.values()], guards: [...this.guards.values()].map((g) => g.spec) }, null, 2)}\n`);
  }

  /** Stops every guard (their gates stay shut until the listeners close) and waits for the file. */
  async close(): Promise<void> {
    await Promise.all([...this.guards.values()].map((g) => g.runtime?.stop()));
    if (this.attemptTimer) clearTimeout(this.attemptTimer);
    if (this.changeTimer) clearTimeout(this.changeTimer);
    this.attemptTimer = undefined;
    this.changeTimer = undefined;
    await this.data.flush();
  }
}
