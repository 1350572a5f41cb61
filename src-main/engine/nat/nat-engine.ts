/**
 * Router port mappings over UPnP IGD, NAT-PMP and PCP: discovery of the gateway and what it
 * answers to, listing, adding (with read-back), removing, and keeping Portolan's own mappings
 * alive: renewal at half the lease, re-application after a router reboot (NAT-PMP/PCP epoch going
 * backwards, UPnP mapping gone) or a new external address, and removal on quit when asked.
 *
 * Each protocol is a {@link Mapper} (igd-mapper.ts, natpmp-mapper.ts, pcp-mapper.ts) that speaks
 * its wire format; this file keeps what they share: leases, renewal, epochs and checks.
 */
import { PortolanError } from '../../contract/errors.js';
import type { Mapping, MappingRef, MappingSpec, NatProtocol, RouterChanged, RouterError, RouterInfo } from '../../contract/router.js';
import { RouterRefusal, RouterSilent } from './explain.js';
import { findGateway, localAddressToward } from './gateway.js';
import { IgdMapper } from './igd-mapper.js';
import type { MapGrant, Mapper } from './mapper.js';
import { NatPmpMapper } from './natpmp-mapper.js';
import type { UpnpMappingEntry } from './igd.js';
import { NATPMP_PORT } from './natpmp.js';
import { newPcpNonce, PcpMapper } from './pcp-mapper.js';

/** How the engine reaches the router; tests point it at a fake router on 127.0.0.1. */
export interface NatEngineOptions {
  /** The gateway's address; default: the default route's gateway. */
  gateway?: string;
  /** NAT-PMP/PCP port of the gateway (5351). */
  natPmpPort?: number;
  /** SSDP port of the gateway (1900). */
  ssdpPort?: number;
  /** Send the SSDP multicast search (default true; false searches the gateway by unicast only). */
  ssdpMulticast?: boolean;
  /** How long each protocol may take to answer, in ms (default 2500). */
  timeoutMs?: number;
  /** Period of the external-address and reboot check while Portolan holds mappings, ms (60000; 0 = off). */
  checkIntervalMs?: number;
  /** Renew Portolan's mappings at half their lease (default true; the CLI turns it off). */
  keepAlive?: boolean;
  /** Called whenever the mappings or the router changed. */
  onChange?: (change: RouterChanged) => void;
  now?: () => number;
}

/** What Portolan remembers of a mapping it made (persisted by the app so that other runs know it). */
export interface OwnedMapping {
  gateway: string;
  protocol: 'tcp' | 'udp';
  /** The external port the router assigned. */
  externalPort: number;
  requestedExternalPort: number;
  internalHost: string;
  internalPort: number;
  /** The lease asked for. */
  leaseSeconds: number;
  /** The lease the router granted. */
  grantedLease: number;
  description: string;
  via: NatProtocol;
  removeOnQuit: boolean;
  /** PCP nonce (hex): renewals and the deletion must repeat it. */
  nonce?: string;
  expiresAt?: number;
  state: Mapping['state'];
  error?: RouterError;
  note?: string;
}

interface Router {
  info: RouterInfo;
  /** One mapper per protocol; `info.protocols` says which ones the router answered. */
  mappers: { upnp: IgdMapper; natpmp: NatPmpMapper; pcp: PcpMapper };
  /** Last NAT-PMP / PCP epoch seen, and when (ms). */
  epoch: Partial<Record<'natpmp' | 'pcp', { epoch: number; at: number }>>;
}

/** The order the protocols are tried and reported in (`RouterInfo.tried`). */
const TRIED: readonly NatProtocol[] = ['upnp', 'natpmp', 'pcp'];
/** The order of preference (`RouterInfo.protocols`): UPnP lists and maps for other hosts; PCP before NAT-PMP. */
const PREFERRED: readonly NatProtocol[] = ['upnp', 'pcp', 'natpmp'];

const PROTOCOL_NAMES: Record<NatProtocol, string> = { upnp: 'UPnP IGD', natpmp: 'NAT-PMP', pcp: 'PCP' };
const idOf = (protocol: string, externalPort: number) => `${protocol}:${externalPort}`;

/**
 * True when a NAT-PMP/PCP epoch shows the router restarted (RFC 6886 3.6): the new epoch is more
 * than 2 s below the previous one plus 7/8 of the time elapsed since.
 */
export function epochWentBack(previous: { epoch: number; at: number }, epoch: number, now: number): boolean {
  const elapsed = Math.max(0, (now - previous.at) / 1000);
  return epoch + 2 < previous.epoch + (elapsed * 7) / 8;
}

