/**
 * The Router view's "add a mapping" form: what it holds (text as typed), its check as the user
 * types (the contract's own sentences, plus what the router told discovery), the plain warning
 * that a mapping opens a service to the internet, and the remembered parts of the form.
 */
import type { Mapping, MappingProtocol, MappingSpec, NatProtocol, RouterInfo } from '../../../../src-main/contract/router.js';
import { PROTOCOL_NAMES } from './format.js';

/** Which protocol to ask the router with: `auto` lets the engine take the router's preferred one. */
export type Via = 'auto' | NatProtocol;

/** What the add form holds (numbers as typed). */
export interface MappingForm {
  externalPort: string;
  /** Empty: this machine's address toward the gateway (the engine's default). */
  internalHost: string;
  internalPort: string;
  protocol: MappingProtocol;
  /** Lease in seconds, as typed. */
  lease: string;
  description: string;
  via: Via;
  removeOnQuit: boolean;
}

export const DEFAULT_FORM: MappingForm = {
  externalPort: '',
  internalHost: '',
  internalPort: '',
  protocol: 'tcp',
  lease: '3600',
  description: 'Portolan',
  via: 'auto',
  removeOnQuit: false,
};

/** Fields a problem can be shown next to. */
export type FormField = 'externalPort' | 'internalHost' | 'internalPort' | 'lease' | 'description' | 'via';

/** What the router and its list say about the form (both unknown before discovery). */
export interface FormContext {
  router: RouterInfo | null;
  mappings: readonly Mapping[];
}

/** The form checked: problems by field, required fields still empty, warnings, and the spec to send. */
export interface CheckedMapping {
  /** Problems in what was typed (shown as the user types). */
  errors: Partial<Record<FormField, string>>;
  /** Required fields that are still empty (the button stays off; no message needed). */
  missing: FormField[];
  /** Things to know that do not block the request. */
  warnings: string[];
  /** The protocol the request will use, when known. */
  via: NatProtocol | undefined;
  /** The plain warning that the mapping opens a service to the internet (null until the ports are valid). */
  exposure: string | null;
  /** What to send to `router.add`; null while there are errors or missing fields. */
  spec: MappingSpec | null;
}

// The contract's sentences (src-main/contract/router.ts), so the form and the engine agree.
const PORT_SENTENCE = 'Ports go from 1 to 65535.';
const LEASE_SENTENCE = 'The lease is in seconds, from 0 (permanent, where the router allows it) to 604800 (a week).';
const IPV4_SENTENCE = 'Give an IPv4 address of the local network, such as 192.168.1.20.';
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A whole number typed in a field, or null. */
function wholeNumber(text: string, min: number, max: number): number | null {
  const t = text.trim();
  if (!/^\d{1,7}$/.test(t)) return null;
  const n = Number(t);
  return n >= min && n <= max ? n : null;
}

/** The lease choices offered next to the seconds field. */
export const LEASE_PRESETS: { seconds: number; label: string }[] = [
  { seconds: 600, label: '10 minutes' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86400, label: '1 day' },
  { seconds: 604800, label: '1 week' },
  { seconds: 0, label: 'permanent (UPnP only)' },
];

