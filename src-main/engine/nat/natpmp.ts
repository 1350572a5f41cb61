/**
 * NAT-PMP (RFC 6886) messages. All numbers are big-endian; requests go to the gateway's UDP port
 * 5351 and answers come back from it.
 *
 *   external address request:  0 version=0 | 1 opcode=0
 *   external address answer:   0 version | 1 opcode=128 | 2-3 result | 4-7 epoch | 8-11 address
 *   map request:  0 version | 1 opcode (1 UDP, 2 TCP) | 2-3 reserved | 4-5 internal port
 *                 | 6-7 suggested external port | 8-11 lifetime (0 deletes)
 *   map answer:   0 version | 1 opcode+128 | 2-3 result | 4-7 epoch | 8-9 internal port
 *                 | 10-11 mapped external port | 12-15 lifetime
 */

/** The NAT-PMP and PCP server port on the gateway. */
export const NATPMP_PORT = 5351;

/** The external address request (2 bytes). */
export function encodeExternalAddressRequest(): Buffer {
  return Buffer.from([0, 0]);
}

/** A map request; lifetime 0 deletes the mapping of `internalPort`. */
export function encodeMapRequest(protocol: 'tcp' | 'udp', internalPort: number, externalPort: number, lifetime: number): Buffer {
  const b = Buffer.alloc(12);
  b[0] = 0;
  b[1] = protocol === 'udp' ? 1 : 2;
  b.writeUInt16BE(internalPort, 4);
  b.writeUInt16BE(externalPort, 6);
  b.writeUInt32BE(lifetime, 8);
  return b;
}

/** A decoded NAT-PMP answer. */
export type NatPmpResponse =
  | { version: number; opcode: 128; result: number; epoch: number; externalAddress: string }
  | {
      version: number;
      opcode: 129 | 130;
      protocol: 'udp' | 'tcp';
      result: number;
      epoch: number;
      internalPort: number;
      externalPort: number;
      lifetime: number;
    };

/**
 * Decodes an answer, or returns undefined for what is not a NAT-PMP answer (a PCP message, an
 * announcement to 224.0.0.1, a truncated packet). A refusal is still decoded: check `result`.
 * An error answer may be short (RFC 6886 3.5: at least 8 bytes), so fields past 8 default to 0.
 */
export function decodeNatPmpResponse(b: Buffer): NatPmpResponse | undefined {
  if (b.length < 4 || b[0] !== 0) return undefined;
  const opcode = b[1]!;
  const result = b.readUInt16BE(2);
  const epoch = b.length >= 8 ? b.readUInt32BE(4) : 0;
  if (opcode === 128) {
    if (result === 0 && b.length < 12) return undefined;
    const externalAddress = b.length >= 12 ? [...b.subarray(8, 12)].join('.') : '0.0.0.0';
    return { version: 0, opcode, result, epoch, externalAddress };
  }
  if (opcode === 129 || opcode === 130) {
    if (result === 0 && b.length < 16) return undefined;
    const at = (offset: number, read: (offset: number) => number) => (b.length >= offset + 2 ? read(offset) : 0);
    return {
      version: 0,
      opcode,
      protocol: opcode === 129 ? 'udp' : 'tcp',
      result,
      epoch,
      internalPort: at(8, (offset) => b.readUInt16BE(offset)),
      externalPort: at(10, (offset) => b.readUInt16BE(offset)),
      lifetime: b.length >= 16 ? b.readUInt32BE(12) : 0,
    };
  }
  return undefined;
}
