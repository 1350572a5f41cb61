/**
 * Router port mappings over UPnP IGD, NAT-PMP and PCP: discovery of the gateway and what it
 * answers to, listing, adding (with read-back), removing, and keeping Portolan's own mappings
 * alive: renewal at half the lease, re-application after a router reboot (NAT-PMP/PCP epoch going
 * backwards, UPnP mapping gone) or a new external address, and removal on quit when asked.
 */
import { randomBytes } from 'node:crypto';
import { PortolanError } from '../../contract/errors.js';
import type { Mapping, MappingRef, MappingSpec, NatProtocol, RouterAttempt, RouterChanged, RouterError, RouterInfo } from '../../contract/router.js';
import { explainNatPmpResult, explainPcpResult, RouterRefusal, RouterSilent } from './explain.js';
import { findGateway, localAddressToward } from './gateway.js';
import { IgdClient, httpRequest, parseRootDescription, type UpnpMappingEntry } from './igd.js';
import { decodeNatPmpResponse, encodeExternalAddressRequest, encodeMapRequest as encodeNatPmpMap, NATPMP_PORT, type NatPmpResponse } from './natpmp.js';
import { decodePcpResponse, encodeAnnounceRequest, encodeMapRequest as encodePcpMap, PCP_OPCODE_ANNOUNCE, PCP_OPCODE_MAP, type PcpResponse } from './pcp.js';
import { searchIgd } from './ssdp.js';
import { udpRequest } from './udp.js';

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
  igd?: IgdClient;
  /** Last NAT-PMP / PCP epoch seen, and when (ms). */
  epoch: Partial<Record<'natpmp' | 'pcp', { epoch: number; at: number }>>;
}

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

  constructor(private readonly o: NatEngineOptions = {}) {
    this.now = o.now ?? Date.now;
  }

  private get timeoutMs() {
    return this.o.timeoutMs ?? 2500;
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
    const gateway = this.o.gateway ?? (await findGateway())?.address;
    if (!gateway) {
      throw new PortolanError('NO_ROUTER', 'This machine has no default route, so there is no router to ask: connect to a network first (or set PORTOLAN_GATEWAY to the router address).');
    }
    let localAddress: string;
    try {
      localAddress = await localAddressToward(gateway);
    } catch (err) {
      throw new PortolanError('NO_ROUTER', `The gateway ${gateway} cannot be reached from this machine (${(err as Error).message}).`);
    }
    const port = this.o.natPmpPort ?? NATPMP_PORT;
    const tried: RouterAttempt[] = [];
    const router: Router = { info: { gateway, localAddress, protocols: [], tried }, epoch: {} };

    const upnp = (async () => {
      const answers = await searchIgd({ localAddress, gateway, multicast: this.o.ssdpMulticast, port: this.o.ssdpPort, timeoutMs: this.timeoutMs });
      if (answers.length === 0) return `no answer to the SSDP search (M-SEARCH for an InternetGatewayDevice) within ${(this.timeoutMs / 1000).toFixed(1)} s: UPnP is off or absent`;
      const problems: string[] = [];
      for (const answer of answers) {
        try {
          const res = await httpRequest(answer.location, { timeoutMs: this.timeoutMs });
          if (res.status !== 200) throw new Error(`HTTP status ${res.status}`);
          const desc = parseRootDescription(res.body, answer.location);
          if (!desc.controlUrl || !desc.serviceType) throw new Error('the device has no WANIPConnection or WANPPPConnection service');
          const igd = new IgdClient(desc.controlUrl, desc.serviceType, this.timeoutMs);
          const external = await igd.externalAddress().catch(() => '');
          router.igd = igd;
          router.info.upnp = {
            friendlyName: desc.friendlyName,
            manufacturer: desc.manufacturer,
            modelName: desc.modelName,
            controlUrl: desc.controlUrl,
            serviceType: desc.serviceType,
            location: answer.location,
          };
          if (external) router.info.externalAddress = external;
          return `answered: "${desc.friendlyName || desc.modelName || 'gateway'}" (${desc.serviceType.split(':').slice(-2).join(':')})${external ? `, external address ${external}` : ''}`;
        } catch (err) {
          problems.push(`${answer.location}: ${(err as Error).message}`);
        }
      }
      return `a device answered SSDP but could not be used (${problems.join('; ')})`;
    })();

    const natpmp = (async () => {
      try {
        const r = await udpRequest(
          { host: gateway, port, payload: encodeExternalAddressRequest(), localAddress, timeoutMs: this.timeoutMs, what: 'NAT-PMP' },
          (m) => {
            const d = decodeNatPmpResponse(m);
            return d?.opcode === 128 ? d : undefined;
          },
        );
        if (r.result !== 0) return `refused: ${explainNatPmpResult(r.result).message}`;
        this.noteEpoch(router, 'natpmp', r.epoch);
        router.info.protocols.push('natpmp');
        router.info.externalAddress ??= r.opcode === 128 ? r.externalAddress : undefined;
        return `answered: external address ${r.opcode === 128 ? r.externalAddress : '?'}`;
      } catch (err) {
        return (err as Error).message;
      }
    })();

    const pcp = (async () => {
      try {
        const r = await udpRequest(
          { host: gateway, port, payload: encodeAnnounceRequest(localAddress), localAddress, timeoutMs: this.timeoutMs, what: 'PCP' },
          (m) => {
            const d = decodePcpResponse(m);
            if (d?.opcode === PCP_OPCODE_ANNOUNCE) return d;
            // A NAT-PMP-only router answers a version 2 request with version 0, result 1.
            if (m[0] === 0 && m.length >= 4 && m.readUInt16BE(2) === 1) return 'natpmp-only' as const;
            return undefined;
          },
        );
        if (r === 'natpmp-only') return 'not spoken: the router answered with NAT-PMP\'s "unsupported version"';
        if (r.result !== 0) return `refused: ${explainPcpResult(r.result).message}`;
        this.noteEpoch(router, 'pcp', r.epoch);
        router.info.protocols.push('pcp');
        return 'answered (ANNOUNCE)';
      } catch (err) {
        return (err as Error).message;
      }
    })();

    const [u, n, p] = await Promise.all([upnp, natpmp, pcp]);
    if (router.igd) router.info.protocols.unshift('upnp');
    tried.push({ protocol: 'upnp', outcome: u }, { protocol: 'natpmp', outcome: n }, { protocol: 'pcp', outcome: p });
    const order: NatProtocol[] = ['upnp', 'pcp', 'natpmp'];
    router.info.protocols.sort((a, b) => order.indexOf(a) - order.indexOf(b));
    router.info.preferred = router.info.protocols[0];
    if (!router.info.preferred) {
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
    if (router.igd) this.upnpEntries = await router.igd.listMappings();
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
      ...(via === 'pcp' ? { nonce: randomBytes(12).toString('hex') } : {}),
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
    const via = record?.via ?? (router.igd ? 'upnp' : undefined);
    if (!via) {
      throw new PortolanError(
        'NOT_FOUND',
        `Portolan did not make a ${ref.protocol.toUpperCase()} mapping on external port ${ref.externalPort}, and this router speaks only NAT-PMP/PCP, which cannot remove other programs' mappings.`,
      );
    }
    try {
      // Some routers (miniupnpd 2.3) answer a deletion of a missing mapping with success: look first.
      if (!record && router.igd && !(await router.igd.specificMapping(ref.externalPort, ref.protocol))) {
        throw new PortolanError('NOT_FOUND', `The router has no ${ref.protocol.toUpperCase()} mapping on external port ${ref.externalPort}.`);
      }
      await this.delete(router, via, record ?? { protocol: ref.protocol, externalPort: ref.externalPort, internalPort: ref.externalPort });
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
    const port = this.o.natPmpPort ?? NATPMP_PORT;
    let reapply: NatProtocol[] = [];
    let external: string | undefined;
    if (router.info.protocols.includes('natpmp')) {
      const r = await udpRequest(
        { host: router.info.gateway, port, payload: encodeExternalAddressRequest(), localAddress: router.info.localAddress, timeoutMs: this.timeoutMs, what: 'NAT-PMP' },
        (m) => {
          const d = decodeNatPmpResponse(m);
          return d?.opcode === 128 ? d : undefined;
        },
      ).catch(() => undefined);
      if (r && r.opcode === 128 && r.result === 0) {
        if (this.noteEpoch(router, 'natpmp', r.epoch)) reapply = ['natpmp', 'pcp'];
        external = r.externalAddress;
      }
    }
    if (router.info.protocols.includes('pcp')) {
      const r = await udpRequest(
        { host: router.info.gateway, port, payload: encodeAnnounceRequest(router.info.localAddress), localAddress: router.info.localAddress, timeoutMs: this.timeoutMs, what: 'PCP' },
        (m) => {
          const d = decodePcpResponse(m);
          return d?.opcode === PCP_OPCODE_ANNOUNCE ? d : undefined;
        },
      ).catch(() => undefined);
      if (r && r.result === 0 && this.noteEpoch(router, 'pcp', r.epoch)) reapply = ['natpmp', 'pcp'];
    }
    if (router.igd) {
      external = (await router.igd.externalAddress().catch(() => undefined)) || external;
      for (const r of this.owned.values()) {
        if (r.via !== 'upnp' || r.state !== 'active') continue;
        const entry = await router.igd.specificMapping(r.externalPort, r.protocol).catch(() => null);
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
            await this.delete(router, r.via, r);
            r.state = 'removed';
          } catch {
            // The router will drop it when the lease ends.
          }
        }),
      );
      for (const r of leaving) if (r.state === 'removed') this.owned.delete(idOf(r.protocol, r.externalPort));
      this.o.onChange?.({ mappings: this.snapshot() });
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** Sends the mapping request with the record's protocol and updates the record; throws RouterRefusal/RouterSilent. */
  private async apply(router: Router, r: OwnedMapping): Promise<void> {
    const port = this.o.natPmpPort ?? NATPMP_PORT;
    const local = router.info.localAddress;
    delete r.error;
    if (r.via === 'upnp') {
      const igd = router.igd!;
      const add = (lease: number) =>
        igd.addMapping({ externalPort: r.externalPort, protocol: r.protocol, internalPort: r.internalPort, internalClient: r.internalHost, description: r.description, leaseSeconds: lease });
      try {
        await add(r.grantedLease);
      } catch (err) {
        if (!(err instanceof RouterRefusal && err.routerError.code === 'upnp:725' && r.grantedLease > 0)) throw err;
        await add(0);
        r.grantedLease = 0;
        r.note = `The router only accepts permanent mappings (UPnP 725), so this one has no lease: it stays until removed${r.removeOnQuit ? ' (Portolan removes it when it quits)' : ''}.`;
      }
      const entry = await igd.specificMapping(r.externalPort, r.protocol).catch(() => null);
      if (entry === undefined) {
        r.state = 'unverified';
        r.error = { code: 'not-listed', message: `The router accepted the mapping but does not list it when asked (GetSpecificPortMappingEntry says there is no such entry): it may not work; check the router's own page.` };
      } else if (entry && (entry.internalClient !== r.internalHost || entry.internalPort !== r.internalPort)) {
        r.state = 'unverified';
        r.error = { code: 'not-listed', message: `The router accepted the mapping but lists external port ${r.externalPort} as going to ${entry.internalClient}:${entry.internalPort}, not ${r.internalHost}:${r.internalPort}.` };
      } else r.state = 'active';
      if (entry && entry.leaseSeconds > 0) r.grantedLease = Math.min(r.grantedLease || entry.leaseSeconds, entry.leaseSeconds);
    } else if (r.via === 'natpmp') {
      const res = await udpRequest<NatPmpResponse>(
        { host: router.info.gateway, port, payload: encodeNatPmpMap(r.protocol, r.internalPort, r.externalPort, r.leaseSeconds), localAddress: local, timeoutMs: this.timeoutMs, what: 'NAT-PMP' },
        (m) => {
          const d = decodeNatPmpResponse(m);
          return d && d.opcode !== 128 && d.protocol === r.protocol && (d.result !== 0 || d.internalPort === r.internalPort) ? d : undefined;
        },
      );
      if (res.result !== 0 || res.opcode === 128) throw new RouterRefusal(explainNatPmpResult(res.result));
      if (this.noteEpoch(router, 'natpmp', res.epoch)) queueMicrotask(() => void this.check());
      this.assigned(r, res.externalPort, res.lifetime);
    } else {
      const nonce = Buffer.from(r.nonce ?? (r.nonce = randomBytes(12).toString('hex')), 'hex');
      const res = await udpRequest<PcpResponse>(
        {
          host: router.info.gateway,
          port,
          payload: encodePcpMap({
            nonce,
            protocol: r.protocol,
            internalPort: r.internalPort,
            suggestedExternalPort: r.externalPort,
            lifetime: r.leaseSeconds,
            clientAddress: local,
            ...(r.internalHost !== local ? { thirdParty: r.internalHost } : {}),
          }),
          localAddress: local,
          timeoutMs: this.timeoutMs,
          what: 'PCP',
        },
        (m) => {
          const d = decodePcpResponse(m);
          return d?.opcode === PCP_OPCODE_MAP && (!d.map || d.map.nonce.equals(nonce)) ? d : undefined;
        },
      );
      if (res.result !== 0 || !res.map) {
        const e = explainPcpResult(res.result);
        if (r.internalHost !== local && (res.result === 5 || res.result === 2)) {
          e.message += ` The request was for another host (${r.internalHost}, PCP THIRD_PARTY option), which this router does not allow: add the mapping from ${r.internalHost} itself.`;
        }
        throw new RouterRefusal(e);
      }
      if (this.noteEpoch(router, 'pcp', res.epoch)) queueMicrotask(() => void this.check());
      if (res.map.externalAddress && res.map.externalAddress !== '0.0.0.0' && !router.info.externalAddress) router.info.externalAddress = res.map.externalAddress;
      this.assigned(r, res.map.externalPort, res.lifetime);
    }
    r.expiresAt = r.grantedLease > 0 ? this.now() + r.grantedLease * 1000 : undefined;
  }

  /** Records what a NAT-PMP/PCP router granted. */
  private assigned(r: OwnedMapping, externalPort: number, lifetime: number): void {
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
    r.grantedLease = lifetime;
    r.state = 'active';
  }

  private async delete(router: Router, via: NatProtocol, r: Pick<OwnedMapping, 'protocol' | 'externalPort' | 'internalPort'> & { nonce?: string }): Promise<void> {
    const port = this.o.natPmpPort ?? NATPMP_PORT;
    const local = router.info.localAddress;
    if (via === 'upnp') {
      if (!router.igd) throw new RouterSilent('the router no longer answers UPnP');
      await router.igd.deleteMapping(r.externalPort, r.protocol);
    } else if (via === 'natpmp') {
      // RFC 6886 asks for external port 0 in a deletion; miniupnpd and natpmpc use the mapped port, which both accept.
      const res = await udpRequest(
        { host: router.info.gateway, port, payload: encodeNatPmpMap(r.protocol, r.internalPort, r.externalPort, 0), localAddress: local, timeoutMs: this.timeoutMs, what: 'NAT-PMP' },
        (m) => {
          const d = decodeNatPmpResponse(m);
          return d && d.opcode !== 128 && d.protocol === r.protocol ? d : undefined;
        },
      );
      if (res.result !== 0) throw new RouterRefusal(explainNatPmpResult(res.result));
    } else {
      const nonce = Buffer.from(r.nonce ?? randomBytes(12).toString('hex'), 'hex');
      const res = await udpRequest(
        {
          host: router.info.gateway,
          port,
          payload: encodePcpMap({ nonce, protocol: r.protocol, internalPort: r.internalPort, suggestedExternalPort: r.externalPort, lifetime: 0, clientAddress: local }),
          localAddress: local,
          timeoutMs: this.timeoutMs,
          what: 'PCP',
        },
        (m) => {
          const d = decodePcpResponse(m);
          return d?.opcode === PCP_OPCODE_MAP ? d : undefined;
        },
      );
      if (res.result !== 0) throw new RouterRefusal(explainPcpResult(res.result));
    }
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
    if (this.o.keepAlive === false || this.closed) return;
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
    const every = this.o.checkIntervalMs ?? 60000;
    if (this.checkTimer || every <= 0 || this.o.keepAlive === false || this.closed || !this.router || this.owned.size === 0) return;
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
    this.o.onChange?.({ mappings: this.snapshot(), ...(withRouter && this.router ? { router: this.router.info } : {}) });
  }
}