/** The engine: one per app. */
export class NatEngine {
  private router: Router | undefined;
  private discovering: Promise<Router> | undefined;
  private readonly owned = new Map<string, OwnedMapping>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private upnpEntries: UpnpMappingEntry[] = [];
  private checkTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: NatEngineOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  private get timeoutMs() {
    return this.options.timeoutMs ?? 2500;
  }

  /** Takes over mappings a previous run made (from the app's file); expired ones are dropped. */
  adopt(records: OwnedMapping[]): void {
    for (const r of records) {
      if (r.expiresAt !== undefined && r.expiresAt <= this.now()) continue;
      if (r.state === 'removed') continue;
      this.owned.set(idOf(r.protocol, r.externalPort), { ...r });
      this.schedule(r, r.expiresAt !== undefined ? Math.max(5000, r.expiresAt - this.now() - (r.grantedLease * 1000) / 2) : undefined);
    }
  }

  /** Portolan's mappings, for persisting (removed ones excluded). */
  ownedMappings(): OwnedMapping[] {
    return [...this.owned.values()].filter((r) => r.state !== 'removed').map((r) => ({ ...r }));
  }

  /** Finds the gateway and asks it with all three protocols. */
  async discover(): Promise<RouterInfo> {
    this.router = undefined;
    const router = await this.ensureRouter();
    this.emit(true);
    return router.info;
  }

  private ensureRouter(): Promise<Router> {
    if (this.router) return Promise.resolve(this.router);
    this.discovering ??= this.probe().finally(() => (this.discovering = undefined));
    return this.discovering;
  }

  private async probe(): Promise<Router> {
    const gateway = this.options.gateway ?? (await findGateway())?.address;
    if (!gateway) {
      throw new PortolanError('NO_ROUTER', 'This machine has no default route, so there is no router to ask: connect to a network first (or set PORTOLAN_GATEWAY to the router address).');
    }
    let localAddress: string;
    try {
      localAddress = await localAddressToward(gateway);
    } catch (err) {
      throw new PortolanError('NO_ROUTER', `The gateway ${gateway} cannot be reached from this machine (${(err as Error).message}).`);
    }
    const ctx = { gateway, localAddress, natPmpPort: this.options.natPmpPort ?? NATPMP_PORT, timeoutMs: this.timeoutMs };
    const mappers = { upnp: new IgdMapper(ctx, { ssdpPort: this.options.ssdpPort, multicast: this.options.ssdpMulticast }), natpmp: new NatPmpMapper(ctx), pcp: new PcpMapper(ctx) };
    const router: Router = { info: { gateway, localAddress, protocols: [], tried: [] }, mappers, epoch: {} };
    const probes = await Promise.all(TRIED.map((p) => mappers[p].probe()));
    TRIED.forEach((protocol, i) => {
      const p = probes[i]!;
      router.info.tried.push({ protocol, outcome: p.outcome });
      if (!p.answered) return;
      router.info.protocols.push(protocol);
      if (p.epoch !== undefined && protocol !== 'upnp') this.noteEpoch(router, protocol, p.epoch);
      if (p.upnp) router.info.upnp = p.upnp;
    });
    // The address UPnP reports wins over NAT-PMP's (PCP reports none when asked ANNOUNCE).
    const external = probes.map((p) => (p.answered ? p.externalAddress : undefined)).find(Boolean);
    if (external) router.info.externalAddress = external;
    router.info.protocols.sort((a, b) => PREFERRED.indexOf(a) - PREFERRED.indexOf(b));
    router.info.preferred = router.info.protocols[0];
    if (!router.info.preferred) {
      const [u, n, p] = router.info.tried.map((t) => t.outcome);
      throw new PortolanError(
        'NO_ROUTER',
        `No router answered at ${gateway}: UPnP IGD: ${u}; NAT-PMP: ${n}; PCP: ${p}. Turn UPnP or NAT-PMP on in the router's settings, or add the forward on its web page.`,
      );
    }
    this.router = router;
    this.startChecks();
    return router;
  }

  /** The router's mappings (UPnP lists every program's) merged with Portolan's own. */
  async list(): Promise<Mapping[]> {
    const router = await this.ensureRouter();
    if (router.mappers.upnp.found) this.upnpEntries = await router.mappers.upnp.list();
    return this.snapshot();
  }

