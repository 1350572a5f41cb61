/**
 * UPnP IGD as a {@link Mapper}: an SSDP search and the root description probe; SOAP actions map,
 * read the mapping back, and delete. UPnP also lists every program's mappings and reports the
 * external address, which the engine uses for its list and its checks.
 */
import type { MapGrant, Mapper, MapperContext, MapRequest, Probe, UnmapRequest } from './mapper.js';
import { RouterRefusal, RouterSilent } from './explain.js';
import { IgdClient, httpRequest, parseRootDescription, type UpnpMappingEntry } from './igd.js';
import { searchIgd } from './ssdp.js';

/** How the SSDP search is sent (tests search a fake router on 127.0.0.1 by unicast). */
export interface IgdSearchOptions {
  /** SSDP port of the gateway (1900). */
  ssdpPort?: number;
  /** Send the multicast search too (default true). */
  multicast?: boolean;
}

/** Speaks UPnP IGD to the gateway's WAN connection service, once the probe found it. */
export class IgdMapper implements Mapper {
  readonly protocol = 'upnp' as const;
  private igd: IgdClient | undefined;

  constructor(
    private readonly ctx: MapperContext,
    private readonly search: IgdSearchOptions = {},
  ) {}

  /** True once the probe found a usable device. */
  get found(): boolean {
    return this.igd !== undefined;
  }

  private get client(): IgdClient {
    if (!this.igd) throw new RouterSilent('the router no longer answers UPnP');
    return this.igd;
  }

  /** Searches the gateway (SSDP), reads each answering device's description, keeps the first usable one. */
  async probe(): Promise<Probe> {
    const { gateway, localAddress, timeoutMs } = this.ctx;
    const answers = await searchIgd({ localAddress, gateway, multicast: this.search.multicast, port: this.search.ssdpPort, timeoutMs });
    if (answers.length === 0) {
      return { answered: false, outcome: `no answer to the SSDP search (M-SEARCH for an InternetGatewayDevice) within ${(timeoutMs / 1000).toFixed(1)} s: UPnP is off or absent` };
    }
    const problems: string[] = [];
    for (const answer of answers) {
      try {
        const res = await httpRequest(answer.location, { timeoutMs });
        if (res.status !== 200) throw new Error(`HTTP status ${res.status}`);
        const desc = parseRootDescription(res.body, answer.location);
        if (!desc.controlUrl || !desc.serviceType) throw new Error('the device has no WANIPConnection or WANPPPConnection service');
        const igd = new IgdClient(desc.controlUrl, desc.serviceType, timeoutMs);
        const external = await igd.externalAddress().catch(() => '');
        this.igd = igd;
        const upnp = { friendlyName: desc.friendlyName, manufacturer: desc.manufacturer, modelName: desc.modelName, controlUrl: desc.controlUrl, serviceType: desc.serviceType, location: answer.location };
        const outcome = `answered: "${desc.friendlyName || desc.modelName || 'gateway'}" (${desc.serviceType.split(':').slice(-2).join(':')})${external ? `, external address ${external}` : ''}`;
        return { answered: true, outcome, upnp, ...(external ? { externalAddress: external } : {}) };
      } catch (err) {
        problems.push(`${answer.location}: ${(err as Error).message}`);
      }
    }
    return { answered: false, outcome: `a device answered SSDP but could not be used (${problems.join('; ')})` };
  }

  /**
   * Adds the mapping and reads it back. A router that takes only permanent mappings (725) gets one
   * without a lease; a mapping the router does not list afterwards, or lists elsewhere, is unverified.
   */
  async map(r: MapRequest): Promise<MapGrant> {
    const igd = this.client;
    const add = (lease: number) =>
      igd.addMapping({ externalPort: r.externalPort, protocol: r.protocol, internalPort: r.internalPort, internalClient: r.internalHost, description: r.description, leaseSeconds: lease });
    let lease = r.grantedLease;
    let note: string | undefined;
    try {
      await add(lease);
    } catch (err) {
      if (!(err instanceof RouterRefusal && err.routerError.code === 'upnp:725' && lease > 0)) throw err;
      await add(0);
      lease = 0;
      note = `The router only accepts permanent mappings (UPnP 725), so this one has no lease: it stays until removed${r.removeOnQuit ? ' (Portolan removes it when it quits)' : ''}.`;
    }
    const entry = await igd.specificMapping(r.externalPort, r.protocol).catch(() => null);
    if (entry && entry.leaseSeconds > 0) lease = Math.min(lease || entry.leaseSeconds, entry.leaseSeconds);
    const grant: MapGrant = { externalPort: r.externalPort, lease, state: 'active', ...(note ? { note } : {}) };
    if (entry === undefined) {
      return {
        ...grant,
        state: 'unverified',
        error: { code: 'not-listed', message: `The router accepted the mapping but does not list it when asked (GetSpecificPortMappingEntry says there is no such entry): it may not work; check the router's own page.` },
      };
    }
    if (entry && (entry.internalClient !== r.internalHost || entry.internalPort !== r.internalPort)) {
      return {
        ...grant,
        state: 'unverified',
        error: { code: 'not-listed', message: `The router accepted the mapping but lists external port ${r.externalPort} as going to ${entry.internalClient}:${entry.internalPort}, not ${r.internalHost}:${r.internalPort}.` },
      };
    }
    return grant;
  }

  async unmap(r: UnmapRequest): Promise<void> {
    await this.client.deleteMapping(r.externalPort, r.protocol);
  }

  /** Every program's mappings (UPnP can list; NAT-PMP and PCP cannot). */
  list(): Promise<UpnpMappingEntry[]> {
    return this.client.listMappings();
  }

  /** The mapping of one external port, or undefined when the router has none. */
  find(externalPort: number, protocol: 'tcp' | 'udp'): Promise<UpnpMappingEntry | undefined> {
    return this.client.specificMapping(externalPort, protocol);
  }

  /** The router's public address as it reports it now. */
  externalAddress(): Promise<string> {
    return this.client.externalAddress();
  }
}
