/**
 * Forwards as contract handlers: profiles saved in forwards.json, secrets in a SecretStore, the
 * engine's events on the bus, forwards with startWithApp started at launch, and the engine's
 * listening sockets named "forward" in the socket table.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Handlers, SocketRow } from '../contract/index.js';
import { PortolanError, toWireError } from '../contract/errors.js';
import { ForwardSpec, type ForwardCreateResult, type ForwardInfo, type ForwardSecrets, type SshHosts } from '../contract/forwards.js';
import { ForwardEngine } from '../engine/forwards/forward-engine.js';
import { hasSecret, MemorySecretStore, type SecretStore } from '../engine/forwards/secret-store.js';
import { defaultSshConfigFile, readSshConfig, type SshConfigView } from '../engine/ssh-config/ssh-config.js';
import type { EventBus } from './event-bus.js';
import { ForwardsStore } from './forwards-store.js';

type ForwardCallName =
  | 'forwards.list'
  | 'forwards.create'
  | 'forwards.update'
  | 'forwards.delete'
  | 'forwards.start'
  | 'forwards.stop'
  | 'forwards.duplicate'
  | 'forwards.export'
  | 'forwards.import'
  | 'forwards.connections'
  | 'forwards.hostKey.accept'
  | 'ssh.hosts';

/** How the service is set up. */
export interface ForwardsServiceOptions {
  bus: EventBus;
  dataDir: string;
  /** forwards.json opened already (by the composition, which reads every file at start); else opened in dataDir. */
  store?: ForwardsStore;
  /** Secrets store; memory when omitted (serve, CLI). The desktop app passes an encrypted one. */
  secrets?: SecretStore;
  /** The user's known_hosts files; default ~/.ssh/known_hosts. */
  userKnownHosts?: string[];
  /** Start forwards marked startWithApp (default true; the CLI's one-shot commands pass false). */
  autoStart?: boolean;
  /** The user's ssh config whose Host aliases tunnels resolve; default ~/.ssh/config. */
  sshConfigFile?: string;
}

const newId = () => `f-${randomBytes(5).toString('hex')}`;

/** The forwards part of the app. */
export class ForwardsService {
  readonly engine: ForwardEngine;
  readonly store: ForwardsStore;
  readonly secrets: SecretStore;
  readonly handlers: Pick<Handlers, ForwardCallName>;
  /** Specs of saved forwards, in the order the user made them. */
  private readonly saved = new Map<string, ForwardSpec>();
  private readonly order: string[] = [];

