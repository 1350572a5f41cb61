/**
 * The composition of the engine into one object that implements the contract. Every face (the
 * Electron window through IPC, the browser through the web transport, the CLI directly) uses it.
 *
 * Each part (the dictionary, the socket table, listeners and sessions, the scanner, forwards,
 * knocking, the router, the attack surface) is built by one {@link Part}: the first call that
 * needs it loads its code (a dynamic import, which is a chunk of its own in the CLI's bundle) and
 * builds it. The desktop app and serve build every part at start, since they show them all and
 * keep forwards and router mappings alive; one CLI command builds only what its calls use
 * (`portolan port 22` the dictionary, `portolan scan` the scanner, `portolan sockets` the socket
 * table). Every face reads and checks all the user's files at start all the same, through the
 * files' own classes (no engine code), so a damaged file is told whatever the command.
 */
import os from 'node:os';
import path from 'node:path';
import type { CallName, Handlers, SettingsState, SystemInfo } from '../contract/index.js';
import { CALL_NAMES } from '../contract/channels.js';
import { readEphemeralRange } from '../engine/system/ephemeral-range.js';
import { dispatch, type CallResult } from './dispatch.js';
import { removeOrphanTemps } from './atomic-write.js';
import { EventBus } from './event-bus.js';
import type { ExposureServiceOptions } from './exposure-service.js';
import type { ForwardsServiceOptions } from './forwards-service.js';
import { ForwardsStore } from './forwards-store.js';
import { knockDataFile } from './knock-file.js';
import { ProblemLog } from './problem-log.js';
import { carryProblems } from './problem-notices.js';
import { routerMappingsFile } from './router-file.js';
import type { RouterServiceOptions } from './router-service.js';
import { EncryptedFileSecretStore } from './secret-file-store.js';
import { SettingsStore } from './settings-store.js';
import type { SocketElevationOptions } from './sockets-service.js';
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
  /**
   * How this face starts the socket reader on its own (`<node> <portolan> __socket-reader`, or the
   * installed app in CLI mode), for sockets.elevate; `elevator` replaces pkexec (tests: none).
   */
  socketReader?: Pick<SocketElevationOptions, 'readerCommand' | 'elevator' | 'uid'>;
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

/**
 * One part of the app, built the first time something asks for it; later asks share the build
 * (and its failure, as createApp's own would be).
 */
class Part<T> {
  private building: Promise<T> | undefined;
  private value: T | undefined;

  constructor(private readonly build: () => Promise<T>) {}

  /** The part, built now if nothing asked for it before. */
  get(): Promise<T> {
    this.building ??= this.build().then((value) => (this.value = value));
    return this.building;
  }

  /** The part when it is built; undefined while nothing asked for it (it then owns nothing: no socket, no timer). */
  get built(): T | undefined {
    return this.value;
  }

  /** The part once a build asked for is over, for closing it; undefined when none was asked for or it failed. */
  async settled(): Promise<T | undefined> {
    return this.building?.then(
      (value) => value,
      () => undefined,
    );
  }
}

/** Handlers for `names` that build `part` on their first call and then run its own handlers. */
function through<K extends CallName>(part: Part<{ handlers: Pick<Handlers, K> }>, names: readonly K[]): Pick<Handlers, K> {
  const out: Partial<Record<K, (input: never) => Promise<unknown>>> = {};
  for (const name of names) {
    out[name] = async (input: never) => ((await part.get()).handlers[name] as (input: never) => Promise<unknown>)(input);
  }
  return out as unknown as Pick<Handlers, K>;
}

/** The calls whose names start with one of `prefixes` and a dot, from the zod-free list (no schema is built). */
const callsOf = <P extends string>(...prefixes: P[]) =>
  CALL_NAMES.filter((name) => prefixes.some((prefix) => name.startsWith(`${prefix}.`))) as Extract<CallName, `${P}.${string}`>[];

