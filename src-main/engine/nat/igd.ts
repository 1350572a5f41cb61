/**
 * UPnP Internet Gateway Device: the root description (device name, WAN connection service) and
 * SOAP actions on WANIPConnection:1/2 or WANPPPConnection:1.
 */
import http from 'node:http';
import { explainUpnpError, RouterRefusal, RouterSilent } from './explain.js';

/** The WAN connection services Portolan can drive, in the order it prefers them. */
export const WAN_SERVICES = [
  'urn:schemas-upnp-org:service:WANIPConnection:2',
  'urn:schemas-upnp-org:service:WANIPConnection:1',
  'urn:schemas-upnp-org:service:WANPPPConnection:1',
];

/** What Portolan reads from a root description. */
export interface IgdDescription {
  friendlyName: string;
  manufacturer: string;
  modelName: string;
  /** The chosen WAN connection service; undefined when the device has none. */
  serviceType?: string;
  /** Absolute control URL of that service. */
  controlUrl?: string;
}

const decodeEntities = (s: string) =>
  s.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-f]+);/gi, (_, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
    if (named[e.toLowerCase()]) return named[e.toLowerCase()]!;
    return String.fromCodePoint(e[1]?.toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });

export const escapeXml = (s: string) =>
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

/** The text of the first element named `tag` (any namespace prefix), entities decoded. */
export function xmlText(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<(?:[\\w-]+:)?${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w-]+:)?${tag}\\s*>`, 'i').exec(xml);
  if (!m) return new RegExp(`<(?:[\\w-]+:)?${tag}(?:\\s[^>]*)?/>`, 'i').test(xml) ? '' : undefined;
  return decodeEntities(m[1]!.replace(/^<!\[CDATA\[([\s\S]*)\]\]>$/, '$1').trim());
}

/** Parses a root description; relative control URLs resolve against URLBase or the description's URL. */
export function parseRootDescription(xml: string, location: string): IgdDescription {
  const device = /<device[\s>][\s\S]*/i.exec(xml)?.[0] ?? xml;
  const base = xmlText(xml, 'URLBase') || location;
  const services = [...xml.matchAll(/<service(?:\s[^>]*)?>([\s\S]*?)<\/service\s*>/gi)].map((m) => ({
    serviceType: xmlText(m[1]!, 'serviceType') ?? '',
    controlURL: xmlText(m[1]!, 'controlURL') ?? '',
  }));
  const wan = WAN_SERVICES.map((t) => services.find((s) => s.serviceType === t && s.controlURL)).find(Boolean);
  return {
    friendlyName: xmlText(device, 'friendlyName') ?? '',
    manufacturer: xmlText(device, 'manufacturer') ?? '',
    modelName: xmlText(device, 'modelName') ?? '',
    ...(wan ? { serviceType: wan.serviceType, controlUrl: new URL(wan.controlURL, base).toString() } : {}),
  };
}

/** A SOAP request body for one action with its arguments in order. */
export function buildSoapRequest(serviceType: string, action: string, args: Array<[string, string | number]>): string {
  const body = args.map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`).join('');
  return (
    '<?xml version="1.0"?>\r\n' +
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">' +
    `<s:Body><u:${action} xmlns:u="${serviceType}">${body}</u:${action}></s:Body></s:Envelope>\r\n`
  );
}

/** A SOAP fault's UPnP error, or undefined when the text is no fault. */
export function parseSoapFault(xml: string): { errorCode: number; errorDescription: string } | undefined {
  if (!/<(?:[\w-]+:)?Fault[\s>]/i.test(xml)) return undefined;
  const code = Number(xmlText(xml, 'errorCode'));
  return { errorCode: Number.isFinite(code) ? code : 0, errorDescription: xmlText(xml, 'errorDescription') ?? xmlText(xml, 'faultstring') ?? '' };
}

/** The out-arguments of an action's response (`<u:ActionResponse>`), by name. */
export function parseSoapResponse(xml: string, action: string): Record<string, string> {
  const m = new RegExp(`<(?:[\\w-]+:)?${action}Response(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w-]+:)?${action}Response\\s*>`, 'i').exec(xml);
  if (!m) {
    if (new RegExp(`<(?:[\\w-]+:)?${action}Response(?:\\s[^>]*)?/>`, 'i').test(xml)) return {};
    throw new Error(`the router's answer to ${action} has no ${action}Response`);
  }
  const out: Record<string, string> = {};
  for (const a of m[1]!.matchAll(/<(?:[\w-]+:)?(\w+)(?:\s[^>]*)?>([\s\S]*?)<\/(?:[\w-]+:)?\1\s*>/g)) out[a[1]!] = decodeEntities(a[2]!.trim());
  for (const a of m[1]!.matchAll(/<(?:[\w-]+:)?(\w+)(?:\s[^>]*)?\/>/g)) out[a[1]!] ??= '';
  return out;
}

