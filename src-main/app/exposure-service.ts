/**
 * The Exposure view's service: reads the listening sockets (through the socket table's call),
 * the interfaces, the host firewall and the router's mappings (through the router's call), and
 * hands them to the engine's assessment.
 */
import type { Handlers, Mapping, SocketRow } from '../contract/index.js';
import { assessExposure, type MappingsReading } from '../engine/exposure/assess.js';
import { interfaceAddresses, readBindV6Only } from '../engine/exposure/host.js';
import { readLinuxFirewall, type FirewallReading } from '../engine/exposure/linux-firewall.js';

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
}

/** Reads the firewall of this platform. */
async function readPlatformFirewall(): Promise<FirewallReading> {
  if (process.platform === 'linux') return readLinuxFirewall();
  return { ok: false, reason: `Portolan reads the host firewall on Linux (nftables, iptables); on ${process.platform} it cannot yet` };
}

/** The exposure part of the app. */
export class ExposureService {
  readonly handlers: Pick<Handlers, 'exposure.list'>;

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
    };
  }

  private async readMappings(): Promise<MappingsReading> {
    try {
      return { ok: true, mappings: await this.o.mappings(), asked: true };
    } catch (err) {
      return { ok: false, reason: (err as Error).message.replace(/\.$/, '') };
    }
  }
}
