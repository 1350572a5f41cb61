/**
 * "Does this name resolve?" for the forward form: which host of the form to ask the engine about
 * (`dns.resolve`), asked when the user leaves the field or saves (never on a pause in typing: a
 * half-typed name must not send DNS queries beyond this machine), and the line shown under the field: the
 * addresses, or a warning that names the resolver's error. It never blocks Save: a forward whose
 * target does not resolve still listens (and counts target errors); an SSH tunnel keeps retrying.
 */
import { parseIp } from '../../../../src-main/contract/cidr.js';
import { hasTarget, hostProblem, isSsh, unbracket, type ForwardForm } from './form.js';

/** The form's fields whose host is looked up. */
export type ResolveField = 'targetHost' | 'sshHost';
export const RESOLVE_FIELDS: readonly ResolveField[] = ['targetHost', 'sshHost'];

/** What is known about one host. */
export type Resolution =
  /** Waiting for the user to leave the field (or save). */
  | { host: string; status: 'waiting' }
  /** Asked; no answer yet. */
  | { host: string; status: 'looking' }
  | { host: string; status: 'resolved'; addresses: readonly string[] }
  /** ENOTFOUND or ETIMEDOUT, with the engine's sentence. */
  | { host: string; status: 'unresolved'; code: string; message: string };

export type Resolutions = Partial<Record<ResolveField, Resolution>>;

/** Resolves a name through the engine; rejects with `{ code, message }`. */
export type HostLookup = (host: string) => Promise<readonly string[]>;

/** True for an IP address (with or without brackets): nothing to look up. */
export const isIpLiteral = (host: string): boolean => parseIp(unbracket(host)) !== undefined;

/** True when the form's target is resolved by the SSH server (SSH -L), not on this machine. */
const targetOnServer = (form: ForwardForm) => form.kind === 'ssh-local';

/**
 * The names of the form worth looking up on this machine, by field: a valid name (not an IP
 * address) for the target of local TCP/UDP and SSH -R forwards (SSH -L targets are the server's
 * business), and for the SSH server of every tunnel unless it is one of the `sshAliases` of
 * ~/.ssh/config (not a DNS name: the engine connects to its HostName).
 */
export function hostsToResolve(form: ForwardForm, sshAliases: ReadonlySet<string> = new Set()): Partial<Record<ResolveField, string>> {
  const out: Partial<Record<ResolveField, string>> = {};
  const wanted = (text: string, what: string) => !hostProblem(text, what) && !isIpLiteral(text);
  if (hasTarget(form.kind) && !targetOnServer(form) && wanted(form.targetHost, 'the target host')) out.targetHost = unbracket(form.targetHost);
  if (isSsh(form.kind) && wanted(form.sshHost, 'the SSH server') && !sshAliases.has(form.sshHost.trim())) out.sshHost = unbracket(form.sshHost);
  return out;
}

/** The line under a field. */
export interface ResolveNote {
  tone: 'ok' | 'warn' | 'muted';
  text: string;
}

/** Addresses shown in full; the rest are counted. */
const SHOWN_ADDRESSES = 4;

/** "192.0.2.4, 2001:db8::4" (and "and 3 more" past four). */
export function addressList(addresses: readonly string[]): string {
  const shown = addresses.slice(0, SHOWN_ADDRESSES).join(', ');
  const more = addresses.length - SHOWN_ADDRESSES;
  return more > 0 ? `${shown} and ${more} more` : shown;
}

/** What saving anyway leads to, by field and kind. */
function consequence(form: ForwardForm, field: ResolveField): string {
  if (field === 'sshHost') return 'You can still save: the tunnel keeps retrying until the name resolves.';
  if (form.kind === 'ssh-remote')
    return 'You can still save: the tunnel comes up, and each connection the server sends back counts as a target error until the name resolves.';
  const unit = form.kind === 'udp' ? 'datagram flow' : 'connection';
  return `You can still save: the forward listens, and each ${unit} that cannot reach the target counts as a target error.`;
}

/**
 * The line to show under `field`: the addresses the name resolves to, a warning when it does not
 * (never an error: Save stays possible), "resolved by the SSH server" for SSH -L targets, or
 * nothing (IP addresses, invalid text, the user still typing, an answer about an older text).
 */
