/**
 * The scan form: what it holds, its check as the user types (targets, ports, rate limit), the
 * spec it sends, and its conversions to and from saved profiles and remembered settings.
 */
import type { ScanProfile, ScanProfileInput, ScanProtocol, ScanSpecInput } from '../../../../src-main/contract/scan.js';
import { checkPorts, type PortsCheck } from './ports.js';
import { checkTargets, type TargetsCheck } from './targets.js';

/** What the form holds (the rate limit as typed; empty for none). */
export interface ScanForm {
  targets: string;
  ports: string;
  protocol: ScanProtocol;
  serviceDetection: boolean;
  timing: number;
  rateLimit: string;
}

/** Loopback, the 100 ports most often open, with service detection: a useful first scan. */
export const DEFAULT_FORM: ScanForm = { targets: '127.0.0.1', ports: 'top:100', protocol: 'tcp', serviceDetection: true, timing: 4, rateLimit: '' };

/** Longest targets or ports text the contract takes. */
export const MAX_SPEC_TEXT = 10000;
/** Highest rate limit the contract takes, in probes per second. */
export const MAX_RATE = 1_000_000;

/** The form's problems by field, what it would scan, and the spec to send when it has no problem. */
export interface FormCheck {
  errors: Partial<Record<'targets' | 'ports' | 'rateLimit', string>>;
  targets: TargetsCheck;
  ports: PortsCheck;
  /** Probes to send: hosts × ports (approximate when ports.approximate). */
  probes: number;
  spec: ScanSpecInput | null;
}

/** A rate limit typed by the user: a number, null when empty, or a sentence. */
export function parseRate(text: string): number | null | string {
  const t = text.trim().replace(/[,_ ]/g, '');
  if (!t) return null;
  const n = Number(t);
  if (!/^\d+$/.test(t) || n < 1 || n > MAX_RATE) return 'The rate limit is in probes per second, 1 or more (at most 1,000,000); leave it empty for none.';
  return n;
}

/** Checks the form; `spec` is what scan.start takes (without confirmPublic). */
export function checkForm(form: ScanForm): FormCheck {
  const errors: FormCheck['errors'] = {};
  const targets = checkTargets(form.targets);
  const ports = checkPorts(form.ports, form.protocol);
  if (form.targets.length > MAX_SPEC_TEXT) errors.targets = `The target list has at most ${MAX_SPEC_TEXT.toLocaleString('en-US')} characters; use CIDR blocks or ranges.`;
  else if (targets.error) errors.targets = targets.error;
  if (form.ports.length > MAX_SPEC_TEXT) errors.ports = `The port list has at most ${MAX_SPEC_TEXT.toLocaleString('en-US')} characters; use ranges.`;
  else if (ports.error) errors.ports = ports.error;
  const rate = parseRate(form.rateLimit);
  if (typeof rate === 'string') errors.rateLimit = rate;
  const probes = targets.hosts * ports.count;
  if (Object.keys(errors).length > 0) return { errors, targets, ports, probes, spec: null };
  return {
    errors,
    targets,
    ports,
    probes,
    spec: {
      targets: form.targets.trim(),
      ports: form.ports.trim(),
      protocol: form.protocol,
      // Detection reads banners over TCP; the engine ignores it for UDP, so the spec says what happens.
      serviceDetection: form.protocol === 'tcp' && form.serviceDetection,
      timing: form.timing,
      ...(typeof rate === 'number' ? { rateLimit: rate } : {}),
    },
  };
}

/** The form a saved profile fills in. */
export function formFromProfile(profile: ScanProfile): ScanForm {
  return {
    targets: profile.targets,
    ports: profile.ports,
    protocol: profile.protocol,
    serviceDetection: profile.serviceDetection,
    timing: profile.timing,
    rateLimit: profile.rateLimit ? String(profile.rateLimit) : '',
  };
}

/** The profile to save from the form (a bad rate limit is left out; the form shows why). */
export function profileFromForm(name: string, form: ScanForm): ScanProfileInput {
  const rate = parseRate(form.rateLimit);
  return {
    name: name.trim(),
    targets: form.targets.trim(),
    ports: form.ports.trim(),
    protocol: form.protocol,
    serviceDetection: form.serviceDetection,
    timing: form.timing,
    ...(typeof rate === 'number' ? { rateLimit: rate } : {}),
  };
}

/** The form a link fills (`#/scan?target=…&ports=…&proto=udp`): only the fields it names change. */
export function formFromIntent(form: ScanForm, params: Record<string, string>): ScanForm {
  const next = { ...form };
  if (params.target !== undefined) next.targets = params.target;
  if (params.ports !== undefined) next.ports = params.ports;
  if (params.proto === 'tcp' || params.proto === 'udp') next.protocol = params.proto;
  return next;
}

/**
 * Encodes the form for the remembered settings, which hold 500 characters a value: a longer
 * target or port list is left out rather than cut (a cut list would scan something else).
 */
export function encodeForm(form: ScanForm): string {
  const full = JSON.stringify(form);
  if (full.length <= 500) return full;
  const { targets: _t, ports: _p, ...rest } = form;
  const withPorts = JSON.stringify({ ...rest, ports: form.ports });
  return withPorts.length <= 500 ? withPorts : JSON.stringify(rest);
}

/** Reads a remembered form back, keeping defaults for whatever is missing or wrong. */
export function decodeForm(text: string, defaults: ScanForm = DEFAULT_FORM): ScanForm {
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    const out: Record<string, unknown> = { ...defaults };
    for (const key of Object.keys(defaults)) if (typeof raw[key] === typeof (defaults as unknown as Record<string, unknown>)[key]) out[key] = raw[key];
    const form = out as unknown as ScanForm;
    if (form.protocol !== 'tcp' && form.protocol !== 'udp') form.protocol = defaults.protocol;
    if (!Number.isInteger(form.timing) || form.timing < 0 || form.timing > 5) form.timing = defaults.timing;
    return form;
  } catch {
    return { ...defaults };
  }
}
