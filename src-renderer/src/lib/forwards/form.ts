/**
 * The new/edit forward form: what it holds (text as typed), validation as the user types with
 * one clear sentence per field, the spec and secrets to send, prefills (from a saved forward, from
 * another view's link) and the part of the form worth remembering (never a secret).
 *
 * The engine validates again with the contract's zod schema; these checks mirror it so that the
 * user learns of a problem while typing, not after pressing Save.
 */
import { cidrProblem, parseIp } from '../../../../src-main/contract/cidr.js';
import { forwardExposure, isLoopbackHost, isWildcardHost } from '../../../../src-main/contract/net-notes.js';
import type { ForwardInfo, ForwardKind, ForwardSecrets, ForwardSpecInput } from '../../../../src-main/contract/forwards.js';
import { formatJump, parseJump, SshCommandError } from '../../../../src-main/contract/ssh-command.js';

/** How to log in to an SSH server. */
export type SshAuthKind = 'agent' | 'key' | 'password';

/** What the form holds: every text field as typed, so that validation can speak about it. */
export interface ForwardForm {
  kind: ForwardKind;
  name: string;
  listenHost: string;
  listenPort: string;
  targetHost: string;
  targetPort: string;
  /** CIDR allowlist, entries separated by commas, spaces or lines. */
  allow: string;
  startWithApp: boolean;
  /** New forwards: start right after saving. */
  startNow: boolean;
  /** UDP: seconds a silent flow is kept. */
  udpIdleSec: string;
  sshHost: string;
  sshPort: string;
  sshUser: string;
  sshAuth: SshAuthKind;
  keyPath: string;
  keepaliveSec: string;
  /** A jump host as ssh -J takes it ("[user@]host[:port]"); empty: none. */
  jump: string;
  /** Secrets: sent to the engine (its secret store keeps them), never remembered by the renderer. */
  password: string;
  passphrase: string;
}

/** Fields that can carry a problem. */
export type FormField =
  | 'name'
  | 'listenHost'
  | 'listenPort'
  | 'targetHost'
  | 'targetPort'
  | 'allow'
  | 'udpIdleSec'
  | 'sshHost'
  | 'sshPort'
  | 'sshUser'
  | 'keyPath'
  | 'keepaliveSec'
  | 'jump'
  | 'password';

export const DEFAULT_FORM: ForwardForm = {
  kind: 'tcp',
  name: '',
  listenHost: '127.0.0.1',
  listenPort: '0',
  targetHost: '',
  targetPort: '',
  allow: '',
  startWithApp: false,
  startNow: true,
  udpIdleSec: '60',
  sshHost: '',
  sshPort: '22',
  sshUser: '',
  sshAuth: 'agent',
  keyPath: '',
  keepaliveSec: '15',
  jump: '',
  password: '',
  passphrase: '',
};

/** The kinds, in the order the form offers them, with a label and a one-line hint. */
export const KINDS: readonly { id: ForwardKind; label: string; hint: string }[] = [
  { id: 'tcp', label: 'TCP', hint: 'Listen here and relay each TCP connection to the target.' },
  { id: 'udp', label: 'UDP', hint: 'Listen here and relay UDP datagrams to the target; replies go back to the client that sent.' },
  { id: 'ssh-local', label: 'SSH -L', hint: 'Listen here; the SSH server connects to the target (as the server sees it) for each connection.' },
  { id: 'ssh-remote', label: 'SSH -R', hint: 'The SSH server listens; each connection it gets comes back here and goes to the target.' },
  { id: 'ssh-dynamic', label: 'SSH -D', hint: 'A SOCKS5 proxy here; the SSH server connects to whatever each client asks for.' },
];

/** True for the kinds that go through an SSH server. */
export const isSsh = (kind: ForwardKind): boolean => kind.startsWith('ssh-');
/** True for the kinds that have a fixed target. */
export const hasTarget = (kind: ForwardKind): boolean => kind !== 'ssh-dynamic';

