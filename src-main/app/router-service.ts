/**
 * Router port mappings as contract handlers. The engine's changes go to the bus as
 * `router.changed`; Portolan's own mappings are kept in a file beside the settings
 * (router-mappings.json, written atomically), so that the CLI and later runs know which mappings
 * are Portolan's, how to renew them (PCP nonce) and which to remove on quit.
 */
import { PortolanError } from '../contract/errors.js';
import type { Handlers } from '../contract/index.js';
import { NatEngine, type NatEngineOptions, type OwnedMapping } from '../engine/nat/nat-engine.js';
import type { DataFile } from './data-file.js';
import type { EventBus } from './event-bus.js';
import type { ProblemSink } from './problem-log.js';
import { routerMappingsFile } from './router-file.js';

type RouterCalls = 'router.discover' | 'router.mappings' | 'router.add' | 'router.remove';

/** How the app's router service runs. */
export interface RouterServiceOptions {
  /** Where Portolan's own mappings are remembered. */
  file: string;
  /** router-mappings.json opened already (by the composition, which reads every file at start); else opened from `file`. */
  data?: DataFile<OwnedMapping[]>;
  /** Renew mappings while the app runs (the desktop app and serve: yes; one CLI command: no). */
  keepAlive: boolean;
  /** Engine settings (tests point the engine at a fake router on 127.0.0.1). */
  engine?: Omit<NatEngineOptions, 'onChange' | 'keepAlive'>;
  /** Where problems with the file go (a damaged file kept aside, a failed save). */
  problems?: ProblemSink;
}

/** The router part of the app. */
export class RouterService {
  readonly engine: NatEngine;
  readonly handlers: Pick<Handlers, RouterCalls>;
  /** router-mappings.json. */
  readonly data: DataFile<OwnedMapping[]>;
  private records: Promise<OwnedMapping[]> | undefined;
  private loaded: Promise<void> | undefined;

  constructor(
    bus: EventBus,
    private readonly options: RouterServiceOptions,
  ) {
    this.data = options.data ?? routerMappingsFile(options.file, options.problems);
    this.engine = new NatEngine({
      ...options.engine,
      keepAlive: options.keepAlive,
      onChange: (change) => {
        bus.emit('router.changed', change);
        this.save();
      },
    });
    const ready = <T>(fn: () => Promise<T>) => async () => {
      await this.load();
      return fn();
    };
    this.handlers = {
      'router.discover': () => ready(() => this.engine.discover())(),
      'router.mappings': () => ready(() => this.engine.list())(),
      'router.add': (spec) => ready(() => this.engine.add(spec))(),
      'router.remove': async (ref) => {
        await this.load();
        await this.engine.remove(ref);
        return { removed: true as const };
      },
    };
    // Mappings a previous run made must be renewed even if nobody opens the Router view or calls
    // the router: reading the file schedules their renewals (nothing is sent when there are none).
    if (options.keepAlive) void this.load();
  }

  /** Reads the file once (a missing file means no mappings; a damaged one is reported). */
  readFile(): Promise<OwnedMapping[]> {
    this.records ??= this.data.read();
    return this.records;
  }

  /** Takes the remembered mappings over once (their renewals start when keepAlive is on). */
  private load(): Promise<void> {
    this.loaded ??= this.readFile().then((mappings) => this.engine.adopt(mappings));
    return this.loaded;
  }

  /** Writes Portolan's mappings (atomic, coalesced); a failure goes to the problem list, as nobody awaits it. */
  private save(): void {
    if (!this.loaded) return;
    this.data
      .save(() => `${JSON.stringify({ mappings: this.engine.ownedMappings() }, null, 2)}\n`)
      .catch((err: unknown) =>
        this.options.problems?.report(
          err instanceof PortolanError ? err.message : `Portolan's router mappings could not be saved in ${this.options.file} (${(err as Error).message}).`,
        ),
      );
  }

  /** Stops renewals and removes the mappings marked removeOnQuit; waits for the file. */
  async close(): Promise<void> {
    if (this.loaded) await this.loaded;
    await this.engine.close();
    await this.data.flush();
  }
}