  constructor(private readonly options: ForwardsServiceOptions) {
    this.secrets = options.secrets ?? new MemorySecretStore();
    this.store = options.store ?? new ForwardsStore(path.join(options.dataDir, 'forwards.json'));
    this.engine = new ForwardEngine({
      emit: (event, payload) => options.bus.emit(event, payload as never),
      secrets: this.secrets,
      knownHostsFiles: [...(options.userKnownHosts ?? [path.join(os.homedir(), '.ssh', 'known_hosts')]), this.knownHostsFile],
      acceptedKnownHosts: this.knownHostsFile,
      sshConfigFile: this.sshConfigFile,
    });
    this.handlers = {
      'forwards.list': async () => this.state(),
      'forwards.create': async ({ spec, start, save, onlyIfStarted, secrets }) => this.create(spec, { start, save, onlyIfStarted, secrets }),
      'forwards.update': async ({ id, spec, secrets }) => {
        this.requireKnown(id);
        this.checkName(spec.name, id);
        // A forwards file that must not be written refuses before anything changes.
        if (this.saved.has(id)) this.store.data.assertWritable();
        if (secrets) {
          await this.secrets.set(id, secrets);
          this.engine.markSecret(id, hasSecret(secrets));
        }
        if (this.saved.has(id)) {
          this.saved.set(id, spec);
          await this.persist();
        }
        return this.engine.replace(id, spec);
      },
      'forwards.delete': async ({ id }) => {
        this.requireKnown(id);
        if (this.saved.has(id)) this.store.data.assertWritable();
        await this.engine.remove(id);
        await this.secrets.delete(id);
        if (this.saved.delete(id)) {
          this.order.splice(this.order.indexOf(id), 1);
          await this.persist();
        }
        return { deleted: true as const };
      },
      'forwards.start': async ({ id, secrets }) => this.engine.start(id, secrets),
      'forwards.stop': async ({ id }) => this.engine.stop(id),
      'forwards.duplicate': async ({ id }) => {
        const source = this.engine.info(id).spec;
        const copy = { ...source, name: this.uniqueName(`${source.name} (copy)`), startWithApp: false };
        if (copy.kind !== 'ssh-remote' && copy.listenPort !== 0) copy.listenPort = 0;
        return this.add(ForwardSpec.parse(copy), { save: true });
      },
      'forwards.export': async ({ ids }) => {
        const chosen = ids ?? this.order;
        for (const id of chosen) this.requireKnown(id);
        return { format: 'portolan-forwards' as const, version: 1 as const, forwards: chosen.map((id) => this.engine.info(id).spec) };
      },
      'forwards.import': async ({ forwards }) => {
        const imported: ForwardInfo[] = [];
        for (const spec of forwards) {
          imported.push(await this.add({ ...spec, name: this.uniqueName(spec.name) }, { save: true }));
        }
        return { imported };
      },
      'forwards.connections': async ({ id }) => ({ connections: this.engine.connections(id) }),
      'forwards.hostKey.accept': async ({ forwardId, fingerprint }) => this.engine.acceptHostKey(forwardId, fingerprint),
      'ssh.hosts': async () => sshHosts(readSshConfig(this.sshConfigFile)),
    };
  }

  /** The user's ssh config file. */
  get sshConfigFile(): string {
    return this.options.sshConfigFile ?? defaultSshConfigFile();
  }

  /** Portolan's own known_hosts (accepted host keys). */
  get knownHostsFile(): string {
    return path.join(this.options.dataDir, 'known_hosts');
  }

  /** Loads the profiles and starts those marked startWithApp (failures show as state "failed"). */
  async init(): Promise<void> {
    for (const { id, spec } of await this.store.load()) {
      if (this.saved.has(id)) continue;
      this.saved.set(id, spec);
      this.order.push(id);
      this.engine.add(id, spec, true, hasSecret(await this.secrets.get(id)));
    }
    if (this.options.autoStart === false) return;
    await Promise.all(this.order.filter((id) => this.saved.get(id)?.startWithApp).map((id) => this.engine.start(id).catch(() => undefined)));
  }

  /** The whole state once. */
  state() {
    return { forwards: this.engine.list(), path: this.store.file, ...(this.store.problem ? { problem: this.store.problem } : {}) };
  }

  /** Finds a forward by id or by name (the CLI's way). */
  find(idOrName: string): ForwardInfo | undefined {
    const all = this.engine.list();
    return all.find((f) => f.id === idOrName) ?? all.find((f) => f.spec.name === idOrName);
  }

  /**
   * forwards.create: adds the forward and, when asked, starts it. A start failure is an answer
   * (`startError`), not a thrown error: with `onlyIfStarted` nothing is kept, otherwise the forward
   * stays (saved when asked) in state failed.
   */
  private async create(spec: ForwardSpec, how: { start: boolean; save: boolean; onlyIfStarted: boolean; secrets?: ForwardSecrets }): Promise<ForwardCreateResult> {
    if (how.start && how.onlyIfStarted) return this.createIfStarts(spec, how);
    const info = await this.add(spec, how);
    if (!how.start) return { info };
    try {
      return { info: await this.engine.start(info.id) };
    } catch (err) {
      return { info: this.engine.info(info.id), startError: toWireError(err) };
    }
  }