/** Context the checks need beyond the form. */
export interface CheckContext {
  /** Names of the other saved forwards (a name must be unique). */
  takenNames?: readonly string[];
  /** Editing a forward whose password or passphrase is already in the secret store. */
  secretStored?: boolean;
}

/** The form's problems by field, and what to send when there are none. */
export interface CheckedForm {
  errors: Partial<Record<FormField, string>>;
  /** The spec for forwards.create / forwards.update, or null while a field is wrong. */
  spec: ForwardSpecInput | null;
  /** Secrets to send: undefined keeps what the store holds, {} forgets it. */
  secrets: ForwardSecrets | undefined;
  /** The name used: what was typed, or the suggestion when the name is left empty. */
  name: string;
}

/** The contract's sentence for ports, so the form and the engine say the same thing. */
export const PORT_SENTENCE = 'Ports go from 1 to 65535 (0 on a listen side asks for any free port).';
const LISTEN_PORT = 'Listen ports go from 0 (any free port) to 65535.';
const TARGET_PORT = 'Target ports go from 1 to 65535.';
const SSH_PORT = 'The SSH server port goes from 1 to 65535 (usually 22).';

/** A whole number from text within [min, max], or null. */
export function parseIntIn(text: string, min: number, max: number): number | null {
  const t = text.trim();
  if (!/^\d{1,7}$/.test(t)) return null;
  const n = Number(t);
  return n >= min && n <= max ? n : null;
}

/** Removes the brackets people write around IPv6 addresses ("[::1]"). */
export const unbracket = (host: string): string => host.trim().replace(/^\[(.*)\]$/, '$1');

/** Why a host (address or name) is not valid, or undefined. */
export function hostProblem(input: string, what: string): string | undefined {
  const h = unbracket(input);
  if (!h) return `Give ${what}: an IP address or a name.`;
  if (h.length > 255) return `${capital(what)} has at most 255 characters.`;
  if (/[\s/]/.test(h)) return `${capital(what)} is an IP address or a name, without spaces or slashes.`;
  if (h.includes(':')) return parseIp(h) ? undefined : `"${h}" is not a valid IPv6 address.`;
  if (/^[\d.]+$/.test(h)) return parseIp(h) ? undefined : `"${h}" is not a valid IPv4 address: four numbers from 0 to 255, such as 192.168.1.7.`;
  if (!/^[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})?)*\.?$/.test(h))
    return `"${h}" is not a host name: use letters, digits, hyphens and dots (example.com), or an IP address.`;
  return undefined;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The allowlist as entries (split on commas, spaces and lines). */
export const allowEntries = (text: string): string[] => text.split(/[\s,;]+/).filter(Boolean);

/** A name that says what the forward does, for a form whose name is left empty; unique among `taken`. */
export function suggestName(form: ForwardForm, taken: readonly string[] = []): string {
  let base: string;
  if (form.kind === 'ssh-dynamic') base = `SOCKS via ${form.sshHost.trim() || 'SSH'}`;
  else if (form.targetHost.trim() || form.targetPort.trim()) base = `${unbracket(form.targetHost) || 'target'}:${form.targetPort.trim()}`;
  else base = 'Forward';
  if (form.kind === 'udp') base += ' (UDP)';
  else if (form.kind === 'ssh-local' || form.kind === 'ssh-remote') base += ` via ${form.sshHost.trim() || 'SSH'}`;
  base = base.slice(0, 90);
  const names = new Set(taken);
  if (!names.has(base)) return base;
  for (let i = 2; ; i++) if (!names.has(`${base} (${i})`)) return `${base} (${i})`;
}

/** True when `name` is what {@link suggestName} gives for the form (a name the user never typed). */
export function isSuggestedName(form: ForwardForm, name: string): boolean {
  const base = suggestName({ ...form, name: '' });
  return name === base || (name.startsWith(`${base} (`) && /^ \(\d+\)$/.test(name.slice(base.length)));
}

/**
 * Why a local forward would send its clients back into itself (target = its own listening
 * socket: each connection would open another until the machine runs out), or undefined.
 */
