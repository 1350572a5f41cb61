/**
 * The composition of the engine into one object that implements the contract. Every face (the
 * Electron window through IPC, the browser through the web transport, the CLI directly) uses it.
 */
import os from 'node:os';
import path from 'node:path';
import type { Handlers, SettingsState, SystemInfo } from '../contract/index.js';
import { checkBind } from '../engine/sockets/bind-check.js';
import { loadDictionary } from '../engine/dictionary/load.js';
import { readEphemeralRange } from '../engine/system/ephemeral-range.js';
import { ReverseDnsCache } from '../engine/net/reverse-dns.js';
import { resolveHost } from '../engine/net/resolve.js';
import { selectSocketProvider } from '../engine/sockets/select-provider.js';
import { createSocketsService } from './sockets-service.js';
import { dispatch, type CallResult } from './dispatch.js';
import { removeOrphanTemps } from './atomic-write.js';
import { EventBus } from './event-bus.js';
import { ExposureService, type ExposureServiceOptions } from './exposure-service.js';
import { ForwardsService, type ForwardsServiceOptions } from './forwards-service.js';
import { KnockService } from './knock-service.js';
import { loadLearnCards } from './learn-cards.js';
import { ProblemLog } from './problem-log.js';
import { carryProblems } from './problem-notices.js';
import { RouterService, type RouterServiceOptions } from './router-service.js';
import { ScanService } from './scan-service.js';
import { EncryptedFileSecretStore } from './secret-file-store.js';
import { SettingsStore } from './settings-store.js';
import { createSessionsService } from './sessions-service.js';
import { APP_VERSION } from './version.js';

/** Where the app finds its data and keeps the user's. */
export interface AppOptions {
  /** Folder of the project's curated data (assets/). */
  assetsDir: string;
  /** Folder for the user's settings and saved profiles. */
  dataDir: string;
  /** Which face serves this app; reported by system.info. */
  transport: SystemInfo['transport'];
  /** Heartbeat period in ms; 0 turns it off (the CLI needs none). */
  heartbeatMs?: number;
  /** Router engine settings; tests point it at a fake router on 127.0.0.1 (default: the real gateway). */
  router?: RouterServiceOptions['engine'];
  /** Forwards: the secret store (the desktop app passes an encrypted one), known_hosts files, auto-start. */
  forwards?: Pick<ForwardsServiceOptions, 'secrets' | 'userKnownHosts' | 'autoStart' | 'sshConfigFile'>;
  /** Exposure: how nft runs, whether this is root, the firewall and interfaces (tests use a stand-in or a namespace). */
  exposure?: Pick<ExposureServiceOptions, 'run' | 'uid' | 'readFirewall' | 'interfaces'>;
}

/** The running app: the contract's handlers, the event bus, and a lifecycle. */
export interface PortolanApp {
  readonly handlers: Handlers;
  readonly bus: EventBus;
  /** Runs a call by name with untrusted input (what transports use). */
  invoke(name: string, input: unknown): Promise<CallResult>;
  /** Problems met with the user's saved files this run (the CLI prints them, the app shows them). */
  readonly problems: ProblemLog;
  /** Stops timers and releases everything the app holds. */
  close(): Promise<void>;
}

