/**
 * The knock client form and the guard form: what they hold (numbers as typed), checks as the user
 * types with the engine's sentences, the requests they become, and how they are remembered.
 */
import type { GuardInfo, GuardTarget, KnockProfile, KnockProfileInput, KnockSendRequest, KnockStep } from '../../../../src-main/contract/knock.js';
import type { CallInput } from '../../../../src-main/contract/api.js';
import { checkSteps, portOf, rowsOf, stepRow, type StepRow } from './steps.js';

/** The knock client form. */
export interface KnockForm {
  host: string;
  steps: StepRow[];
  /** Wait after each step, in ms, as typed. */
  delayMs: string;
  /** "Then check port": empty for no check. */
  checkPort: string;
  family: 'any' | 'ipv4' | 'ipv6';
}

/** The guard form. */
export interface GuardForm {
  name: string;
  steps: StepRow[];
  /** Time allowed for the whole sequence, in seconds, as typed. */
  windowS: string;
  /** How long a correct knock opens the target, in seconds, as typed. */
  openForS: string;
  /** What a correct knock opens: "listener:L1" or "forward:f-2"; empty until chosen. */
  target: string;
  /** The command is off unless this is ticked. */
  commandOn: boolean;
  commandPath: string;
  /** One argument per line (no shell: each line is one argument). */
  commandArgs: string;
}

export const defaultKnockForm = (): KnockForm => ({ host: '', steps: [stepRow(), stepRow(), stepRow()], delayMs: '100', checkPort: '', family: 'any' });
export const defaultGuardForm = (): GuardForm => ({
  name: '',
  steps: [stepRow(), stepRow(), stepRow()],
  windowS: '10',
  openForS: '30',
  target: '',
  commandOn: false,
  commandPath: '',
  commandArgs: '{source}',
});

type Errors<K extends string> = Partial<Record<K, string>>;

/** A checked form: its problems by field, the rows with a bad port, and the request when there are none. */
export interface Checked<R, K extends string> {
  errors: Errors<K>;
  badSteps: number[];
  request: R | null;
}

function checkHost(text: string): { host: string; error?: string } {
  const h = text.trim().replace(/^\[(.*)\]$/, '$1');
  if (!h) return { host: h, error: 'Give a host: an IP address or a name.' };
  if (h.length > 255) return { host: h, error: 'A host has at most 255 characters.' };
  if (/\s/.test(h)) return { host: h, error: 'An address or a name has no spaces.' };
  return { host: h };
}

/** A number in [min, max] as typed (decimals allowed), or null. */
function numberIn(text: string, min: number, max: number): number | null {
  const t = text.trim();
  if (!/^\d+(\.\d+)?$/.test(t)) return null;
  const n = Number(t);
  return n >= min && n <= max ? n : null;
}

export type KnockField = 'host' | 'steps' | 'delay' | 'check';

/** A knock request as the form makes it: every step with its protocol, the delay given. */
export type KnockRequest = KnockSendRequest & { steps: KnockStep[]; delayMs: number };

/** Checks the knock form; the request lacks only the runId. */
export function checkKnock(form: KnockForm): Checked<KnockRequest, KnockField> {
  const errors: Errors<KnockField> = {};
  const { host, error } = checkHost(form.host);
  if (error) errors.host = error;
  const s = checkSteps(form.steps);
  if (s.error) errors.steps = s.error;
  const delay = form.delayMs.trim() === '' ? 0 : numberIn(form.delayMs, 0, 60000);
  if (delay === null || !Number.isInteger(delay)) errors.delay = 'The delay is a whole number of milliseconds from 0 to 60000.';
  const check = form.checkPort.trim() === '' ? undefined : portOf(form.checkPort);
  if (check === null) errors.check = 'Check a TCP port from 1 to 65535 (or leave it empty for no check).';
  if (Object.keys(errors).length || !s.steps || delay === null || check === null) return { errors, badSteps: s.bad, request: null };
  return {
    errors,
    badSteps: s.bad,
    request: { host, steps: s.steps, delayMs: delay, family: form.family, ...(check !== undefined ? { thenCheck: { port: check, protocol: 'tcp' } } : {}) },
  };
}

/** The form filled from a saved profile. */
export function formOfProfile(p: Pick<KnockProfile, 'host' | 'steps' | 'delayMs' | 'thenCheck'>): KnockForm {
  return { host: p.host, steps: rowsOf(p.steps), delayMs: String(p.delayMs ?? 100), checkPort: p.thenCheck ? String(p.thenCheck.port) : '', family: 'any' };
}

/** A profile to save from a checked form. */
export function profileOf(request: KnockRequest, name: string, id?: string, seqTimeoutMs?: number): KnockProfileInput {
  return {
    ...(id ? { id } : {}),
    name: name.trim(),
    host: request.host,
    steps: request.steps,
    delayMs: request.delayMs,
    ...(request.thenCheck ? { thenCheck: request.thenCheck } : {}),
    ...(seqTimeoutMs ? { seqTimeoutMs } : {}),
  };
}

export type GuardField = 'name' | 'steps' | 'window' | 'openFor' | 'target' | 'command';

/** The form's value for a guard target. */
export function targetValue(t: GuardTarget): string {
  return t.kind === 'listener' ? `listener:${t.listenerId}` : `forward:${t.forwardId}`;
}