const SOCKET_CALLS = ['sockets.snapshot', 'sockets.pairs', 'sockets.close', 'processes.end', 'sockets.watch', 'sockets.elevate', 'sockets.configure'] as const;
const SESSION_CALLS = ['listeners.open', 'listeners.close', 'listeners.list', 'sessions.connect', 'sessions.send', 'sessions.close', 'sessions.ack', 'sessions.transcript'] as const;
const ROUTER_CALLS = ['router.discover', 'router.mappings', 'router.add', 'router.remove'] as const;

/** Builds the app: reads the user's files; the desktop app and serve also build every part (tens of ms). */
export async function createApp(options: AppOptions): Promise<PortolanApp> {
  const bus = new EventBus();
  const direct = options.transport === 'direct';
  const dataFile = (name: string) => path.join(options.dataDir, name);
  // Temporaries of a write that was killed before its rename: never the only copy of anything.
  await Promise.all([options.dataDir, path.join(options.dataDir, 'scans')].map((dir) => removeOrphanTemps(dir)));

  // Every file is read now, so that its problems are told at start (by the CLI, in the status bar),
  // not when a view first asks for it. The parts that own them share these reads.
  const problems = new ProblemLog();
  const settings = new SettingsStore(dataFile('settings.json'));
  settings.data.reportTo(problems);
  await settings.load();
  const forwardsStore = new ForwardsStore(dataFile('forwards.json'));
  forwardsStore.data.reportTo(problems);
  await forwardsStore.load();
  const knockData = knockDataFile(dataFile('knock.json'));
  knockData.reportTo(problems);
  const routerData = routerMappingsFile(dataFile('router-mappings.json'), problems);
  const secrets = options.forwards?.secrets;
  if (secrets instanceof EncryptedFileSecretStore) secrets.reportTo(problems);
  await Promise.all([routerData.read(), knockData.read(), secrets instanceof EncryptedFileSecretStore ? secrets.load() : undefined]);

  const dictionary = new Part(async () => (await import('../engine/dictionary/load.js')).loadDictionary(options.assetsDir));
  const learnCards = new Part(async () => (await import('./learn-cards.js')).loadLearnCards(options.assetsDir));
  const ephemeral = new Part(() => readEphemeralRange());
  const reverseDns = new Part(async () => new (await import('../engine/net/reverse-dns.js')).ReverseDnsCache());
  const sessions = new Part(async () => (await import('./sessions-service.js')).createSessionsService(bus));
  const scanner = new Part(async () =>
    (await import('./scan-service.js')).ScanService.create({ bus, dictionary: () => dictionary.get(), assetsDir: options.assetsDir, dataDir: options.dataDir, version: APP_VERSION, problems, singleThread: direct }),
  );
  // Router mappings: renewed while a window or serve runs; one CLI command ('direct') does not renew.
  const router = new Part(async () => {
    const { RouterService } = await import('./router-service.js');
    return new RouterService(bus, { file: routerData.file, data: routerData, keepAlive: !direct, engine: options.router, problems });
  });
  // Forwards marked startWithApp start with the desktop app and serve, not with one CLI command.
  const forwards = new Part(async () => {
    const { ForwardsService } = await import('./forwards-service.js');
    const service = new ForwardsService({ bus, dataDir: options.dataDir, store: forwardsStore, autoStart: !direct, ...options.forwards });
    await service.init();
    return service;
  });
  // After the forwards: a guard may gate a forward (TCP, UDP, SSH -L/-D) as well as a listener.
  const knock = new Part(async () => {
    const [{ KnockService }, listeners, forwarding] = await Promise.all([import('./knock-service.js'), sessions.get(), forwards.get()]);
    const service = new KnockService(bus, { file: knockData.file, data: knockData, listeners: listeners.engine, forwards: forwarding.engine });
    await service.load();
    return service;
  });
  // The engine's own sockets are tagged: listeners and their sessions precisely, the rest
  // (the web transport...) as 'portolan'. A part not built yet has no socket to tag. One CLI
  // command reads the table on its own thread (see selectSocketProvider).
  const sockets = new Part(async () => {
    const [{ createSocketsService }, { selectSocketProvider }] = await Promise.all([import('./sockets-service.js'), import('../engine/sockets/select-provider.js')]);
    const makeProvider = () => selectSocketProvider(process.platform, { thread: !direct });
    return createSocketsService(bus, makeProvider(), (row) => (row.pid === process.pid ? (sessions.built?.tag(row) ?? forwards.built?.tag(row) ?? 'portolan') : undefined), {
      ...options.socketReader,
      makeProvider: () => makeProvider()!,
    });
  });
  let offSocketsAdded: (() => void) | undefined;
  const exposure = new Part(async () => {
    const [{ ExposureService }, table] = await Promise.all([import('./exposure-service.js'), sockets.get()]);
    const service = new ExposureService({
      listening: async () => (await table.handlers['sockets.snapshot']({ listeningOnly: true })).rows,
      mappings: async () => (await router.get()).handlers['router.mappings']({}),
      // Mappings the router part knows of; none while nothing built it.
      knownMappings: () => router.built?.engine.snapshot() ?? [],
      baselineFile: dataFile('exposure-baseline.json'),
      problems,
      onAlert: (diff) => bus.emit('exposure.changed', diff),
      ...options.exposure,
    });
    offSocketsAdded = bus.on('sockets.diff', ({ added }) => service.socketsAdded(added));
    return service;
  });

  // The desktop app and serve: every part now (forwards marked startWithApp start, mappings renew).
  if (!direct) await Promise.all([dictionary, learnCards, ephemeral, scanner, router, forwards, knock, sockets, exposure].map((part) => part.get()));
  // One CLI command keeps what it found for the next window; a window (or serve) shows what earlier commands found.
  const noticesWritten = await carryProblems(options.dataDir, problems, direct ? 'keeps' : 'shows');

  const withProblems = (state: SettingsState): SettingsState => {
    const list = problems.list();
    return list.length ? { ...state, problems: list } : state;
  };

  const handlers: Handlers = {
    'dictionary.lookup': async (q) => (await dictionary.get()).lookup(q),
    'dictionary.card': async ({ port }) => {
      const [dict, range] = await Promise.all([dictionary.get(), ephemeral.get()]);
      return dict.card(port, range);
    },
    'dictionary.bindCheck': async (q) => (await import('../engine/sockets/bind-check.js')).checkBind(q),
    'dictionary.summaries': async ({ ports }) => (await dictionary.get()).summaries(ports),
    'learn.cards': () => learnCards.get(),
    'system.info': async () => {
      const [dict, range] = await Promise.all([dictionary.get(), ephemeral.get()]);
      return {
        version: APP_VERSION,
        platform: process.platform,
        hostname: os.hostname(),
        node: process.versions.node,
        transport: options.transport,
        ephemeral: range,
        dictionarySize: dict.size,
      };
    },
    'dns.reverse': async ({ addresses }) => (await reverseDns.get()).names(addresses),
    'dns.resolve': async ({ host }) => ({ addresses: await (await import('../engine/net/resolve.js')).resolveHost(host) }),
    'settings.get': async () => withProblems(settings.state()),
    'settings.update': async (patch) => {
      const state = withProblems(await settings.update(patch));
      bus.emit('settings.changed', state.settings);
      return state;
    },
    ...through(sockets, SOCKET_CALLS),
    ...through(sessions, SESSION_CALLS),
    ...through(router, ROUTER_CALLS),
    ...through(scanner, callsOf('scan')),
    ...through(knock, callsOf('knock')),
    ...through(forwards, callsOf('forwards', 'ssh')),
    ...through(exposure, callsOf('exposure')),
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
      // Only the parts that were built (or are being built: they are waited for) have anything to stop.
      offSocketsAdded?.();
      (await exposure.settled())?.close();
      (await sockets.settled())?.close();
      await (await knock.settled())?.close();
      await (await forwards.settled())?.close();
      await (await sessions.settled())?.close();
      await (await router.settled())?.close();
      await (await scanner.settled())?.close();
      // Saves still pending land before the process goes.
      await Promise.all([
        settings.data.flush(),
        noticesWritten(),
        forwardsStore.data.flush(),
        secrets instanceof EncryptedFileSecretStore ? secrets.data.flush() : undefined,
      ]);
    },
  };
}
