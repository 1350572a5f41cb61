/**
 * The listen and connect forms: validation as the user types (the engine's own sentences), the
 * plain warning when an address exposes a port to the network, and the free port a "port in use"
 * error proposes.
 */
import type { ConnectSpec, ListenerSpec, Responder, TransportProtocol } from '../../../../src-main/contract/sessions.js';

/** What the listen form holds (the port as typed). */
export interface ListenForm {
  protocol: TransportProtocol;
  host: string;
  port: string;
  responder: Responder;
  banner: string;
}

/** What the connect form holds (the port as typed). */
export interface ConnectForm {
  protocol: TransportProtocol;
  host: string;
  port: string;
  tls: boolean;
}

export const DEFAULT_LISTEN: ListenForm = { protocol: 'tcp', host: '127.0.0.1', port: '0', responder: 'interactive', banner: '' };
export const DEFAULT_CONNECT: ConnectForm = { protocol: 'tcp', host: '127.0.0.1', port: '', tls: false };

/** A form's problems by field, and the spec to send when there are none. */
export interface Checked<S> {
  errors: Partial<Record<'host' | 'port' | 'responder' | 'banner' | 'tls', string>>;
  spec: S | null;
}

const LISTEN_PORT = 'Ports go from 0 (any free port) to 65535.';
const CONNECT_PORT = 'Connect to a port from 1 to 65535 (port 0 cannot be connected to).';

function checkHost(host: string, errors: Checked<unknown>['errors']): string {
  const h = host.trim();
  if (!h) errors.host = 'Give a host: an IP address or a name.';
  else if (h.length > 255) errors.host = 'A host has at most 255 characters.';
  else if (/\s/.test(h)) errors.host = 'An address or a name has no spaces.';
  return h.replace(/^\[(.*)\]$/, '$1');
}

function checkPort(text: string, min: number): number | null {
  const t = text.trim();
  if (!/^\d{1,5}$/.test(t)) return null;
  const n = Number(t);
  return n >= min && n <= 65535 ? n : null;
}

/** Checks the listen form; an empty port means 0 (any free port). */
export function checkListen(form: ListenForm): Checked<ListenerSpec> {
  const errors: Checked<ListenerSpec>['errors'] = {};
  const host = checkHost(form.host, errors);
  const port = form.port.trim() === '' ? 0 : checkPort(form.port, 0);
  if (port === null) errors.port = LISTEN_PORT;
  if (form.protocol === 'udp' && form.responder === 'http')
    errors.responder = 'The HTTP responder needs TCP: HTTP does not run over plain UDP. Choose TCP, or another responder.';
  if (form.responder === 'banner' && !form.banner) errors.banner = 'The banner responder needs the banner text to send.';
  if (form.banner.length > 65536) errors.banner = 'A banner has at most 65,536 characters.';
  if (Object.keys(errors).length || port === null) return { errors, spec: null };
  return {
    errors,
    spec: { protocol: form.protocol, host, port, responder: form.responder, ...(form.responder === 'banner' ? { banner: form.banner } : {}) },
  };
}

/** Checks the connect form. */
export function checkConnect(form: ConnectForm): Checked<ConnectSpec> {
  const errors: Checked<ConnectSpec>['errors'] = {};
  const host = checkHost(form.host, errors);
  const port = checkPort(form.port, 1);
  if (port === null) errors.port = CONNECT_PORT;
  if (form.tls && form.protocol === 'udp') errors.tls = 'TLS needs TCP (DTLS over UDP is not supported).';
  if (Object.keys(errors).length || port === null) return { errors, spec: null };
  return { errors, spec: { protocol: form.protocol, host, port, tls: form.protocol === 'tcp' && form.tls } };
}

/** True for loopback addresses and names: only this machine can connect. */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

/** A plain warning when listening on `host` lets other machines connect; undefined for loopback. */
export function exposureOf(host: string): string | undefined {
  const h = host.trim().replace(/^\[(.*)\]$/, '$1');
  if (!h || isLoopback(h)) return undefined;
  if (h === '0.0.0.0') return 'Listening on 0.0.0.0 exposes this port on every IPv4 network of this machine: other computers can connect unless a firewall stops them.';
  if (h === '::') return 'Listening on :: exposes this port on every network of this machine (IPv6, and usually IPv4 too): other computers can connect unless a firewall stops them.';
  return `${h} is not a loopback address: other computers on its network can connect to this port unless a firewall stops them.`;
}

/** The free port a "port in use" sentence proposes ("Port 8081 is free: …"), if any. */
export function proposedPort(message: string): number | null {
  const m = /\bPort (\d{1,5}) is free\b/.exec(message);
  return m ? Number(m[1]) : null;
}

/** Encodes a form for the remembered settings (short: settings filters hold 500 characters). */
export function encodeForm(form: ListenForm | ConnectForm): string {
  const copy: Record<string, unknown> = { ...form };
  if ('banner' in form) copy.banner = form.banner.slice(0, 200);
  return JSON.stringify(copy).slice(0, 500);
}

/** Reads a remembered form back, keeping defaults for whatever is missing or wrong. */
export function decodeForm<F extends ListenForm | ConnectForm>(text: string, defaults: F): F {
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    const out: Record<string, unknown> = { ...defaults };
    for (const key of Object.keys(defaults)) if (typeof raw[key] === typeof (defaults as unknown as Record<string, unknown>)[key]) out[key] = raw[key];
    return out as F;
  } catch {
    return { ...defaults };
  }
}