/** The guard target a form value names, or null. */
export function targetOf(value: string): GuardTarget | null {
  const at = value.indexOf(':');
  const [kind, id] = [value.slice(0, at), value.slice(at + 1)];
  if (!id) return null;
  if (kind === 'listener') return { kind, listenerId: id };
  if (kind === 'forward') return { kind, forwardId: id };
  return null;
}
export type GuardRequest = CallInput<'knock.guards.create'>;

/** One argument per line; blank lines are dropped (an empty argument is rarely meant). */
export const argsOf = (text: string): string[] => text.split(/\r?\n/).filter((a) => a.trim() !== '');

const isAbsolute = (p: string) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p);

/** Checks the guard form. */
export function checkGuard(form: GuardForm): Checked<GuardRequest, GuardField> {
  const errors: Errors<GuardField> = {};
  const name = form.name.trim();
  if (!name) errors.name = 'Give the guard a name.';
  else if (name.length > 100) errors.name = 'A name has at most 100 characters.';
  const s = checkSteps(form.steps);
  if (s.error) errors.steps = s.error;
  const windowS = numberIn(form.windowS, 0.1, 600);
  if (windowS === null) errors.window = 'The window is from 0.1 to 600 seconds.';
  const openForS = numberIn(form.openForS, 1, 86400);
  if (openForS === null) errors.openFor = 'A correct knock opens the listener for 1 second to 24 hours (86400 seconds).';
  const target = targetOf(form.target);
  if (!target) errors.target = 'Choose the listener or TCP forward to guard (open one in Listeners or Forwards first).';
  const path = form.commandPath.trim();
  if (form.commandOn && !isAbsolute(path)) errors.command = 'Give the absolute path of the program (/usr/local/bin/open-door).';
  if (Object.keys(errors).length || !s.steps || windowS === null || openForS === null || !target) return { errors, badSteps: s.bad, request: null };
  return {
    errors,
    badSteps: s.bad,
    request: {
      name,
      sequence: s.steps,
      windowMs: Math.round(windowS * 1000),
      openForMs: Math.round(openForS * 1000),
      target,
      // A command stays off unless ticked; a path typed and unticked is kept, disabled, for later.
      ...(path && isAbsolute(path) ? { command: { path, args: argsOf(form.commandArgs), enabled: form.commandOn } } : {}),
    },
  };
}

/** The guard form filled from a guard spec (an import, or an existing guard to copy). */
export function formOfGuard(spec: Partial<GuardInfo['spec']> & Pick<GuardInfo['spec'], 'sequence'>, target = ''): GuardForm {
  return {
    ...defaultGuardForm(),
    name: spec.name ?? '',
    steps: rowsOf(spec.sequence),
    windowS: String((spec.windowMs ?? 10_000) / 1000),
    openForS: String((spec.openForMs ?? 30_000) / 1000),
    target,
    commandOn: false,
    commandPath: spec.command?.path ?? '',
    commandArgs: spec.command ? spec.command.args.join('\n') : '{source}',
  };
}

/** What the view remembers of the knock form (host, steps, delay, check). */
export function encodeKnockForm(form: KnockForm): string {
  return JSON.stringify({ host: form.host, steps: form.steps.map((s) => [s.port, s.protocol]), delayMs: form.delayMs, checkPort: form.checkPort, family: form.family });
}

/** The remembered knock form; anything unreadable falls back to the default. */
export function decodeKnockForm(text: string): KnockForm {
  const form = defaultKnockForm();
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    const str = (x: unknown, fallback: string) => (typeof x === 'string' ? x : fallback);
    form.host = str(v.host, form.host);
    form.delayMs = str(v.delayMs, form.delayMs);
    form.checkPort = str(v.checkPort, form.checkPort);
    if (v.family === 'ipv4' || v.family === 'ipv6' || v.family === 'any') form.family = v.family;
    if (Array.isArray(v.steps) && v.steps.length > 0) {
      form.steps = v.steps.map((s) => {
        const [port, protocol] = Array.isArray(s) ? s : [];
        return stepRow(typeof port === 'string' ? port : '', protocol === 'udp' ? 'udp' : 'tcp');
      });
    }
  } catch {
    // A damaged remembered value is not worth an error: the default form is shown.
  }
  return form;
}

/**
 * The problems worth showing now. A field not yet touched is not reported while the user is still
 * filling in others (a new form is not a wall of red); once everything typed is right, what is
 * still missing is said, so a disabled button never goes unexplained.
 */
export function shownErrors<K extends string>(errors: Partial<Record<K, string>>, pristine: Partial<Record<K, boolean>>): [K, string][] {
  const all = Object.entries(errors) as [K, string][];
  const touched = Object.values(pristine).some((p) => p === false);
  if (!touched) return [];
  const typed = all.filter(([k]) => !pristine[k]);
  return typed.length ? typed : all;
}

/** Which fields of the knock form are untouched. */
export const knockPristine = (form: KnockForm): Partial<Record<KnockField, boolean>> => ({
  host: !form.host.trim(),
  steps: form.steps.every((r) => !r.port.trim()),
});

/** Which fields of the guard form are untouched. */
export const guardPristine = (form: GuardForm): Partial<Record<GuardField, boolean>> => ({
  name: !form.name.trim(),
  steps: form.steps.every((r) => !r.port.trim()),
  target: !form.target,
  command: !form.commandPath.trim(),
});