  /** The list as last known, without asking the router. */
  snapshot(): Mapping[] {
    const gateway = this.router?.info.gateway;
    const out = new Map<string, Mapping>();
    for (const e of this.upnpEntries) {
      const id = idOf(e.protocol, e.externalPort);
      out.set(id, {
        id,
        protocol: e.protocol,
        externalPort: e.externalPort,
        internalHost: e.internalClient,
        internalPort: e.internalPort,
        leaseSeconds: e.leaseSeconds,
        description: e.description,
        via: 'upnp',
        state: 'active',
        ...(e.leaseSeconds > 0 ? { expiresAt: this.now() + e.leaseSeconds * 1000 } : {}),
        ownedByPortolan: false,
        ...(e.remoteHost ? { remoteHost: e.remoteHost } : {}),
      });
    }
    for (const [id, r] of this.owned) {
      if (gateway && r.gateway !== gateway) continue;
      const listed = out.get(id);
      out.set(id, {
        id,
        protocol: r.protocol,
        externalPort: r.externalPort,
        internalHost: r.internalHost,
        internalPort: r.internalPort,
        leaseSeconds: r.grantedLease,
        description: r.description,
        via: r.via,
        state: r.state,
        ...(r.error ? { error: r.error } : {}),
        ...(r.note ? { note: r.note } : {}),
        ...(r.expiresAt !== undefined ? { expiresAt: r.expiresAt } : listed?.expiresAt !== undefined ? { expiresAt: listed.expiresAt } : {}),
        ownedByPortolan: true,
        removeOnQuit: r.removeOnQuit,
      });
    }
    return [...out.values()].sort((a, b) => a.externalPort - b.externalPort || a.protocol.localeCompare(b.protocol));
  }

  /** Maps a port, reads it back, and keeps it alive. A refusal throws ROUTER_REFUSED with the router's reason. */
  async add(spec: MappingSpec): Promise<Mapping> {
    const router = await this.ensureRouter();
    const via = spec.via ?? router.info.preferred!;
    if (!router.info.protocols.includes(via)) {
      const outcome = router.info.tried.find((t) => t.protocol === via)?.outcome ?? 'not tried';
      throw new PortolanError('NO_ROUTER', `The router at ${router.info.gateway} does not speak ${PROTOCOL_NAMES[via]} (${outcome}); it answers ${router.info.protocols.map((p) => PROTOCOL_NAMES[p]).join(', ')}.`);
    }
    const internalHost = spec.internalHost ?? router.info.localAddress;
    if (via === 'natpmp' && internalHost !== router.info.localAddress) {
      throw new PortolanError(
        'ROUTER_REFUSED',
        `NAT-PMP maps ports only to the machine that asks (this one is ${router.info.localAddress}), so it cannot map to ${internalHost}: use UPnP or PCP, or run Portolan on ${internalHost}.`,
      );
    }
    const record: OwnedMapping = {
      gateway: router.info.gateway,
      protocol: spec.protocol,
      externalPort: spec.externalPort,
      requestedExternalPort: spec.externalPort,
      internalHost,
      internalPort: spec.internalPort,
      leaseSeconds: spec.leaseSeconds,
      grantedLease: spec.leaseSeconds,
      description: spec.description,
      via,
      removeOnQuit: spec.removeOnQuit,
      ...(via === 'pcp' ? { nonce: newPcpNonce() } : {}),
      state: 'renewing',
    };
    try {
      await this.apply(router, record);
    } catch (err) {
      throw this.toPortolanError(err, `${PROTOCOL_NAMES[via]} mapping of ${spec.protocol.toUpperCase()} port ${spec.externalPort}`);
    }
    const id = idOf(record.protocol, record.externalPort);
    const previous = this.owned.get(id);
    if (previous) this.clearTimer(id);
    this.owned.set(id, record);
    this.schedule(record);
    this.emit();
    return this.snapshot().find((m) => m.id === id)!;
  }