export function selfTargetProblem(form: ForwardForm, listenPort: number | null, targetPort: number | null): string | undefined {
  if ((form.kind !== 'tcp' && form.kind !== 'udp') || !listenPort || listenPort !== targetPort) return undefined;
  const listen = unbracket(form.listenHost).toLowerCase();
  const target = unbracket(form.targetHost).toLowerCase();
  // The same socket: the same address, a wildcard listen reached through loopback, or "localhost" for a loopback listen.
  const same =
    listen === target ||
    (isWildcardHost(listen) && isLoopbackHost(target)) ||
    (isLoopbackHost(listen) && isLoopbackHost(target) && (listen === 'localhost' || target === 'localhost'));
  if (!same) return undefined;
  return `This forward points at itself: it listens on ${listen}:${listenPort} and sends to ${target}:${targetPort}, so each connection would loop back into it. Change the target port or host.`;
}

/** Checks the form as the user types; the spec is given only when every field is right. */
export function checkForm(form: ForwardForm, context: CheckContext = {}): CheckedForm {
  const errors: CheckedForm['errors'] = {};
  const taken = context.takenNames ?? [];
  const name = form.name.trim() || suggestName(form, taken);
  if (name.length > 100) errors.name = 'A name has at most 100 characters.';
  else if (taken.includes(name)) errors.name = `A forward named "${name}" exists already; choose another name.`;

  const listenWhat = form.kind === 'ssh-remote' ? 'the address to listen on (on the SSH server)' : 'the address to listen on';
  const lh = hostProblem(form.listenHost, listenWhat);
  if (lh) errors.listenHost = lh;
  const listenPort = form.listenPort.trim() === '' ? 0 : parseIntIn(form.listenPort, 0, 65535);
  if (listenPort === null) errors.listenPort = LISTEN_PORT;

  let targetPort: number | null = null;
  if (hasTarget(form.kind)) {
    const th = hostProblem(form.targetHost, 'the target host');
    if (th) errors.targetHost = th;
    targetPort = parseIntIn(form.targetPort, 1, 65535);
    if (targetPort === null) errors.targetPort = form.targetPort.trim() === '' ? 'Give the target port (1 to 65535).' : TARGET_PORT;
    const loop = th || errors.listenHost ? undefined : selfTargetProblem(form, listenPort, targetPort);
    if (loop) errors.targetPort = loop;
  }

  const allow = allowEntries(form.allow);
  const badAllow = allow.map((a) => (a.length > 64 ? `"${a.slice(0, 20)}…" is too long for an address block.` : cidrProblem(a))).find(Boolean);
  if (badAllow) errors.allow = badAllow;
  else if (allow.length > 256) errors.allow = 'An allowlist holds at most 256 entries.';

  const udpIdle = parseIntIn(form.udpIdleSec, 1, 86400);
  if (form.kind === 'udp' && udpIdle === null) errors.udpIdleSec = 'The idle timeout goes from 1 to 86400 seconds (a day).';

  let ssh: Extract<ForwardSpecInput, { kind: 'ssh-local' }>['ssh'] | null = null;
  let secrets: ForwardSecrets | undefined;
  if (isSsh(form.kind)) {
    const sh = hostProblem(form.sshHost, 'the SSH server');
    if (sh) errors.sshHost = sh;
    const sshPort = parseIntIn(form.sshPort, 1, 65535);
    if (sshPort === null) errors.sshPort = SSH_PORT;
    const user = form.sshUser.trim();
    if (!user) errors.sshUser = 'Give the user name to log in as.';
    else if (user.length > 255 || /\s/.test(user)) errors.sshUser = 'A user name has no spaces and at most 255 characters.';
    if (form.keyPath.length > 4096) errors.keyPath = 'A key path has at most 4096 characters.';
    const keepalive = parseIntIn(form.keepaliveSec, 0, 3600);
    if (keepalive === null) errors.keepaliveSec = 'Keep-alives go from 0 (off) to 3600 seconds.';
    let jump: ReturnType<typeof parseJump>;
    try {
      jump = parseJump(form.jump);
      const jp = jump && hostProblem(jump.host, 'the jump host');
      if (jp) errors.jump = jp;
    } catch (err) {
      if (!(err instanceof SshCommandError)) throw err;
      errors.jump = err.message;
    }
    if (form.sshAuth === 'password' && !form.password && !context.secretStored)
      errors.password = 'Give the password: the engine keeps it in its secret store, never in the settings file.';
    if (form.password.length > 4096 || form.passphrase.length > 4096) errors.password = 'A password or passphrase has at most 4096 characters.';
    if (sshPort !== null && keepalive !== null && user) {
      ssh = {
        host: unbracket(form.sshHost),
        port: sshPort,
        username: user,
        auth: form.sshAuth,
        ...(form.sshAuth === 'key' && form.keyPath.trim() ? { keyPath: form.keyPath.trim() } : {}),
        keepaliveSec: keepalive,
        ...(jump ? { jump } : {}),
      };
    }
    if (form.sshAuth === 'password' && form.password) secrets = { password: form.password };
    else if (form.sshAuth === 'key' && form.passphrase) secrets = { passphrase: form.passphrase };
    else if (form.sshAuth === 'agent' && context.secretStored) secrets = {};
  }

  if (Object.keys(errors).length || listenPort === null) return { errors, spec: null, secrets: undefined, name };
  const common = {
    name,
    listenHost: unbracket(form.listenHost),
    listenPort,
    allow,
    startWithApp: form.startWithApp,
  };
  const target = { targetHost: unbracket(form.targetHost), targetPort: targetPort ?? 1 };
  let spec: ForwardSpecInput;
  switch (form.kind) {
    case 'tcp':
      spec = { kind: 'tcp', ...common, ...target };
      break;
    case 'udp':
      spec = { kind: 'udp', ...common, ...target, udpIdleMs: (udpIdle ?? 60) * 1000 };
      break;
    case 'ssh-local':
    case 'ssh-remote':
      spec = { kind: form.kind, ...common, ...target, ssh: ssh! };
      break;
    case 'ssh-dynamic':
      spec = { kind: 'ssh-dynamic', ...common, ssh: ssh! };
      break;
  }
  return { errors, spec, secrets, name };
}