/** Builds the app. Loading the dictionary is the only slow step (tens of ms). */
export async function createApp(options: AppOptions): Promise<PortolanApp> {
  const bus = new EventBus();
  const [dictionary, learnCards, ephemeral] = await Promise.all([
    loadDictionary(options.assetsDir),
    loadLearnCards(options.assetsDir),
    readEphemeralRange(),
  ]);
  // Temporaries of a write that was killed before its rename: never the only copy of anything.
  await Promise.all([options.dataDir, path.join(options.dataDir, 'scans')].map((dir) => removeOrphanTemps(dir)));
  const problems = new ProblemLog();
  const settings = new SettingsStore(path.join(options.dataDir, 'settings.json'));
  settings.data.reportTo(problems);
  await settings.load();
  const sessions = createSessionsService(bus);
  const scanner = await ScanService.create({ bus, dictionary, assetsDir: options.assetsDir, dataDir: options.dataDir, version: APP_VERSION, problems });
  // Router mappings: renewed while a window or serve runs; one CLI command ('direct') does not renew.
  const router = new RouterService(bus, { file: path.join(options.dataDir, 'router-mappings.json'), keepAlive: options.transport !== 'direct', engine: options.router, problems });
  // Forwards marked startWithApp start with the desktop app and serve, not with one CLI command.
  const forwards = new ForwardsService({ bus, dataDir: options.dataDir, autoStart: options.transport !== 'direct', ...options.forwards });
  forwards.store.data.reportTo(problems);
  if (forwards.secrets instanceof EncryptedFileSecretStore) forwards.secrets.reportTo(problems);
  await forwards.init();
  // After the forwards: a guard may gate a forward (TCP, UDP, SSH -L/-D) as well as a listener.
  const knock = new KnockService(bus, { file: path.join(options.dataDir, 'knock.json'), listeners: sessions.engine, forwards: forwards.engine });
  knock.data.reportTo(problems);
  // Every file is read now, so that its problems are told at start (by the CLI, in the status bar),
  // not when a view first asks for it.
  await Promise.all([router.readFile(), knock.load(), forwards.secrets instanceof EncryptedFileSecretStore ? forwards.secrets.load() : undefined]);
  // One CLI command keeps what it found for the next window; a window (or serve) shows what earlier commands found.
  const noticesWritten = await carryProblems(options.dataDir, problems, options.transport === 'direct' ? 'keeps' : 'shows');
  // The engine's own sockets are tagged: listeners and their sessions precisely, the rest
  // (the web transport...) as 'portolan'.
  const sockets = createSocketsService(bus, selectSocketProvider(), (row) => (row.pid === process.pid ? (sessions.tag(row) ?? forwards.tag(row) ?? 'portolan') : undefined));
  const reverseDns = new ReverseDnsCache();

  const withProblems = (state: SettingsState): SettingsState => {
    const list = problems.list();
    return list.length ? { ...state, problems: list } : state;
  };

  const listening = async () => (await sockets.handlers['sockets.snapshot']({ listeningOnly: true })).rows;
  const exposure = new ExposureService({ listening, mappings: () => router.handlers['router.mappings']({}), knownMappings: () => router.engine.snapshot(),
    baselineFile: path.join(options.dataDir, 'exposure-baseline.json'),
    problems,
    onAlert: (diff) => bus.emit('exposure.changed', diff),
    ...options.exposure,
  });
  const offSocketsAdded = bus.on('sockets.diff', ({ added }) => exposure.socketsAdded(added));

  const handlers: Handlers = {
    'dictionary.lookup': async (q) => dictionary.lookup(q),
    'dictionary.card': async ({ port }) => dictionary.card(port, ephemeral),
    'dictionary.bindCheck': async (q) => checkBind(q),
    'dictionary.summaries': async ({ ports }) => dictionary.summaries(ports),
    'learn.cards': async () => learnCards,
    'system.info': async () => ({
      version: APP_VERSION,
      platform: process.platform,
      hostname: os.hostname(),
      node: process.versions.node,
      transport: options.transport,
      ephemeral,
      dictionarySize: dictionary.size,
    }),
    'dns.reverse': async ({ addresses }) => reverseDns.names(addresses),
    'dns.resolve': async ({ host }) => ({ addresses: await resolveHost(host) }),
    'settings.get': async () => withProblems(settings.state()),
    'settings.update': async (patch) => {
      const state = withProblems(await settings.update(patch));
      bus.emit('settings.changed', state.settings);
      return state;
    },
    ...sockets.handlers,
    ...sessions.handlers,
    ...router.handlers,
    ...scanner.handlers,
    ...knock.handlers,
    ...forwards.handlers,
    ...exposure.handlers,
  };

  const started = Date.now();
  const heartbeatMs = options.heartbeatMs ?? 5000;
  const heartbeat =
    heartbeatMs > 0 ? setInterval(() => bus.emit('system.heartbeat', { at: Date.now(), uptimeMs: Date.now() - started }), heartbeatMs) : undefined;
  heartbeat?.unref();

  return {
    handlers,
    bus,
    invoke: (name, input) => dispatch(handlers, name, input),
    problems,
    async close() {
      if (heartbeat) clearInterval(heartbeat);
      offSocketsAdded();
      exposure.close();
      sockets.close();
      await knock.close();
      await forwards.close();
      await sessions.close();
      await router.close();
      await scanner.close();
      // Saves still pending land before the process goes.
      await Promise.all([
        settings.data.flush(),
        noticesWritten(),
        forwards.store.data.flush(),
        forwards.secrets instanceof EncryptedFileSecretStore ? forwards.secrets.data.flush() : undefined,
      ]);
    },
  };
}