/** Checks the add form against the contract's rules and what the router answered. */
export function checkMapping(form: MappingForm, ctx: FormContext): CheckedMapping {
  const errors: CheckedMapping['errors'] = {};
  const missing: FormField[] = [];
  const warnings: string[] = [];
  const router = ctx.router;

  const port = (field: 'externalPort' | 'internalPort'): number | null => {
    if (!form[field].trim()) {
      missing.push(field);
      return null;
    }
    const n = wholeNumber(form[field], 1, 65535);
    if (n === null) errors[field] = `${field === 'externalPort' ? 'External' : 'Internal'} port: ${PORT_SENTENCE}`;
    return n;
  };
  const externalPort = port('externalPort');
  const internalPort = port('internalPort');

  const host = form.internalHost.trim();
  if (host) {
    if (!IPV4.test(host)) errors.internalHost = IPV4_SENTENCE;
    else if (host.startsWith('127.') || host === '0.0.0.0')
      errors.internalHost = `${host} is not an address the router can reach: ${host === '0.0.0.0' ? 'it means "any address"' : 'it is the loopback of each machine'}. Leave the field empty for this machine${router ? ` (${router.localAddress})` : ''}, or give a LAN address.`;
  }
  const internalHost = host || router?.localAddress;

  const lease = form.lease.trim() === '' ? null : wholeNumber(form.lease, 0, 604800);
  if (form.lease.trim() === '') missing.push('lease');
  else if (lease === null) errors.lease = LEASE_SENTENCE;

  if (form.description.trim().length > 128) errors.description = 'A description has at most 128 characters.';

  // The protocol that will carry the request: the chosen one, or the router's preferred one.
  const via: NatProtocol | undefined = form.via === 'auto' ? router?.preferred : form.via;
  if (router && form.via !== 'auto' && !router.protocols.includes(form.via)) {
    const outcome = router.tried.find((t) => t.protocol === form.via)?.outcome ?? 'not tried';
    const answers = router.protocols.map((p) => PROTOCOL_NAMES[p]).join(', ');
    errors.via = `The router did not answer ${PROTOCOL_NAMES[form.via]} (${outcome}).${answers ? ` It answers ${answers}; choose one of those, or Auto.` : ''}`;
  }
  if (lease === 0 && via && via !== 'upnp') {
    errors.lease = `A permanent mapping (lease 0) exists only in UPnP: in ${PROTOCOL_NAMES[via]} a lease of 0 asks the router to delete the mapping. Give a lease in seconds; Portolan renews it at half.`;
  }
  if (via === 'natpmp' && router && host && host !== router.localAddress) {
    errors.internalHost = `NAT-PMP maps ports only to the machine that asks (this one, ${router.localAddress}): choose UPnP or PCP to map to ${host}, or run Portolan on ${host}.`;
  } else if (via === 'pcp' && router && host && host !== router.localAddress) {
    warnings.push(`PCP maps to another machine (${host}) only with its THIRD_PARTY option, which most routers refuse.`);
  } else if (via === 'upnp' && router && host && host !== router.localAddress) {
    warnings.push(`Many routers (miniupnpd's secure mode, most home routers) let a machine map ports only to itself, and refuse a mapping to ${host} (UPnP error 718).`);
  }
  if (lease !== null && lease > 0 && lease < 120 && !errors.lease) {
    warnings.push('Routers often raise short leases (miniupnpd to 2 minutes at least); Portolan renews at half of what the router grants.');
  }

  if (externalPort !== null) {
    const taken = ctx.mappings.find((m) => m.protocol === form.protocol && m.externalPort === externalPort && m.state !== 'removed');
    if (taken) {
      const to = `${taken.internalHost}:${taken.internalPort}`;
      const what = `${form.protocol.toUpperCase()} port ${externalPort} to ${to}${taken.description ? ` ("${taken.description}")` : ''}`;
      // Routers let a host replace its own mappings, and refuse to take another host's (UPnP 718).
      warnings.push(
        taken.ownedByPortolan
          ? `Portolan already maps ${what}: adding again replaces that mapping.`
          : internalHost && taken.internalHost === internalHost
            ? `Another program already maps ${what}: adding replaces its mapping, and that program loses it.`
            : `Another program already maps ${what}: the router will probably refuse (UPnP error 718). Choose another external port.`,
      );
    }
    if (externalPort < 1024) warnings.push(`External port ${externalPort} is a well-known port: scanners probe it constantly, and many providers block it.`);
  }

  const exposure =
    externalPort !== null && internalPort !== null
      ? `This opens ${internalHost ?? "this machine's address"}:${internalPort} (${form.protocol.toUpperCase()}) to the whole internet: anyone can reach it at ${router?.externalAddress ?? "the router's public address"}:${externalPort}, and scanners find a new open port within hours. Expose only a service that checks who connects (a password, keys, TLS), and remove the mapping when you no longer need it.`
      : null;

  const ok = Object.keys(errors).length === 0 && missing.length === 0 && externalPort !== null && internalPort !== null && lease !== null;
  const spec: MappingSpec | null = ok
    ? {
        externalPort: externalPort!,
        internalPort: internalPort!,
        protocol: form.protocol,
        leaseSeconds: lease!,
        description: form.description.trim() || 'Portolan',
        removeOnQuit: form.removeOnQuit,
        ...(host ? { internalHost: host } : {}),
        ...(form.via !== 'auto' ? { via: form.via } : {}),
      }
    : null;
  return { errors, missing, warnings, via, exposure, spec };
}

/** The prefill a link carries (`#/router?internalPort=8080&proto=udp`): the form with it applied. */
export function applyIntent(form: MappingForm, params: Record<string, string>): MappingForm {
  const next = { ...form };
  const port = wholeNumber(params.internalPort ?? '', 1, 65535);
  if (port !== null) {
    next.internalPort = String(port);
    // The same number outside is what people expect first; the router says if it is taken.
    next.externalPort = String(port);
    next.internalHost = '';
  }
  if (params.proto === 'tcp' || params.proto === 'udp') next.protocol = params.proto;
  return next;
}

/** The parts of the form worth remembering between runs (not ports nor hosts: those change each time). */
type Remembered = Pick<MappingForm, 'protocol' | 'lease' | 'via' | 'removeOnQuit' | 'description'>;

/** Encodes the remembered parts of the form for the settings. */
export function encodeRemembered(form: MappingForm): string {
  const { protocol, lease, via, removeOnQuit, description } = form;
  return JSON.stringify({ protocol, lease, via, removeOnQuit, description } satisfies Remembered);
}

/** The form with remembered parts applied; anything damaged is ignored. */
export function decodeRemembered(text: string, base: MappingForm = DEFAULT_FORM): MappingForm {
  let raw: Partial<Record<keyof Remembered, unknown>>;
  try {
    raw = JSON.parse(text) as typeof raw;
  } catch {
    return { ...base };
  }
  if (!raw || typeof raw !== 'object') return { ...base };
  const next = { ...base };
  if (raw.protocol === 'tcp' || raw.protocol === 'udp') next.protocol = raw.protocol;
  if (typeof raw.lease === 'string' && wholeNumber(raw.lease, 0, 604800) !== null) next.lease = raw.lease;
  if (raw.via === 'auto' || raw.via === 'upnp' || raw.via === 'natpmp' || raw.via === 'pcp') next.via = raw.via;
  if (typeof raw.removeOnQuit === 'boolean') next.removeOnQuit = raw.removeOnQuit;
  if (typeof raw.description === 'string' && raw.description.length <= 128) next.description = raw.description;
  return next;
}