  /** Removes a mapping (Portolan's own with the protocol that made it; others' over UPnP). */
  async remove(ref: MappingRef): Promise<void> {
    const router = await this.ensureRouter();
    const id = idOf(ref.protocol, ref.externalPort);
    const record = this.owned.get(id);
    const upnp = router.mappers.upnp;
    const via = record?.via ?? (upnp.found ? 'upnp' : undefined);
    if (!via) {
      throw new PortolanError(
        'NOT_FOUND',
        `Portolan did not make a ${ref.protocol.toUpperCase()} mapping on external port ${ref.externalPort}, and this router speaks only NAT-PMP/PCP, which cannot remove other programs' mappings.`,
      );
    }
    try {
      // Some routers (miniupnpd 2.3) answer a deletion of a missing mapping with success: look first.
      if (!record && upnp.found && !(await upnp.find(ref.externalPort, ref.protocol))) {
        throw new PortolanError('NOT_FOUND', `The router has no ${ref.protocol.toUpperCase()} mapping on external port ${ref.externalPort}.`);
      }
      await router.mappers[via].unmap(record ?? { protocol: ref.protocol, externalPort: ref.externalPort, internalPort: ref.externalPort });
    } catch (err) {
      if (err instanceof RouterRefusal && err.routerError.code === 'upnp:714') {
        if (!record) throw new PortolanError('NOT_FOUND', `The router has no ${ref.protocol.toUpperCase()} mapping on external port ${ref.externalPort}.`);
      } else throw this.toPortolanError(err, `removal of ${ref.protocol.toUpperCase()} port ${ref.externalPort}`);
    }
    this.clearTimer(id);
    this.upnpEntries = this.upnpEntries.filter((e) => idOf(e.protocol, e.externalPort) !== id);
    if (record) {
      record.state = 'removed';
      delete record.error;
      this.emit();
      this.owned.delete(id);
    } else this.emit();
  }

  /** Renews every mapping Portolan holds now (what the timers do at half the lease). */
  async renewAll(): Promise<Mapping[]> {
    await Promise.all([...this.owned.values()].map((r) => this.renew(r)));
    return this.snapshot();
  }

  /**
   * Asks the router whether it restarted or changed its external address, and re-applies
   * Portolan's mappings if so (also done every checkIntervalMs while mappings are held).
   */
  async check(): Promise<void> {
    const router = this.router;
    if (!router) return;
    const { upnp, natpmp, pcp } = router.mappers;
    let reapply: NatProtocol[] = [];
    let external: string | undefined;
    // NAT-PMP's and PCP's probes answer with the epoch: going back means the router restarted.
    if (router.info.protocols.includes('natpmp')) {
      const r = await natpmp.probe();
      if (r.answered) {
        if (r.epoch !== undefined && this.noteEpoch(router, 'natpmp', r.epoch)) reapply = ['natpmp', 'pcp'];
        external = r.externalAddress;
      }
    }
    if (router.info.protocols.includes('pcp')) {
      const r = await pcp.probe();
      if (r.answered && r.epoch !== undefined && this.noteEpoch(router, 'pcp', r.epoch)) reapply = ['natpmp', 'pcp'];
    }
    if (upnp.found) {
      external = (await upnp.externalAddress().catch(() => undefined)) || external;
      for (const r of this.owned.values()) {
        if (r.via !== 'upnp' || r.state !== 'active') continue;
        const entry = await upnp.find(r.externalPort, r.protocol).catch(() => null);
        if (entry === undefined) reapply.push('upnp'); // the router forgot it: rebooted or flushed
      }
    }
    const changedAddress = external !== undefined && external !== router.info.externalAddress;
    if (changedAddress) {
      router.info.externalAddress = external;
      reapply = ['upnp', 'natpmp', 'pcp'];
    }
    const again = [...this.owned.values()].filter((r) => reapply.includes(r.via) && r.state !== 'removed');
    await Promise.all(again.map((r) => this.renew(r)));
    if (changedAddress) this.emit(true);
  }

  /** Stops timers; removes the mappings marked removeOnQuit (best effort, a short wait each). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.checkTimer) clearInterval(this.checkTimer);
    for (const id of [...this.timers.keys()]) this.clearTimer(id);
    const router = this.router;
    const leaving = [...this.owned.values()].filter((r) => r.removeOnQuit && r.state !== 'removed');
    if (router && leaving.length) {
      await Promise.all(
        leaving.map(async (r) => {
          try {
            await router.mappers[r.via].unmap(r);
            r.state = 'removed';
          } catch {
            // The router will drop it when the lease ends.
          }
        }),
      );
      for (const r of leaving) if (r.state === 'removed') this.owned.delete(idOf(r.protocol, r.externalPort));
      this.options.onChange?.({ mappings: this.snapshot() });
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** Sends the mapping request with the record's protocol and records the grant; throws RouterRefusal/RouterSilent. */
  private async apply(router: Router, r: OwnedMapping): Promise<void> {
    delete r.error;
    const mapper: Mapper = router.mappers[r.via];
    const grant = await mapper.map(r);
    if (grant.nonce) r.nonce = grant.nonce;
    if (grant.externalAddress && !router.info.externalAddress) router.info.externalAddress = grant.externalAddress;
    if (grant.epoch !== undefined && r.via !== 'upnp' && this.noteEpoch(router, r.via, grant.epoch)) queueMicrotask(() => void this.check());
    this.granted(r, grant);
    r.expiresAt = r.grantedLease > 0 ? this.now() + r.grantedLease * 1000 : undefined;
  }

