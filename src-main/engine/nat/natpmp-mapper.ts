/** NAT-PMP (RFC 6886) as a {@link Mapper}: the external address request probes, MAP requests map and delete. */
import { explainNatPmpResult, RouterRefusal } from './explain.js';
import type { MapGrant, Mapper, MapperContext, MapRequest, Probe, UnmapRequest } from './mapper.js';
import { decodeNatPmpResponse, encodeExternalAddressRequest, encodeMapRequest, type NatPmpResponse } from './natpmp.js';
import { udpRequest } from './udp.js';

/** Speaks NAT-PMP to the gateway. */
export class NatPmpMapper implements Mapper {
  readonly protocol = 'natpmp' as const;

  constructor(private readonly ctx: MapperContext) {}

  /** One request and its answer (accepted by `accept`); throws RouterSilent without one. */
  private request<T>(payload: Buffer, accept: (d: NatPmpResponse) => T | undefined): Promise<T> {
    const { gateway, natPmpPort, localAddress, timeoutMs } = this.ctx;
    return udpRequest({ host: gateway, port: natPmpPort, payload, localAddress, timeoutMs, what: 'NAT-PMP' }, (m) => {
      const d = decodeNatPmpResponse(m);
      return d ? accept(d) : undefined;
    });
  }

  /** The external address request: its answer carries the epoch and the public address. */
  async probe(): Promise<Probe> {
    try {
      const r = await this.request(encodeExternalAddressRequest(), (d) => (d.opcode === 128 ? d : undefined));
      if (r.result !== 0) return { answered: false, outcome: `refused: ${explainNatPmpResult(r.result).message}` };
      return { answered: true, outcome: `answered: external address ${r.externalAddress}`, epoch: r.epoch, externalAddress: r.externalAddress };
    } catch (err) {
      return { answered: false, outcome: (err as Error).message };
    }
  }

  /** NAT-PMP maps only to the machine that asks; the router may give another external port. */
  async map(r: MapRequest): Promise<MapGrant> {
    const res = await this.request(encodeMapRequest(r.protocol, r.internalPort, r.externalPort, r.leaseSeconds), (d) =>
      d.opcode !== 128 && d.protocol === r.protocol && (d.result !== 0 || d.internalPort === r.internalPort) ? d : undefined,
    );
    if (res.result !== 0) throw new RouterRefusal(explainNatPmpResult(res.result));
    return { externalPort: res.externalPort, lease: res.lifetime, state: 'active', epoch: res.epoch };
  }

  async unmap(r: UnmapRequest): Promise<void> {
    // RFC 6886 asks for external port 0 in a deletion; miniupnpd and natpmpc use the mapped port, which both accept.
    const res = await this.request(encodeMapRequest(r.protocol, r.internalPort, r.externalPort, 0), (d) => (d.opcode !== 128 && d.protocol === r.protocol ? d : undefined));
    if (res.result !== 0) throw new RouterRefusal(explainNatPmpResult(res.result));
  }
}
