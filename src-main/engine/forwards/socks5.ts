/**
 * The SOCKS5 protocol (RFC 1928) as far as Portolan's -D tunnel serves it: no authentication,
 * CONNECT only, IPv4, IPv6 and domain-name addresses. Parsers are pure: they take the bytes
 * received so far and say "need more", a result and how many bytes it used, or a failure with the
 * reply code to send.
 */

export const SOCKS_VERSION = 5;
/** Reply codes of RFC 1928 section 6. */
export const SocksReply = {
  succeeded: 0x00,
  generalFailure: 0x01,
  notAllowed: 0x02,
  networkUnreachable: 0x03,
  hostUnreachable: 0x04,
  connectionRefused: 0x05,
  ttlExpired: 0x06,
  commandNotSupported: 0x07,
  addressTypeNotSupported: 0x08,
} as const;

/** Result of parsing: more bytes are needed, a value and the bytes it used, or a failure. */
export type Parsed<T> = { need: 'more' } | { ok: true; value: T; used: number } | { ok: false; reply: number; reason: string };

/** The client's greeting: VER, NMETHODS, METHODS. */
export function parseGreeting(buf: Uint8Array): Parsed<{ methods: number[] }> {
  if (buf.length < 2) return { need: 'more' };
  if (buf[0] !== SOCKS_VERSION) return { ok: false, reply: 0xff, reason: `not SOCKS5 (version byte ${buf[0]})` };
  const n = buf[1]!;
  if (buf.length < 2 + n) return { need: 'more' };
  return { ok: true, value: { methods: [...buf.subarray(2, 2 + n)] }, used: 2 + n };
}

/** The method selection reply: 0x00 (no authentication) when offered, else 0xFF (no acceptable method). */
export function greetingReply(methods: number[]): Uint8Array {
  return Uint8Array.from([SOCKS_VERSION, methods.includes(0) ? 0x00 : 0xff]);
}

/** A CONNECT request. */
export interface SocksRequest {
  command: number;
  /** IPv4 dotted quad, IPv6 in full colon form, or a domain name. */
  host: string;
  port: number;
  addressType: 'ipv4' | 'ipv6' | 'domain';
}

/** The request: VER CMD RSV ATYP DST.ADDR DST.PORT. Only CONNECT (1) is accepted. */
export function parseRequest(buf: Uint8Array): Parsed<SocksRequest> {
  if (buf.length < 4) return { need: 'more' };
  if (buf[0] !== SOCKS_VERSION) return { ok: false, reply: SocksReply.generalFailure, reason: `not SOCKS5 (version byte ${buf[0]})` };
  const command = buf[1]!;
  const atyp = buf[3]!;
  let host: string;
  let at: number;
  let addressType: SocksRequest['addressType'];
  if (atyp === 0x01) {
    if (buf.length < 10) return { need: 'more' };
    host = [...buf.subarray(4, 8)].join('.');
    at = 8;
    addressType = 'ipv4';
  } else if (atyp === 0x04) {
    if (buf.length < 22) return { need: 'more' };
    const groups: string[] = [];
    for (let i = 4; i < 20; i += 2) groups.push(((buf[i]! << 8) | buf[i + 1]!).toString(16));
    host = groups.join(':');
    at = 20;
    addressType = 'ipv6';
  } else if (atyp === 0x03) {
    if (buf.length < 5) return { need: 'more' };
    const len = buf[4]!;
    if (buf.length < 5 + len + 2) return { need: 'more' };
    if (len === 0) return { ok: false, reply: SocksReply.generalFailure, reason: 'empty domain name' };
    host = new TextDecoder().decode(buf.subarray(5, 5 + len));
    at = 5 + len;
    addressType = 'domain';
  } else {
    return { ok: false, reply: SocksReply.addressTypeNotSupported, reason: `address type ${atyp} is not supported` };
  }
  const port = (buf[at]! << 8) | buf[at + 1]!;
  if (command !== 0x01) return { ok: false, reply: SocksReply.commandNotSupported, reason: `command ${command} is not supported (CONNECT only)` };
  return { ok: true, value: { command, host, port, addressType }, used: at + 2 };
}

/** A reply to the request; the bound address is reported as 0.0.0.0:0 (the SSH server's end is not known). */
export function requestReply(code: number): Uint8Array {
  return Uint8Array.from([SOCKS_VERSION, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0]);
}