  /** Adds a stopped forward (saved in the file when asked), with its secrets. */
  private async add(spec: ForwardSpec, how: { save: boolean; secrets?: ForwardSecrets }): Promise<ForwardInfo> {
    this.checkName(spec.name);
    const id = newId();
    if (how.secrets) await this.secrets.set(id, how.secrets);
    if (how.save) await this.saveNew(id, spec);
    this.engine.add(id, spec, how.save, hasSecret(how.secrets));
    return this.engine.info(id);
  }

  /** Adds a new forward to the file; on failure only this forward comes out (saves coalesce, so others may have joined the same write). */
  private async saveNew(id: string, spec: ForwardSpec): Promise<void> {
    this.saved.set(id, spec);
    this.order.push(id);
    try {
      await this.persist();
    } catch (err) {
      this.saved.delete(id);
      this.order.splice(this.order.indexOf(id), 1);
      if (err instanceof PortolanError) throw err;
      throw new PortolanError('INTERNAL', `The forward could not be saved in ${this.store.file}: ${(err as Error).message}.`);
    }
  }

  /**
   * Starts a new forward and keeps it only once it runs (saved when asked); a failed start leaves
   * no forward, no secret and no file change, and answers why.
   */
  private async createIfStarts(spec: ForwardSpec, how: { save: boolean; secrets?: ForwardSecrets }): Promise<ForwardCreateResult> {
    this.checkName(spec.name);
    // Refuse before starting when the file could not take it anyway.
    if (how.save) this.store.data.assertWritable();
    const id = newId();
    if (how.secrets) await this.secrets.set(id, how.secrets);
    this.engine.add(id, spec, how.save, hasSecret(how.secrets));
    const forget = async () => {
      await this.engine.remove(id);
      await this.secrets.delete(id);
    };
    try {
      await this.engine.start(id);
    } catch (err) {
      await forget();
      return { startError: toWireError(err) };
    }
    if (how.save) {
      try {
        await this.saveNew(id, spec);
      } catch (err) {
        await forget();
        throw err;
      }
    }
    // Read after the save: an SSH tunnel may have moved on meanwhile (failed on an unknown host key...).
    return { info: this.engine.info(id) };
  }

  private requireKnown(id: string): void {
    if (!this.engine.has(id)) throw new PortolanError('NOT_FOUND', `There is no forward with id ${id}.`);
  }

  private checkName(name: string, exceptId?: string): void {
    const clash = this.engine.list().find((f) => f.spec.name === name && f.id !== exceptId);
    if (clash) throw new PortolanError('INVALID_INPUT', `spec.name: A forward named "${name}" exists already; choose another name.`, ['spec', 'name']);
  }

  private uniqueName(name: string): string {
    const names = new Set(this.engine.list().map((f) => f.spec.name));
    if (!names.has(name)) return name;
    for (let i = 2; ; i++) if (!names.has(`${name} (${i})`)) return `${name} (${i})`;
  }

  private persist(): Promise<void> {
    // The list is built when the write starts, not per call: a burst of creates builds it twice, not once each.
    return this.store.save(() => this.order.map((id) => ({ id, spec: this.saved.get(id)! })));
  }

  /** "forward" for a listening socket of this process that a forward holds. */
  tag(row: SocketRow): 'forward' | undefined {
    if (row.state !== 'LISTEN' && row.state !== 'UNCONN') return undefined;
    return this.engine.boundPorts().has(row.localPort) ? 'forward' : undefined;
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}

/** Aliases offered at most (a generated config can hold thousands; the field's list stays usable). */
const MAX_ALIASES = 1000;

/** The ssh.hosts answer from a read config. */
export function sshHosts(config: SshConfigView): SshHosts {
  return {
    file: config.file,
    hosts: config.aliases.slice(0, MAX_ALIASES).map((alias) => {
      const c = config.resolve(alias);
      return {
        alias,
        hostName: c.hostName,
        ...(c.user ? { user: c.user } : {}),
        ...(c.port !== undefined ? { port: c.port } : {}),
        ...(c.identityFiles[0] ? { identityFile: c.identityFiles[0] } : {}),
        ...(c.proxyJump ? { proxyJump: c.proxyJump } : {}),
      };
    }),
    problems: config.problems,
  };
}
