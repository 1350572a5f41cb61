/**
 * The Exposure view's service: reads the listening sockets (through the socket table's call),
 * the interfaces, the host firewall and the router's mappings (through the router's call), and
 * hands them to the engine's assessment.
 */
import type { Handlers, Mapping, SocketRow } from '../contract/index.js';
import { assessExposure, type MappingsReading } from '../engine/exposure/assess.js';
import { interfaceAddresses, readBindV6Only } from '../engine/exposure/host.js';
import { applyAction, elevation, ownRules, undoAll, runWithInput, type RunWithInput } from '../engine/exposure/firewall-helper.js';
import { actionRules, FirewallActionError, type FirewallAction } from '../engine/exposure/firewall-rules.js';
import { readLinuxFirewall, type FirewallReading } from '../engine/exposure/linux-firewall.js';
import { PortolanError, type FirewallChange } from '../contract/index.js';
import { interfaceAddresses as hostInterfaces } from '../engine/exposure/host.js';

/** What the service reads through other parts of the app. */
export interface ExposureServiceOptions {
  /** The listening sockets now. */
  listening: () => Promise<SocketRow[]>;
  /** Asks the router for its mappings (throws NO_ROUTER and the like when none answers). */
  mappings: () => Promise<Mapping[]>;
  /** The mappings as last listed (and Portolan's own), without sending anything to the router. */
  knownMappings: () => Mapping[];
  /** Reads the host firewall (tests pass recorded rulesets). */
  readFirewall?: () => Promise<FirewallReading>;
  /** Runs nft and pkexec (tests run them inside a namespace). */
  run?: RunWithInput;
  /** Process id 0 or not (tests pass root). */
  uid?: number;
}

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
    const n = address.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
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

/** Reads the firewall of this platform. */
async function readPlatformFirewall(): Promise<FirewallReading> {
  if (process.platform === 'linux') return readLinuxFirewall();
  return { ok: false, reason: `Portolan reads the host firewall on Linux (nftables, iptables); on ${process.platform} it cannot yet` };
}

/** The exposure part of the app. */
export class ExposureService {
  readonly handlers: Pick<Handlers, 'exposure.list' | 'exposure.firewall.preview' | 'exposure.firewall.apply' | 'exposure.firewall.undo' | 'exposure.firewall.rules'>;

  constructor(private readonly o: ExposureServiceOptions) {
    this.handlers = {
      'exposure.list': async ({ router }) => {
        const [rows, firewall, mappings, bindV6Only] = await Promise.all([o.listening(), (o.readFirewall ?? readPlatformFirewall)(), router ? this.readMappings() : Promise.resolve<MappingsReading>({ ok: true, mappings: o.knownMappings(), asked: false }), readBindV6Only()]);
        const entries = assessExposure({ rows, interfaces: interfaceAddresses(), firewall, router: mappings, bindV6Only });
        return {
          at: Date.now(),
          entries,
          firewall: firewall.ok ? { readable: true, sources: firewall.ruleset.sources, ...(firewall.notes.length ? { note: firewall.notes.join(' ') } : {}) } : { readable: false, sources: [], note: firewall.reason },
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
    };
  }

  private get run(): RunWithInput {
    return this.o.run ?? runWithInput;
  }

  private elevation() {
    return elevation(this.run, process.platform, this.o.uid ?? process.getuid?.());
  }

  private async readMappings(): Promise<MappingsReading> {
    try {
      return { ok: true, mappings: await this.o.mappings(), asked: true };
    } catch (err) {
      return { ok: false, reason: (err as Error).message.replace(/\.$/, '') };
    }
  }
}