/**
 * The form filled from a saved forward (to edit it); secrets stay empty (the store keeps them).
 * A name that was generated (never typed) is left empty, so that it keeps following the target
 * until the user types one.
 */
export function formFromInfo(info: ForwardInfo): ForwardForm {
  const s = info.spec;
  const form: ForwardForm = {
    ...DEFAULT_FORM,
    kind: s.kind,
    name: s.name,
    listenHost: s.listenHost,
    listenPort: String(s.listenPort),
    allow: s.allow.join(', '),
    startWithApp: s.startWithApp,
    startNow: info.state !== 'stopped',
  };
  if ('targetHost' in s) {
    form.targetHost = s.targetHost;
    form.targetPort = String(s.targetPort);
  }
  if (s.kind === 'udp') form.udpIdleSec = String(Math.round(s.udpIdleMs / 1000));
  if ('ssh' in s) {
    form.sshHost = s.ssh.host;
    form.sshPort = String(s.ssh.port);
    form.sshUser = s.ssh.username;
    form.sshAuth = s.ssh.auth;
    form.keyPath = s.ssh.keyPath ?? '';
    form.keepaliveSec = String(s.ssh.keepaliveSec);
    form.jump = s.ssh.jump ? formatJump(s.ssh.jump) : '';
  }
  if (isSuggestedName(form, s.name)) form.name = '';
  return form;
}

/**
 * The form filled from another view's link (`#/forwards?targetHost=…&targetPort=…&listenPort=…&proto=udp`):
 * what is given and valid-looking is taken, the rest stays as in `base`.
 */
