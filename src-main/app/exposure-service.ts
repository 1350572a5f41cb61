/**
 * The Exposure view's service: reads the listening sockets (through the socket table's call),
 * the interfaces, the host firewall and the router's mappings (through the router's call), and
 * hands them to the engine's assessment.
 */
import type { Handlers, Mapping, SocketRow } from '../contract/index.js';
import { assessExposure, type InterfaceAddress, type MappingsReading } from '../engine/exposure/assess.js';
import { interfaceAddresses, readBindV6Only } from '../engine/exposure/host.js';
import { applyAction, elevation, ownRules, undoAll, runWithInput, type RunWithInput } from '../engine/exposure/firewall-helper.js';
import { actionRules, FirewallActionError, type FirewallAction } from '../engine/exposure/firewall-rules.js';
import { readLinuxFirewall, runCommand } from '../engine/exposure/linux-firewall.js';
import { firewallSources, readMacFirewall, readWindowsFirewall, type HostFirewall } from '../engine/exposure/platform-firewall.js';
import { PortolanError } from '../contract/errors.js';
import type { FirewallChange } from '../contract/index.js';
import { interfaceAddresses as hostInterfaces } from '../engine/exposure/host.js';
import { ExposureBaseline } from '../contract/exposure.js';
import type { ExposureEntry, SurfaceDiff } from '../contract/index.js';
import { diffSurface, isAlert, surfaceOf } from '../engine/exposure/baseline.js';
import { DataFile, wholeFile } from './data-file.js';
import type { ProblemSink } from './problem-log.js';
import * as z from 'zod';

/** What the service reads through other parts of the app. */
export interface ExposureServiceOptions {
  /** The listening sockets now. */
  listening: () => Promise<SocketRow[]>;
  /** Asks the router for its mappings (throws NO_ROUTER and the like when none answers). */
  mappings: () => Promise<Mapping[]>;
  /** The mappings as last listed (and Portolan's own), without sending anything to the router. */
  knownMappings: () => Mapping[];
  /** Reads the host firewall (tests pass recorded rulesets). */
  readFirewall?: () => Promise<HostFirewall>;
  /** Runs nft and pkexec (tests run them inside a namespace). */
  run?: RunWithInput;
  /** Process id 0 or not (tests pass root). */
  uid?: number;
  /** This machine's interface addresses (tests pass a LAN interface the test machine may not have). */
  interfaces?: () => InterfaceAddress[];
  /** Where the attack-surface baseline is kept (exposure-baseline.json in the data folder); none: no baseline calls. */
  baselineFile?: string;
  /** Where a damaged baseline file is reported. */
  problems?: ProblemSink;
  /** Told when something is newly exposed since the baseline (the bus's exposure.changed). */
  onAlert?: (diff: SurfaceDiff) => void;
}

/** The baseline file: `{ baseline }`, null after "clear" (a file of just `null` is damaged, as for every store). */
const BaselineFile = z.object({ baseline: ExposureBaseline.nullable() });

/** A change with its networks filled in: lan-only defaults to the networks of this machine's interfaces. */
function toAction(change: FirewallChange): FirewallAction {
  const networks =
    change.kind === 'lan-only'
      ? (change.networks ?? [...new Set(hostInterfaces().filter((i) => !i.internal).map((i) => networkOf(i.address, i.prefix, i.family)))])
      : undefined;
  return { kind: change.kind, protocol: change.protocol, port: change.port, ...(networks ? { networks } : {}) };
}

/** The network (CIDR) of an interface address. */
function networkOf(address: string, prefix: number, family: 4 | 6): string {
  if (family === 4) {
    const n = address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
    const mask = prefix === 0 ? 0 : Number((0xffffffffn << BigInt(32 - prefix)) & 0xffffffffn);
    const net = (n & mask) >>> 0;
    return `${[net >>> 24, (net >>> 16) & 255, (net >>> 8) & 255, net & 255].join('.')}/${prefix}`;
  }
  return `${address}/${prefix}`;
}

/** Runs an engine step; a bad action becomes INVALID_INPUT with its sentence. */
async function guarded<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof FirewallActionError) throw new PortolanError('INVALID_INPUT', err.message);
    throw err;
  }
}

/** Reads the firewall of this platform (Windows: netsh, tested on recorded output only; macOS: pf and the application firewall). */
export async function readPlatformFirewall(platform: NodeJS.Platform = process.platform, run = runCommand): Promise<HostFirewall> {
  if (platform === 'linux') return readLinuxFirewall(run);
  if (platform === 'win32') return readWindowsFirewall(run);
  if (platform === 'darwin') return readMacFirewall(run);
  return { ok: false, reason: `Portolan reads the host firewall on Linux, macOS and Windows; on ${platform} it cannot yet` };
}

/** The exposure part of the app. */
export class ExposureService {
  readonly handlers: Pick<
    Handlers,
    'exposure.list' | 'exposure.firewall.preview' | 'exposure.firewall.apply' | 'exposure.firewall.undo' | 'exposure.firewall.rules' | 'exposure.baseline.set' | 'exposure.baseline.clear'
  >;
  private readonly baselineFile: DataFile<ExposureBaseline | null> | undefined;
  private baseline: Promise<ExposureBaseline | null> | undefined;
  /** The alerting changes last told (so one new port notifies once, not on every list). */
  private told = '';
  private recheck: NodeJS.Timeout | undefined;