  /** Records what the router granted; a mapping given another external port moves to that port's id. */
  private granted(r: OwnedMapping, grant: MapGrant): void {
    const externalPort = grant.externalPort;
    if (grant.note) r.note = grant.note;
    if (externalPort !== r.requestedExternalPort) {
      r.note = `The router gave external port ${externalPort} instead of ${r.requestedExternalPort} (which it could not give).`;
    }
    if (externalPort !== r.externalPort) {
      const oldId = idOf(r.protocol, r.externalPort);
      if (this.owned.get(oldId) === r) {
        this.owned.delete(oldId);
        this.owned.set(idOf(r.protocol, externalPort), r);
        const t = this.timers.get(oldId);
        if (t) {
          this.timers.delete(oldId);
          this.timers.set(idOf(r.protocol, externalPort), t);
        }
      }
      r.externalPort = externalPort;
    }
    r.grantedLease = grant.lease;
    r.state = grant.state;
    if (grant.error) r.error = grant.error;
  }

  private async renew(r: OwnedMapping): Promise<void> {
    if (this.closed || r.state === 'removed') return;
    const id = idOf(r.protocol, r.externalPort);
    this.clearTimer(id);
    r.state = 'renewing';
    this.emit();
    let retryMs: number | undefined;
    try {
      const router = await this.ensureRouter();
      await this.apply(router, r);
    } catch (err) {
      if (err instanceof RouterRefusal) {
        r.state = 'refused';
        r.error = err.routerError;
      } else {
        // Silence (or no router for now): keep trying while the lease lasts.
        r.error = { code: 'timeout', message: `Renewal failed: ${(err as Error).message}. Portolan tries again in 30 s.` };
        retryMs = 30000;
      }
    }
    if (this.owned.get(idOf(r.protocol, r.externalPort)) !== r) return; // removed meanwhile
    this.schedule(r, retryMs);
    this.emit();
  }

  /** Renewal at half the granted lease (or after `inMs`); nothing for permanent or refused mappings. */
  private schedule(r: OwnedMapping, inMs?: number): void {
    if (this.options.keepAlive === false || this.closed) return;
    if (inMs === undefined && (r.grantedLease <= 0 || r.state === 'refused')) return;
    const id = idOf(r.protocol, r.externalPort);
    this.clearTimer(id);
    const t = setTimeout(() => void this.renew(r), inMs ?? Math.max(1000, (r.grantedLease * 1000) / 2));
    t.unref();
    this.timers.set(id, t);
    this.startChecks();
  }

  private clearTimer(id: string): void {
    const t = this.timers.get(id);
    if (t) clearTimeout(t);
    this.timers.delete(id);
  }

  private startChecks(): void {
    const every = this.options.checkIntervalMs ?? 60000;
    if (this.checkTimer || every <= 0 || this.options.keepAlive === false || this.closed || !this.router || this.owned.size === 0) return;
    this.checkTimer = setInterval(() => void this.check().catch(() => undefined), every);
    this.checkTimer.unref();
  }

  /** Remembers an epoch; true when it shows the router restarted. */
  private noteEpoch(router: Router, protocol: 'natpmp' | 'pcp', epoch: number): boolean {
    const previous = router.epoch[protocol];
    const now = this.now();
    router.epoch[protocol] = { epoch, at: now };
    return previous !== undefined && epochWentBack(previous, epoch, now);
  }

  private toPortolanError(err: unknown, what: string): PortolanError {
    if (err instanceof PortolanError) return err;
    if (err instanceof RouterRefusal) return new PortolanError('ROUTER_REFUSED', `The router refused the ${what}. ${err.routerError.message}`);
    if (err instanceof RouterSilent) return new PortolanError('ETIMEDOUT', `The router did not answer the ${what}: ${err.message}.`);
    return new PortolanError('INTERNAL', `The ${what} failed: ${(err as Error).message}.`);
  }

  private emit(withRouter = false): void {
    this.options.onChange?.({ mappings: this.snapshot(), ...(withRouter && this.router ? { router: this.router.info } : {}) });
  }
}
