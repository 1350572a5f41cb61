/**
 * A fake home router on 127.0.0.1 (ephemeral ports) for tests that must not touch a real network:
 * SSDP (unicast M-SEARCH), the UPnP root description recorded from miniupnpd, SOAP actions on a
 * mapping table, and NAT-PMP / PCP on one UDP port, answering as miniupnpd does.
 */
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { xmlText } from '../../../../src-main/engine/nat/igd.js';
import type { NatEngineOptions } from '../../../../src-main/engine/nat/nat-engine.js';

export const FIXTURES = path.resolve(import.meta.dirname, '../../../fixtures/nat');
export const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');

export interface FakeEntry {
  protocol: 'tcp' | 'udp';
  externalPort: number;
  internalClient: string;
  internalPort: number;
  description: string;
  lease: number;
}

export interface FakeRouter {
  options: Omit<NatEngineOptions, 'onChange'>;
  mappings: Map<string, FakeEntry>;
  /** Counts of requests by kind (e.g. 'AddPortMapping', 'natpmp-map', 'pcp-map'). */
  seen: Record<string, number>;
  behaviour: {
    externalAddress: string;
    upnp: boolean;
    natpmp: boolean;
    pcp: boolean;
    /** UPnP: refuse leases other than 0 with 725. */
    onlyPermanent: boolean;
    /** UPnP: accept AddPortMapping but do not store it. */
    forget: boolean;
    /** UPnP 718 for another internal client; NAT-PMP/PCP result codes to answer with. */
    natpmpResult: number;
    pcpResult: number;
    /** Lifetime granted to NAT-PMP/PCP maps (default: the one asked). */
    grant?: number;
  };
  /** Forgets every mapping and restarts the epoch (a router reboot). */
  reboot(): void;
  close(): Promise<void>;
}

const SOAP_OK = (action: string, inner = '') =>
  `<?xml version="1.0"?>\r\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><u:${action}Response xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:2">${inner}</u:${action}Response></s:Body></s:Envelope>\r\n`;
const SOAP_FAULT = (code: number, desc: string) => fixture('soap-fault-718.xml').replace('718', String(code)).replace('ConflictInMappingEntry', desc);