  constructor(private readonly options: ExposureServiceOptions) {
    this.baselineFile = options.baselineFile
      ? new DataFile(options.baselineFile, { what: 'attack-surface baseline', instead: 'no baseline is set until you set one again', empty: () => null, parse: (raw) => ({ value: wholeFile(BaselineFile)(raw).value.baseline }), ...(options.problems ? { problems: options.problems } : {}) })
      : undefined;
    this.handlers = {
      'exposure.list': async ({ router }) => {
        const [rows, firewall, mappings, bindV6Only, baseline] = await Promise.all([options.listening(), (options.readFirewall ?? (() => readPlatformFirewall()))(), router ? this.readMappings() : Promise.resolve<MappingsReading>({ ok: true, mappings: options.knownMappings(), asked: false }), readBindV6Only(), this.loadBaseline()]);
        const entries = assessExposure({ rows, interfaces: (options.interfaces ?? interfaceAddresses)(), firewall, router: mappings, bindV6Only });
        const diff = baseline ? this.compare(baseline, entries) : undefined;
        return {
          ...(diff ? { baseline: diff } : {}),
          at: Date.now(),
          entries,
          firewall: firewall.ok ? { readable: true, sources: firewallSources(firewall), ...(firewall.notes.length ? { note: firewall.notes.join(' ') } : {}) } : { readable: false, sources: [], note: firewall.reason },
          router: mappings.ok ? { listed: true, asked: mappings.asked } : { listed: false, asked: true, note: mappings.reason },
          learn: 'firewalls' as const,
        };
      },
      'exposure.firewall.preview': (change) =>
        guarded(async () => {
          const how = await this.elevation();
          return { table: 'inet portolan' as const, rules: actionRules(toAction(change)), elevation: how.via, ...(how.via === 'none' ? { note: how.reason } : {}) };
        }),
      'exposure.firewall.apply': (change) => guarded(async () => ({ rules: await applyAction(toAction(change), await this.elevation(), this.run) })),
      'exposure.firewall.undo': async () => ({ removed: await undoAll(await this.elevation(), this.run) }),
      'exposure.firewall.rules': async () => ({ rules: (await ownRules(this.run)) ?? null }),
      'exposure.baseline.set': async (query) => {
        const file = this.requireFile();
        await this.loadBaseline();
        const { entries } = await this.handlers['exposure.list'](query);
        const baseline: ExposureBaseline = { at: Date.now(), items: surfaceOf(entries) };
        await file.save(() => `${JSON.stringify({ baseline }, null, 2)}\n`);
        this.baseline = Promise.resolve(baseline);
        this.told = '';
        return { at: baseline.at, items: baseline.items.length };
      },
      'exposure.baseline.clear': async () => {
        const file = this.requireFile();
        const had = (await this.loadBaseline()) !== null;
        await file.save(() => `${JSON.stringify({ baseline: null })}\n`);
        this.baseline = Promise.resolve(null);
        return { removed: had };
      },
    };
  }

  private requireFile(): DataFile<ExposureBaseline | null> {
    if (!this.baselineFile) throw new PortolanError('INTERNAL', 'This Portolan keeps no data folder, so it cannot keep a baseline.');
    return this.baselineFile;
  }

  /**
   * Told of sockets new in the live table: with a baseline set, a new listener is judged (the
   * router not asked) a moment later, batching a burst, so a newly exposed port raises
   * exposure.changed even with the Exposure view closed.
   */
  socketsAdded(rows: SocketRow[], delayMs = 1000): void {
    if (!rows.some((r) => (r.proto.startsWith('tcp') ? r.state === 'LISTEN' : r.state === 'UNCONN')) || this.recheck) return;
    this.recheck = setTimeout(() => {
      this.recheck = undefined;
      void this.loadBaseline()
        .then((b) => (b ? this.handlers['exposure.list']({ router: false }) : undefined))
        .catch(() => undefined); // the next list or change tries again; the view shows errors
    }, delayMs);
    this.recheck.unref();
  }

  /** Stops a pending re-check. */
  close(): void {
    clearTimeout(this.recheck);
    this.recheck = undefined;
  }

  /** The baseline (read from its file the first time), or null when none is set. */
  loadBaseline(): Promise<ExposureBaseline | null> {
    this.baseline ??= this.baselineFile ? this.baselineFile.load() : Promise.resolve(null);
    return this.baseline;
  }

  /** The changes since the baseline; tells onAlert when the set of alerting changes is new. */
  private compare(baseline: ExposureBaseline, entries: ExposureEntry[]): SurfaceDiff {
    const changes = diffSurface(baseline, entries);
    const alerts = changes.filter(isAlert);
    const diff = { baselineAt: baseline.at, changes, alert: alerts.length > 0 };
    const key = alerts.map((c) => `${c.kind} ${c.key} ${c.item.reachableFrom} ${c.item.process ?? ''}`).join(';');
    if (key && key !== this.told) this.options.onAlert?.(diff);
    this.told = key;
    return diff;
  }

  private get run(): RunWithInput {
    return this.options.run ?? runWithInput;
  }

  private elevation() {
    return elevation(this.run, process.platform, this.options.uid ?? process.getuid?.());
  }

  private async readMappings(): Promise<MappingsReading> {
    try {
      return { ok: true, mappings: await this.options.mappings(), asked: true };
    } catch (err) {
      return { ok: false, reason: (err as Error).message.replace(/\.$/, '') };
    }
  }
}
