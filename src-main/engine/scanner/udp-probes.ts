/**
 * UDP probes: a request each common UDP service answers (most ignore an empty datagram, so silence
 * would look like open|filtered), and decoders that name what answered. Other ports get an empty
 * datagram, which still finds closed ports (ICMP port unreachable) and services that answer anything.
 */
import type { ServiceInfo } from '../../contract/scan.js';

/** A UDP probe: its name and the datagram to send. */
export interface UdpProbe {
  name: 'dns' | 'ntp' | 'snmp' | 'netbios-ns' | 'ssdp' | 'mdns' | 'empty';
  payload: Buffer;
}

/** Encodes a DNS name ("version.bind") as length-prefixed labels. */
export function encodeDnsName(name: string): Buffer {
  const parts = name.split('.').filter(Boolean);
  return Buffer.concat([...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'ascii')])), Buffer.from([0])]);
}

/** A DNS query: id, flags (RD unless mDNS), one question. */
export function encodeDnsQuery(id: number, name: string, type: number, klass: number, recursionDesired = true): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id & 0xffff, 0);
  header.writeUInt16BE(recursionDesired ? 0x0100 : 0, 2);
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(klass, 2);
  return Buffer.concat([header, encodeDnsName(name), tail]);
}

/** An NTP client request (RFC 5905): LI 3 (unsynchronized), version 4, mode 3 (client), 48 bytes. */
export function encodeNtpRequest(): Buffer {
  const b = Buffer.alloc(48);
  b[0] = (3 << 6) | (4 << 3) | 3;
  return b;
}

/** BER: one tag-length-value. */
function tlv(tag: number, value: Buffer): Buffer {
  const len = value.length;
  const lenBytes = len < 128 ? Buffer.from([len]) : len < 256 ? Buffer.from([0x81, len]) : Buffer.from([0x82, len >> 8, len & 255]);
  return Buffer.concat([Buffer.from([tag]), lenBytes, value]);
}