export async function startFakeRouter(): Promise<FakeRouter> {
  const mappings = new Map<string, FakeEntry>();
  const seen: Record<string, number> = {};
  const count = (k: string) => (seen[k] = (seen[k] ?? 0) + 1);
  let epochStart = Date.now() - 50_000;
  const behaviour: FakeRouter['behaviour'] = {
    externalAddress: '203.0.113.7',
    upnp: true,
    natpmp: true,
    pcp: true,
    onlyPermanent: false,
    forget: false,
    natpmpResult: 0,
    pcpResult: 0,
  };
  const epoch = () => Math.floor((Date.now() - epochStart) / 1000);

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/rootDesc.xml') {
        res.writeHead(200, { 'Content-Type': 'text/xml' }).end(fixture('miniupnpd-rootDesc.xml'));
        return;
      }
      const action = /#(\w+)"?$/.exec(String(req.headers.soapaction ?? ''))?.[1] ?? '';
      count(action);
      const arg = (n: string) => xmlText(body, n) ?? '';
      const key = (p: string, e: string) => `${p.toLowerCase()}:${e}`;
      const entryXml = (e: FakeEntry) =>
        `<NewRemoteHost></NewRemoteHost><NewExternalPort>${e.externalPort}</NewExternalPort><NewProtocol>${e.protocol.toUpperCase()}</NewProtocol><NewInternalPort>${e.internalPort}</NewInternalPort><NewInternalClient>${e.internalClient}</NewInternalClient><NewEnabled>1</NewEnabled><NewPortMappingDescription>${e.description}</NewPortMappingDescription><NewLeaseDuration>${e.lease}</NewLeaseDuration>`;
      const send = (status: number, text: string) => res.writeHead(status, { 'Content-Type': 'text/xml; charset="utf-8"' }).end(text);
      if (action === 'GetExternalIPAddress') return send(200, SOAP_OK(action, `<NewExternalIPAddress>${behaviour.externalAddress}</NewExternalIPAddress>`));
      if (action === 'AddPortMapping') {
        const lease = Number(arg('NewLeaseDuration'));
        if (behaviour.onlyPermanent && lease !== 0) return send(500, SOAP_FAULT(725, 'OnlyPermanentLeasesSupported'));
        const k = key(arg('NewProtocol'), arg('NewExternalPort'));
        const client = arg('NewInternalClient');
        const held = mappings.get(k);
        if (client !== '127.0.0.1' || (held && held.internalClient !== client)) return send(500, SOAP_FAULT(718, 'ConflictInMappingEntry'));
        if (!behaviour.forget) {
          mappings.set(k, {
            protocol: arg('NewProtocol').toLowerCase() as 'tcp',
            externalPort: Number(arg('NewExternalPort')),
            internalClient: client,
            internalPort: Number(arg('NewInternalPort')),
            description: arg('NewPortMappingDescription'),
            lease,
          });
        }
        return send(200, SOAP_OK(action));
      }
      if (action === 'DeletePortMapping') {
        if (!mappings.delete(key(arg('NewProtocol'), arg('NewExternalPort')))) return send(500, SOAP_FAULT(714, 'NoSuchEntryInArray'));
        return send(200, SOAP_OK(action));
      }
      if (action === 'GetSpecificPortMappingEntry') {
        const e = mappings.get(key(arg('NewProtocol'), arg('NewExternalPort')));
        if (!e) return send(500, SOAP_FAULT(714, 'NoSuchEntryInArray'));
        return send(200, SOAP_OK(action, entryXml(e).replace(/<NewRemoteHost>.*?<NewProtocol>[A-Z]+<\/NewProtocol>/, '')));
      }
      if (action === 'GetGenericPortMappingEntry') {
        const e = [...mappings.values()][Number(arg('NewPortMappingIndex'))];
        if (!e) return send(500, SOAP_FAULT(713, 'SpecifiedArrayIndexInvalid'));
        return send(200, SOAP_OK(action, entryXml(e)));
      }
      send(500, SOAP_FAULT(401, 'Invalid Action'));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const httpPort = (server.address() as AddressInfo).port;

  const ssdp = dgram.createSocket('udp4');
  ssdp.on('message', (m, r) => {
    if (!behaviour.upnp || !m.toString().startsWith('M-SEARCH')) return;
    count('m-search');
    const st = /^ST:\s*(.*)$/im.exec(m.toString())?.[1]?.trim() ?? '';
    const text = fixture('ssdp-response.txt')
      .replace(/^ST: .*$/m, `ST: ${st}`)
      .replace(/^LOCATION: .*$/m, `LOCATION: http://127.0.0.1:${httpPort}/rootDesc.xml`);
    ssdp.send(text, r.port, r.address);
  });
  await new Promise<void>((r) => ssdp.bind(0, '127.0.0.1', r));

  const pmp = dgram.createSocket('udp4');
  pmp.on('message', (m, r) => {
    const reply = (b: Buffer) => pmp.send(b, r.port, r.address);
    if (m[0] === 0 && behaviour.natpmp) {
      const op = m[1]!;
      if (op === 0) {
        count('natpmp-address');
        const b = Buffer.alloc(12);
        b[1] = 128;
        b.writeUInt16BE(behaviour.natpmpResult, 2);
        b.writeUInt32BE(epoch(), 4);
        behaviour.externalAddress.split('.').forEach((o, i) => (b[8 + i] = Number(o)));
        return reply(b);
      }
      count('natpmp-map');
      const b = Buffer.alloc(16);
      b[1] = 128 + op;
      b.writeUInt16BE(behaviour.natpmpResult, 2);
      b.writeUInt32BE(epoch(), 4);
      const iport = m.readUInt16BE(4);
      const eport = m.readUInt16BE(6) || iport;
      const life = m.readUInt32BE(8);
      b.writeUInt16BE(iport, 8);
      const protocol = op === 1 ? 'udp' : 'tcp';
      if (behaviour.natpmpResult === 0) {
        if (life === 0) {
          for (const [k, e] of mappings) if (e.protocol === protocol && e.internalPort === iport) mappings.delete(k);
        } else {
          mappings.set(`${protocol}:${eport}`, { protocol, externalPort: eport, internalClient: r.address, internalPort: iport, description: `NAT-PMP ${eport} ${protocol}`, lease: behaviour.grant ?? life });
          b.writeUInt16BE(eport, 10);
          b.writeUInt32BE(behaviour.grant ?? life, 12);
        }
      }
      return reply(b);
    }
    if (m[0] === 2 && behaviour.pcp) {
      const b = Buffer.alloc(m.length >= 60 ? 60 : 24);
      b[0] = 2;
      b[1] = 0x80 | m[1]!;
      b[3] = behaviour.pcpResult;
      b.writeUInt32BE(epoch(), 8);
      if (m[1] === 0) {
        count('pcp-announce');
        return reply(b);
      }
      count('pcp-map');
      m.copy(b, 24, 24, 60);
      const life = m.readUInt32BE(4);
      const iport = m.readUInt16BE(40);
      const eport = m.readUInt16BE(42) || iport;
      const protocol = m[36] === 17 ? 'udp' : 'tcp';
      if (m.length > 60) b[3] = 5; // THIRD_PARTY: UNSUPP_OPTION, as miniupnpd answers
      if (b[3] === 0) {
        if (life === 0) mappings.delete(`${protocol}:${eport}`);
        else mappings.set(`${protocol}:${eport}`, { protocol, externalPort: eport, internalClient: r.address, internalPort: iport, description: `PCP MAP ${m.subarray(24, 36).toString('hex')}`, lease: behaviour.grant ?? life });
        b.writeUInt32BE(life === 0 ? 0 : (behaviour.grant ?? life), 4);
        b.writeUInt16BE(eport, 42);
        b[54] = 0xff;
        b[55] = 0xff;
        behaviour.externalAddress.split('.').forEach((o, i) => (b[56 + i] = Number(o)));
      }
      return reply(b);
    }
    if (m[0] === 2 && !behaviour.pcp && behaviour.natpmp) {
      const b = Buffer.alloc(8);
      b[1] = 128 + m[1]!;
      b.writeUInt16BE(1, 2);
      b.writeUInt32BE(epoch(), 4);
      return reply(b);
    }
  });
  await new Promise<void>((r) => pmp.bind(0, '127.0.0.1', r));

  return {
    options: { gateway: '127.0.0.1', natPmpPort: pmp.address().port, ssdpPort: ssdp.address().port, ssdpMulticast: false, timeoutMs: 700, checkIntervalMs: 0 },
    mappings,
    seen,
    behaviour,
    reboot() {
      mappings.clear();
      epochStart = Date.now();
    },
    async close() {
      pmp.close();
      ssdp.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
