/**
 * PCP (RFC 6887) messages: ANNOUNCE and MAP, IPv4 only (addresses as IPv4-mapped IPv6). Big-endian.
 *
 *   request header (24):  0 version=2 | 1 R=0,opcode | 2-3 reserved | 4-7 lifetime | 8-23 client address
 *   answer header (24):   0 version | 1 R=1,opcode | 2 reserved | 3 result | 4-7 lifetime | 8-11 epoch | 12-23 reserved
 *   MAP data (36):        0-11 nonce | 12 protocol | 13-15 reserved | 16-17 internal port
 *                         | 18-19 suggested/assigned external port | 20-35 suggested/assigned external address
 *   option:               0 code | 1 reserved | 2-3 length | data (THIRD_PARTY = 1: a 16-byte address)
 */

export const PCP_VERSION = 2;
export const PCP_OPCODE_ANNOUNCE = 0;
export const PCP_OPCODE_MAP = 1;
export const PCP_OPTION_THIRD_PARTY = 1;
const IANA_PROTOCOL = { tcp: 6, udp: 17 } as const;

/** Writes an IPv4 address as IPv4-mapped IPv6 (::ffff:a.b.c.d) at `offset`. */
function writeMappedV4(b: Buffer, offset: number, address: string): void {
  b.fill(0, offset, offset + 10);
  b[offset + 10] = 0xff;
  b[offset + 11] = 0xff;
  address.split('.').forEach((octet, i) => (b[offset + 12 + i] = Number(octet)));
}

/** Reads a 16-byte address: dotted IPv4 when it is IPv4-mapped, else the IPv6 text. */
function readAddress(b: Buffer, offset: number): string {
  const a = b.subarray(offset, offset + 16);
  if (a.subarray(0, 10).every((x) => x === 0) && a[10] === 0xff && a[11] === 0xff) return [...a.subarray(12)].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(a.readUInt16BE(i).toString(16));
  return groups.join(':');
}

/** An ANNOUNCE request: asks whether the gateway speaks PCP (and its epoch). */
export function encodeAnnounceRequest(clientAddress: string): Buffer {
  const b = Buffer.alloc(24);
  b[0] = PCP_VERSION;
  b[1] = PCP_OPCODE_ANNOUNCE;
  writeMappedV4(b, 8, clientAddress);
  return b;
}

/** What to ask for with MAP. */
export interface PcpMapRequest {
  /** 12 bytes, kept for the mapping's whole life: renewals and the deletion must repeat it. */
  nonce: Buffer;
  protocol: 'tcp' | 'udp';
  internalPort: number;
  /** 0 lets the router choose. */
  suggestedExternalPort: number;
  /** 0 deletes the mapping. */
  lifetime: number;
  /** The requesting host's own address (the source address of the packet). */
  clientAddress: string;
  /** Map for another host (THIRD_PARTY option); routers usually refuse it. */
  thirdParty?: string;
  /** Suggested external address; default any (::ffff:0.0.0.0). */
  suggestedExternalAddress?: string;
}

/** A MAP request (60 bytes, 80 with THIRD_PARTY). */
export function encodeMapRequest(r: PcpMapRequest): Buffer {
  if (r.nonce.length !== 12) throw new Error('A PCP nonce has 12 bytes.');
  const b = Buffer.alloc(r.thirdParty ? 80 : 60);
  b[0] = PCP_VERSION;
  b[1] = PCP_OPCODE_MAP;
  b.writeUInt32BE(r.lifetime, 4);
  writeMappedV4(b, 8, r.clientAddress);
  r.nonce.copy(b, 24);
  b[36] = IANA_PROTOCOL[r.protocol];
  b.writeUInt16BE(r.internalPort, 40);
  b.writeUInt16BE(r.suggestedExternalPort, 42);
  writeMappedV4(b, 44, r.suggestedExternalAddress ?? '0.0.0.0');
  if (r.thirdParty) {
    b[60] = PCP_OPTION_THIRD_PARTY;
    b.writeUInt16BE(16, 62);
    writeMappedV4(b, 64, r.thirdParty);
  }
  return b;
}

/** A decoded PCP answer (ANNOUNCE or MAP). */
export interface PcpResponse {
  version: number;
  opcode: number;
  result: number;
  lifetime: number;
  epoch: number;
  map?: {
    nonce: Buffer;
    protocol: 'tcp' | 'udp' | number;
    internalPort: number;
    externalPort: number;
    externalAddress: string;
  };
}

/**
 * Decodes a PCP answer, or undefined when the bytes are not one (a request, a NAT-PMP answer).
 * A NAT-PMP-only gateway answers a PCP request with a 4+ byte version 0 message: result 1
 * (unsupported version), which callers see as "no PCP".
 */
export function decodePcpResponse(b: Buffer): PcpResponse | undefined {
  if (b.length < 24 || b[0] !== PCP_VERSION || (b[1]! & 0x80) === 0) return undefined;
  const response: PcpResponse = {
    version: b[0],
    opcode: b[1]! & 0x7f,
    result: b[3]!,
    lifetime: b.readUInt32BE(4),
    epoch: b.readUInt32BE(8),
  };
  if (response.opcode === PCP_OPCODE_MAP && b.length >= 60) {
    const proto = b[36]!;
    response.map = {
      nonce: Buffer.from(b.subarray(24, 36)),
      protocol: proto === 6 ? 'tcp' : proto === 17 ? 'udp' : proto,
      internalPort: b.readUInt16BE(40),
      externalPort: b.readUInt16BE(42),
      externalAddress: readAddress(b, 44),
    };
  }
  return response;
}