/** A small HTTP request with a deadline; resolves with status and body text. */
export function httpRequest(
  url: string,
  request: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number; localAddress?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: request.method ?? 'GET',
        headers: { ...(request.body ? { 'Content-Length': String(Buffer.byteLength(request.body)) } : {}), ...request.headers },
        ...(request.localAddress ? { localAddress: request.localAddress } : {}),
        timeout: request.timeoutMs ?? 3000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > 1_000_000) req.destroy(new Error('the router sent more than 1 MB'));
          else chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new RouterSilent(`no HTTP answer from ${url} within ${((request.timeoutMs ?? 3000) / 1000).toFixed(0)} s`)));
    req.on('error', (err) => reject(err instanceof RouterSilent ? err : new RouterSilent(`${url}: ${err.message}`)));
    req.end(request.body);
  });
}

/** One UPnP port mapping as the router lists it. */
export interface UpnpMappingEntry {
  remoteHost: string;
  externalPort: number;
  protocol: 'tcp' | 'udp';
  internalPort: number;
  internalClient: string;
  enabled: boolean;
  description: string;
  leaseSeconds: number;
}

/** SOAP actions on one WAN connection service. */
export class IgdClient {
  constructor(
    readonly controlUrl: string,
    readonly serviceType: string,
    private readonly timeoutMs = 3000,
  ) {}

  /** Runs an action; a SOAP fault becomes a RouterRefusal with the code explained. */
  async action(action: string, args: Array<[string, string | number]> = []): Promise<Record<string, string>> {
    const res = await httpRequest(this.controlUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset="utf-8"', SOAPAction: `"${this.serviceType}#${action}"` },
      body: buildSoapRequest(this.serviceType, action, args),
      timeoutMs: this.timeoutMs,
    });
    const fault = parseSoapFault(res.body);
    if (fault) throw new RouterRefusal(explainUpnpError(fault.errorCode, fault.errorDescription));
    if (res.status !== 200) throw new RouterRefusal({ code: `http:${res.status}`, message: `The router answered ${action} with HTTP status ${res.status}.` });
    return parseSoapResponse(res.body, action);
  }

  async externalAddress(): Promise<string> {
    return (await this.action('GetExternalIPAddress')).NewExternalIPAddress ?? '';
  }

  async addMapping(m: { externalPort: number; protocol: 'tcp' | 'udp'; internalPort: number; internalClient: string; description: string; leaseSeconds: number }): Promise<void> {
    await this.action('AddPortMapping', [
      ['NewRemoteHost', ''],
      ['NewExternalPort', m.externalPort],
      ['NewProtocol', m.protocol.toUpperCase()],
      ['NewInternalPort', m.internalPort],
      ['NewInternalClient', m.internalClient],
      ['NewEnabled', 1],
      ['NewPortMappingDescription', m.description],
      ['NewLeaseDuration', m.leaseSeconds],
    ]);
  }

  async deleteMapping(externalPort: number, protocol: 'tcp' | 'udp'): Promise<void> {
    await this.action('DeletePortMapping', [
      ['NewRemoteHost', ''],
      ['NewExternalPort', externalPort],
      ['NewProtocol', protocol.toUpperCase()],
    ]);
  }

  /** The mapping of one external port, or undefined when the router has none (714). */
  async specificMapping(externalPort: number, protocol: 'tcp' | 'udp'): Promise<UpnpMappingEntry | undefined> {
    try {
      const r = await this.action('GetSpecificPortMappingEntry', [
        ['NewRemoteHost', ''],
        ['NewExternalPort', externalPort],
        ['NewProtocol', protocol.toUpperCase()],
      ]);
      return toEntry({ ...r, NewExternalPort: String(externalPort), NewProtocol: protocol });
    } catch (err) {
      if (err instanceof RouterRefusal && err.routerError.code === 'upnp:714') return undefined;
      throw err;
    }
  }

  /** Every mapping, by index until the router says there are no more (713, or 714/402/501 on some routers). */
  async listMappings(max = 512): Promise<UpnpMappingEntry[]> {
    const out: UpnpMappingEntry[] = [];
    for (let i = 0; i < max; i++) {
      try {
        out.push(toEntry(await this.action('GetGenericPortMappingEntry', [['NewPortMappingIndex', i]])));
      } catch (err) {
        if (err instanceof RouterRefusal && ['upnp:713', 'upnp:714', 'upnp:402', 'upnp:501'].includes(err.routerError.code)) break;
        throw err;
      }
    }
    return out;
  }
}

/** A GetGeneric/GetSpecificPortMappingEntry answer as an entry. */
export function toEntry(r: Record<string, string>): UpnpMappingEntry {
  return {
    remoteHost: r.NewRemoteHost ?? '',
    externalPort: Number(r.NewExternalPort),
    protocol: (r.NewProtocol ?? '').toLowerCase() === 'udp' ? 'udp' : 'tcp',
    internalPort: Number(r.NewInternalPort),
    internalClient: r.NewInternalClient ?? '',
    enabled: r.NewEnabled !== '0',
    description: r.NewPortMappingDescription ?? '',
    leaseSeconds: Number(r.NewLeaseDuration ?? 0) || 0,
  };
}
