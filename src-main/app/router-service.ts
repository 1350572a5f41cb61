/**
 * Router port mappings as contract handlers. The engine's changes go to the bus as
 * `router.changed`; Portolan's own mappings are kept in a file beside the settings
 * (router-mappings.json, written atomically), so that the CLI and later runs know which mappings
 * are Portolan's, how to renew them (PCP nonce) and which to remove on quit.
 */
import { readFile } from 'node:fs/promises';
import type { Handlers } from '../contract/index.js';
import { NatEngine, type NatEngineOptions, type OwnedMapping } from '../engine/nat/nat-engine.js';
import { writeFileAtomic } from './atomic-write.js';
import type { EventBus } from './event-bus.js';

type RouterCalls = 'router.discover' | 'router.mappings' | 'router.add' | 'router.remove';

/** How the app's router service runs. */
export interface RouterServiceOptions {
  /** Where Portolan's own mappings are remembered. */
  file: string;
  /** Renew mappings while the app runs (the desktop app and serve: yes; one CLI command: no). */
  keepAlive: boolean;
  /** Engine settings (tests point the engine at a fake router on 127.0.0.1). */
  engine?: Omit<NatEngineOptions, 'onChange' | 'keepAlive'>;
}

/** The router part of the app. */
export class RouterService {
  readonly engine: NatEngine;
  readonly handlers: Pick<Handlers, RouterCalls>;
  private loaded: Promise<void> | undefined;
  private saving: Promise<unknown> = Promise.resolve();

  constructor(
    bus: EventBus,
    private readonly options: RouterServiceOptions,
  ) {
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

  /** Reads the remembered mappings once (a missing or damaged file means none). */
  private load(): Promise<void> {
    this.loaded ??= readFile(this.options.file, 'utf8')
      .then((text) => {
        const records = JSON.parse(text) as { mappings?: OwnedMapping[] };
        if (Array.isArray(records.mappings)) this.engine.adopt(records.mappings);
      })
      .catch(() => undefined);
    return this.loaded;
  }

  /** Writes Portolan's mappings (serialized, atomic). */
  private save(): void {
    if (!this.loaded) return;
    const text = `${JSON.stringify({ mappings: this.engine.ownedMappings() }, null, 2)}\n`;
    this.saving = this.saving.then(() => writeFileAtomic(this.options.file, text)).catch(() => undefined);
  }

  /** Stops renewals and removes the mappings marked removeOnQuit; waits for the file. */
  async close(): Promise<void> {
    if (this.loaded) await this.loaded;
    await this.engine.close();
    await this.saving;
  }
}