export function resolveNote(form: ForwardForm, field: ResolveField, resolution: Resolution | undefined): ResolveNote | undefined {
  if (field === 'targetHost' && targetOnServer(form)) {
    if (hostProblem(form.targetHost, 'the target host') || isIpLiteral(form.targetHost)) return undefined;
    return { tone: 'muted', text: `${unbracket(form.targetHost)} is resolved by the SSH server, not checked here.` };
  }
  const host = hostsToResolve(form)[field];
  if (!host || !resolution || resolution.host !== host) return undefined;
  switch (resolution.status) {
    case 'waiting':
      return undefined;
    case 'looking':
      return { tone: 'muted', text: `Looking up ${host}…` };
    case 'resolved':
      return { tone: 'ok', text: `${host} resolves to ${addressList(resolution.addresses)}` };
    case 'unresolved':
      return { tone: 'warn', text: `${resolution.message} ${consequence(form, field)}` };
  }
}

/** Error codes that mean "this name does not resolve here"; anything else (engine gone...) shows nothing. */
const UNRESOLVED_CODES = new Set(['ENOTFOUND', 'ETIMEDOUT']);

export interface HostResolverOptions {
  /** How long an answer is reused, ms (default 30 s). */
  ttlMs?: number;
  /** The clock, for tests. */
  now?: () => number;
}

/**
 * Looks the form's names up when asked ({@link HostResolver.lookupNow}: the user left the field, or
 * saves); {@link HostResolver.request} only records what the form holds. An answer for a name the form no longer holds is kept in the cache but not shown; answers are
 * reused for a while so that switching kinds or reopening the form asks again only when stale.
 */
export class HostResolver {
  private current: Resolutions = {};
  private wanted: Partial<Record<ResolveField, string>> = {};
  private readonly cache = new Map<string, { at: number; resolution: Resolution }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly lookup: HostLookup,
    private readonly onUpdate: (resolutions: Resolutions) => void,
    options: HostResolverOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30000;
    this.now = options.now ?? Date.now;
  }

  /** What is known now, by field. */
  get resolutions(): Resolutions {
    return this.current;
  }

  /** The names the form holds now (from {@link hostsToResolve}); looked up by {@link lookupNow}, not here. */
  request(hosts: Partial<Record<ResolveField, string>>): void {
    const next: Resolutions = {};
    let changed = false;
    for (const field of RESOLVE_FIELDS) {
      const host = hosts[field];
      if (host === this.wanted[field]) {
        if (this.current[field]) next[field] = this.current[field];
        continue;
      }
      changed = true;
      if (host === undefined) continue;
      const cached = this.cached(host);
      next[field] = cached ?? { host, status: 'waiting' };
    }
    this.wanted = { ...hosts };
    if (!changed) return;
    this.current = next;
    this.onUpdate(this.current);
  }

  /** Looks up the names still waiting (all of them, or only `field`'s); resolves once answered. */
  lookupNow(field?: ResolveField): Promise<void> {
    return this.run(field);
  }

  /** Forgets what the form asked (the form closed); the cache stays. */
  clear(): void {
    this.wanted = {};
    if (Object.keys(this.current).length === 0) return;
    this.current = {};
    this.onUpdate(this.current);
  }

  private cached(host: string): Resolution | undefined {
    const hit = this.cache.get(host);
    if (!hit) return undefined;
    if (this.now() - hit.at <= this.ttlMs) return hit.resolution;
    this.cache.delete(host);
    return undefined;
  }

  private async run(only?: ResolveField): Promise<void> {
    const fields = RESOLVE_FIELDS.filter((f) => (!only || f === only) && this.current[f]?.status === 'waiting');
    const hosts = new Set(fields.map((f) => this.current[f]!.host));
    if (!hosts.size) return;
    this.set(hosts, (host) => ({ host, status: 'looking' }));
    await Promise.all(
      [...hosts].map(async (host) => {
        let resolution: Resolution | undefined;
        try {
          resolution = { host, status: 'resolved', addresses: await this.lookup(host) };
        } catch (err) {
          const { code, message } = err as { code?: string; message?: string };
          if (code && UNRESOLVED_CODES.has(code)) resolution = { host, status: 'unresolved', code, message: message ?? `${host} does not resolve here (${code}).` };
        }
        if (resolution) this.cache.set(host, { at: this.now(), resolution });
        // No answer worth showing (the engine is gone...): show nothing rather than a wrong warning.
        this.set(new Set([host]), () => resolution);
      }),
    );
  }

  /** Replaces the resolution of every field still holding one of `hosts`. */
  private set(hosts: ReadonlySet<string>, make: (host: string) => Resolution | undefined): void {
    const next: Resolutions = { ...this.current };
    let changed = false;
    for (const field of RESOLVE_FIELDS) {
      const host = this.wanted[field];
      if (host === undefined || !hosts.has(host) || this.current[field]?.host !== host) continue;
      const resolution = make(host);
      if (resolution) next[field] = resolution;
      else delete next[field];
      changed = true;
    }
    if (!changed) return;
    this.current = next;
    this.onUpdate(this.current);
  }
}