function berInteger(n: number): Buffer {
  const bytes: number[] = [];
  let v = n >>> 0;
  do {
    bytes.unshift(v & 255);
    v >>>= 8;
  } while (v > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(0x02, Buffer.from(bytes));
}

function berOid(oid: string): Buffer {
  const parts = oid.split('.').map(Number);
  const out = [parts[0]! * 40 + parts[1]!];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    let v = p >>> 7;
    while (v > 0) {
      chunk.unshift((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** The OID of sysDescr.0, the text an SNMP agent describes itself with. */
export const SYS_DESCR_OID = '1.3.6.1.2.1.1.1.0';

/** An SNMP v1 GetRequest for sysDescr.0 with the community "public". */
export function encodeSnmpGet(requestId: number, community = 'public', oid = SYS_DESCR_OID): Buffer {
  const varbind = tlv(0x30, Buffer.concat([berOid(oid), Buffer.from([0x05, 0x00])]));
  const pdu = tlv(0xa0, Buffer.concat([berInteger(requestId), berInteger(0), berInteger(0), tlv(0x30, varbind)]));
  return tlv(0x30, Buffer.concat([berInteger(0), tlv(0x04, Buffer.from(community, 'ascii')), pdu]));
}

/** A NetBIOS name-service node status request (NBSTAT) for the wildcard name "*". */
export function encodeNbstat(id: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id & 0xffff, 0);
  header.writeUInt16BE(1, 4);
  const raw = Buffer.alloc(16);
  raw[0] = 0x2a; // '*', padded with NULs
  const encoded = Buffer.alloc(32);
  for (let i = 0; i < 16; i++) {
    encoded[2 * i] = 0x41 + (raw[i]! >> 4);
    encoded[2 * i + 1] = 0x41 + (raw[i]! & 0x0f);
  }
  return Buffer.concat([header, Buffer.from([0x20]), encoded, Buffer.from([0x00, 0x00, 0x21, 0x00, 0x01])]);
}

/** An SSDP discovery request (UPnP), sent unicast to port 1900. */
export function encodeSsdpSearch(host: string): Buffer {
  const where = host.includes(':') ? `[${host}]:1900` : `${host}:1900`;
  return Buffer.from(`M-SEARCH * HTTP/1.1\r\nHOST: ${where}\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n`, 'ascii');
}

/** The probe for a UDP port: a protocol request where one is known, otherwise an empty datagram. */
export function udpProbeFor(port: number, host: string, id = 0x5054): UdpProbe {
  switch (port) {
    case 53:
      return { name: 'dns', payload: encodeDnsQuery(id, 'version.bind', 16, 3) };
    case 123:
      return { name: 'ntp', payload: encodeNtpRequest() };
    case 161:
      return { name: 'snmp', payload: encodeSnmpGet(id) };
    case 137:
      return { name: 'netbios-ns', payload: encodeNbstat(id) };
    case 1900:
      return { name: 'ssdp', payload: encodeSsdpSearch(host) };
    case 5353:
      // QU bit (top bit of the class) asks for a unicast answer.
      return { name: 'mdns', payload: encodeDnsQuery(0, '_services._dns-sd._udp.local', 12, 0x8001, false) };
    default:
      return { name: 'empty', payload: Buffer.alloc(0) };
  }
}

/** Reads a (possibly compressed) DNS name at `offset`; returns it and the offset after it. */
export function readDnsName(msg: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let pos = offset;
  let next = -1;
  for (let hops = 0; hops < 64 && pos < msg.length; hops++) {
    const len = msg[pos]!;
    if (len === 0) {
      if (next < 0) next = pos + 1;
      return { name: labels.join('.'), next };
    }
    if ((len & 0xc0) === 0xc0) {
      if (next < 0) next = pos + 2;
      pos = ((len & 0x3f) << 8) | msg[pos + 1]!;
      continue;
    }
    labels.push(msg.subarray(pos + 1, pos + 1 + len).toString('latin1'));
    pos += 1 + len;
  }
  throw new Error('bad DNS name');
}

/** A decoded DNS answer: rcode, answer count, and the first TXT string if any. */
export function decodeDns(msg: Buffer): { response: boolean; rcode: number; answers: number; txt?: string; names: string[] } | undefined {
  if (msg.length < 12) return undefined;
  const flags = msg.readUInt16BE(2);
  const qd = msg.readUInt16BE(4);
  const an = msg.readUInt16BE(6);
  const result: { response: boolean; rcode: number; answers: number; txt?: string; names: string[] } = { response: (flags & 0x8000) !== 0, rcode: flags & 0x0f, answers: an, names: [] };
  try {
    let pos = 12;
    for (let i = 0; i < qd; i++) pos = readDnsName(msg, pos).next + 4;
    for (let i = 0; i < an && pos < msg.length; i++) {
      const { name, next } = readDnsName(msg, pos);
      const type = msg.readUInt16BE(next);
      const rdlen = msg.readUInt16BE(next + 8);
      const rdata = msg.subarray(next + 10, next + 10 + rdlen);
      result.names.push(name);
      if (type === 16 && rdata.length > 0 && result.txt === undefined) result.txt = rdata.subarray(1, 1 + rdata[0]!).toString('utf8');
      if (type === 12) result.names.push(readDnsName(msg, next + 10).name);
      pos = next + 10 + rdlen;
    }
  } catch {
    // keep what was read
  }
  return result;
}

/** Reads BER TLVs, returning every OCTET STRING found (depth-first, in order). */
export function berOctetStrings(buf: Buffer, out: string[] = [], depth = 0): string[] {
  let pos = 0;
  while (pos + 2 <= buf.length && depth < 8) {
    const tag = buf[pos]!;
    let len = buf[pos + 1]!;
    let head = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 2 || pos + 2 + n > buf.length) return out;
      len = n === 1 ? buf[pos + 2]! : (buf[pos + 2]! << 8) | buf[pos + 3]!;
      head = 2 + n;
    }
    const value = buf.subarray(pos + head, pos + head + len);
    if (value.length < len) return out;
    if (tag === 0x04) out.push(value.toString('utf8'));
    else if (tag === 0x30 || (tag & 0xe0) === 0xa0) berOctetStrings(value, out, depth + 1);
    pos += head + len;
  }
  return out;
}

const firstLine = (text: string) => text.split(/\r?\n/)[0]!.trim().slice(0, 200);

/** Names the service behind a UDP reply to `probe`. */
export function decodeUdpReply(probe: UdpProbe, reply: Buffer): ServiceInfo {
  if (probe.payload.length > 0 && reply.equals(probe.payload)) return { name: 'unknown', extra: 'echoes the probe back' };
  switch (probe.name) {
    case 'dns':
    case 'mdns': {
      const dns = decodeDns(reply);
      if (!dns?.response) break;
      const name = probe.name === 'dns' ? 'domain' : 'mdns';
      if (dns.txt) return { name, version: dns.txt, extra: 'version.bind' };
      const rcodes = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
      const services = dns.names.filter((n) => n.startsWith('_')).slice(0, 5);
      return { name, extra: services.length ? `services: ${services.join(', ')}` : `answer ${rcodes[dns.rcode] ?? dns.rcode}` };
    }
    case 'ntp': {
      if (reply.length < 48 || (reply[0]! & 7) !== 4) break;
      return { name: 'ntp', version: `v${(reply[0]! >> 3) & 7}`, extra: `stratum ${reply[1]}` };
    }
    case 'snmp': {
      if (reply[0] !== 0x30) break;
      const strings = berOctetStrings(reply);
      return { name: 'snmp', ...(strings.length > 1 ? { extra: firstLine(strings[strings.length - 1]!) } : { extra: 'SNMPv1 answer' }) };
    }
    case 'netbios-ns': {
      if (reply.length < 57 || !(reply.readUInt16BE(2) & 0x8000)) break;
      let pos = 12;
      try {
        pos = readDnsName(reply, pos).next + 10;
      } catch {
        break;
      }
      const count = reply[pos];
      const first = count ? reply.subarray(pos + 1, pos + 16).toString('latin1').trim() : undefined;
      return { name: 'netbios-ns', ...(first ? { extra: `NetBIOS name ${first}` } : {}) };
    }
    case 'ssdp': {
      const text = reply.toString('latin1');
      if (!text.startsWith('HTTP/')) break;
      const server = /^server:\s*(.+)$/im.exec(text)?.[1]?.trim();
      return { name: 'upnp', ...(server ? { product: server.slice(0, 200) } : {}) };
    }
    default:
      break;
  }
  const printable = reply.toString('latin1').replace(/[^\x20-\x7e]+/g, ' ').trim();
  return { name: 'unknown', ...(printable ? { extra: printable.slice(0, 120) } : {}) };
}
