/** PCP (RFC 6887) as a {@link Mapper}: ANNOUNCE probes, MAP maps (with a nonce kept for the mapping's life) and deletes. */
import { randomBytes } from 'node:crypto';
import { explainPcpResult, RouterRefusal } from './explain.js';
import type { MapGrant, Mapper, MapperContext, MapRequest, Probe, UnmapRequest } from './mapper.js';
import { decodePcpResponse, encodeAnnounceRequest, encodeMapRequest, PCP_OPCODE_ANNOUNCE, PCP_OPCODE_MAP, type PcpMapRequest, type PcpResponse } from './pcp.js';
import { udpRequest } from './udp.js';

/** A fresh 12-byte PCP nonce, as hex. */
export const newPcpNonce = (): string => randomBytes(12).toString('hex');

/** Speaks PCP to the gateway. */
export class PcpMapper implements Mapper {
  readonly protocol = 'pcp' as const;

  constructor(private readonly ctx: MapperContext) {}

  private send<T>(payload: Buffer, accept: (m: Buffer) => T | undefined): Promise<T> {
    const { gateway, natPmpPort, localAddress, timeoutMs } = this.ctx;
    return udpRequest({ host: gateway, port: natPmpPort, payload, localAddress, timeoutMs, what: 'PCP' }, accept);
  }

  /** ANNOUNCE: a PCP router answers with its epoch; a NAT-PMP-only one with "unsupported version". */
  async probe(): Promise<Probe> {
    try {
      const r = await this.send(encodeAnnounceRequest(this.ctx.localAddress), (m) => {
        const d = decodePcpResponse(m);
        if (d?.opcode === PCP_OPCODE_ANNOUNCE) return d;
        // A NAT-PMP-only router answers a version 2 request with version 0, result 1.
        if (m[0] === 0 && m.length >= 4 && m.readUInt16BE(2) === 1) return 'natpmp-only' as const;
        return undefined;
      });
      if (r === 'natpmp-only') return { answered: false, outcome: 'not spoken: the router answered with NAT-PMP\'s "unsupported version"' };
      if (r.result !== 0) return { answered: false, outcome: `refused: ${explainPcpResult(r.result).message}` };
      return { answered: true, outcome: 'answered (ANNOUNCE)', epoch: r.epoch };
    } catch (err) {
      return { answered: false, outcome: (err as Error).message };
    }
  }

  private mapRequest(nonce: Buffer, r: Omit<PcpMapRequest, 'nonce' | 'clientAddress'>): Promise<PcpResponse> {
    return this.send(encodeMapRequest({ nonce, clientAddress: this.ctx.localAddress, ...r }), (m) => {
      const d = decodePcpResponse(m);
      return d?.opcode === PCP_OPCODE_MAP && (!d.map || d.map.nonce.equals(nonce)) ? d : undefined;
    });
  }

  /** Maps for this machine, or for another LAN host with the THIRD_PARTY option (routers usually refuse it). */
  async map(r: MapRequest): Promise<MapGrant> {
    const local = this.ctx.localAddress;
    const nonceHex = r.nonce ?? newPcpNonce();
    const res = await this.mapRequest(Buffer.from(nonceHex, 'hex'), {
      protocol: r.protocol,
      internalPort: r.internalPort,
      suggestedExternalPort: r.externalPort,
      lifetime: r.leaseSeconds,
      ...(r.internalHost !== local ? { thirdParty: r.internalHost } : {}),
    });
    if (res.result !== 0 || !res.map) {
      const e = explainPcpResult(res.result);
      if (r.internalHost !== local && (res.result === 5 || res.result === 2)) {
        e.message += ` The request was for another host (${r.internalHost}, PCP THIRD_PARTY option), which this router does not allow: add the mapping from ${r.internalHost} itself.`;
      }
      throw new RouterRefusal(e);
    }
    const external = res.map.externalAddress;
    return {
      externalPort: res.map.externalPort,
      lease: res.lifetime,
      state: 'active',
      epoch: res.epoch,
      ...(external && external !== '0.0.0.0' ? { externalAddress: external } : {}),
      ...(r.nonce ? {} : { nonce: nonceHex }),
    };
  }

  /** A MAP with lifetime 0 and the mapping's nonce deletes it. */
  async unmap(r: UnmapRequest): Promise<void> {
    const nonce = Buffer.from(r.nonce ?? newPcpNonce(), 'hex');
    const res = await this.send(
      encodeMapRequest({ nonce, protocol: r.protocol, internalPort: r.internalPort, suggestedExternalPort: r.externalPort, lifetime: 0, clientAddress: this.ctx.localAddress }),
      (m) => {
        const d = decodePcpResponse(m);
        return d?.opcode === PCP_OPCODE_MAP ? d : undefined;
      },
    );
    if (res.result !== 0) throw new RouterRefusal(explainPcpResult(res.result));
  }
}