export function formFromIntent(params: Record<string, string>, base: ForwardForm = DEFAULT_FORM): ForwardForm {
  const form: ForwardForm = { ...base, name: '', password: '', passphrase: '' };
  if (params.proto === 'udp') form.kind = 'udp';
  else if (params.proto === 'tcp' || !hasTarget(form.kind)) form.kind = 'tcp';
  if (params.targetHost) form.targetHost = params.targetHost.slice(0, 255);
  if (params.targetPort) form.targetPort = params.targetPort.slice(0, 5);
  if (params.listenPort) form.listenPort = params.listenPort.slice(0, 5);
  if (params.listenHost) form.listenHost = params.listenHost.slice(0, 255);
  return form;
}

/** The fields of a new forward worth remembering between forms: kind, listen address, SSH login. Never secrets. */
const REMEMBERED = ['kind', 'listenHost', 'sshHost', 'sshPort', 'sshUser', 'sshAuth', 'keyPath'] as const satisfies readonly (keyof ForwardForm)[];

/** Encodes what to remember of a form (short: remembered settings hold 500 characters). */
export function encodeRemembered(form: ForwardForm): string {
  const out: Record<string, string> = {};
  for (const key of REMEMBERED) if (form[key] !== DEFAULT_FORM[key]) out[key] = String(form[key]).slice(0, 120);
  return JSON.stringify(out).slice(0, 500);
}

/** The default form with remembered fields applied; anything unreadable is ignored. */
export function decodeRemembered(text: string): ForwardForm {
  const form = { ...DEFAULT_FORM };
  if (!text) return form;
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    for (const key of REMEMBERED) if (typeof raw[key] === 'string') (form as Record<string, unknown>)[key] = raw[key];
    if (!KINDS.some((k) => k.id === form.kind)) form.kind = DEFAULT_FORM.kind;
    if (!['agent', 'key', 'password'].includes(form.sshAuth)) form.sshAuth = DEFAULT_FORM.sshAuth;
  } catch {
    return { ...DEFAULT_FORM };
  }
  return form;
}

/**
 * The plain warning shown when the listen address lets other machines use the forward, or
 * undefined for loopback: the contract's sentence (net-notes.ts, which the engine's list shows
 * too), for the host as typed.
 */
export const exposureOf = (kind: ForwardKind, hostText: string, port: number): string | undefined => forwardExposure(kind, unbracket(hostText), port);

/** Spec and secrets fields of the contract (dotted, array indexes dropped) and the form field that edits each. */
const FIELD_OF_PATH: Record<string, FormField> = {
  'spec.name': 'name',
  'spec.listenHost': 'listenHost',
  'spec.listenPort': 'listenPort',
  'spec.targetHost': 'targetHost',
  'spec.targetPort': 'targetPort',
  'spec.allow': 'allow',
  'spec.udpIdleMs': 'udpIdleSec',
  'spec.ssh.host': 'sshHost',
  'spec.ssh.port': 'sshPort',
  'spec.ssh.username': 'sshUser',
  'spec.ssh.keyPath': 'keyPath',
  'spec.ssh.keepaliveSec': 'keepaliveSec',
  'secrets.password': 'password',
};

/**
 * The form field an engine error concerns, from its `path` in the call's input (`['spec',
 * 'listenPort']`, `['spec', 'allow', 2]`), when the form has that field. The path is structured
 * data the engine gave; the sentence is never read.
 */
export function fieldOfPath(path: readonly (string | number)[] | undefined): FormField | undefined {
  if (!path?.length) return undefined;
  const dotted = path.filter((key) => typeof key === 'string').join('.');
  if (dotted.startsWith('spec.ssh.jump')) return 'jump';
  return FIELD_OF_PATH[dotted];
}

/**
 * An engine error's sentence as shown under its field: without the leading "spec.listenPort: "
 * that names the path for readers without a form (the CLI, API clients); other sentences as they are.
 */
export function sentenceUnderField(problem: { message: string; path?: readonly (string | number)[] }): string {
  const where = problem.path?.length ? `${problem.path.join('.')}: ` : '';
  return where && problem.message.startsWith(where) ? problem.message.slice(where.length) : problem.message;
}
