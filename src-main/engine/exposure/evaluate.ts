/**
 * Walks a firewall model with the first packet of a new connection, the way the kernel does:
 * base chains of the ingress, prerouting and input hooks in priority order (an accept ends only
 * its own base chain; a drop or reject anywhere is final), jumps, gotos, returns, policies.
 *
 * The packet may stand for a class of senders ("any host of the LAN", "any host of the
 * internet"). A match that covers only part of the class, or that the model cannot decide
 * (opaque), forks the walk: both ways are followed. When every way ends the same, that is the
 * verdict; when they differ, the verdict is "unknown" and the reason names the rule that split it.
 */
import { coverage, single, type AddressSet, type IpFamily } from './address-set.js';
import type { Chain, Cond, Rule, Ruleset, Verdict } from './ruleset.js';

/** The first packet of a connection (TCP SYN or the first UDP datagram) arriving at this host. */
export interface ProbePacket {
  family: IpFamily;
  /** The interface it arrives on. */
  iif: string;
  /** Who may send it: one host or a class of hosts. */
  sources: AddressSet;
  /** The address of this host it is sent to. */
  daddr: string;
  protocol: 'tcp' | 'udp';
  port: number;
  /** Conntrack's state for it: a first packet is new (the default); the rest of a connection is established. */
  ctState?: 'new' | 'established';
}

/** The firewall's answer for one kind of packet. */
export interface FirewallDecision {
  verdict: 'allow' | 'drop' | 'reject' | 'unknown';
  /** The deciding rule or policy, e.g. `rule 6 of inet filter input: tcp dport 22 accept`. */
  rule?: string;
  /** One line a person can read. */
  reason: string;
}

type Tri = 'yes' | 'no' | 'part' | 'opaque';

interface Frame {
  chain: Chain;
  next: number;
}

interface Fork {
  kind: 'part' | 'opaque';
  /** Which way this path took: the rule matched (true) or not. */
  matched: boolean;
  where: string;
  what: string;
}

interface Path {
  base: number;
  stack: Frame[];
  /** The chain whose policy applies when the stack empties (a goto replaces the base frame). */
  baseChain?: Chain;
  accepts: string[];
  forks: Fork[];
  steps: number;
}

interface Ending {
  verdict: 'allow' | 'drop' | 'reject' | 'unknown';
  rule?: string;
  forks: Fork[];
  note?: string;
}

const MAX_PATHS = 512;
const MAX_STEPS = 20000;
const HOOK_ORDER = { ingress: 0, prerouting: 1, input: 2 } as const;

/** Where a rule is, for people. */
export function ruleName(chain: Chain, rule: Rule): string {
  return `rule ${rule.position}${rule.handle !== undefined ? ` (handle ${rule.handle})` : ''} of ${chain.id}: ${rule.text}`;
}

/** The base chains a packet of this family arriving on `iif` meets, in order. */
export function inputPath(ruleset: Ruleset, family: IpFamily, iif: string): Chain[] {
  return [...ruleset.chains.values()]
    .filter((c) => {
      if (!c.base) return false;
      if (c.base.type === 'nat' && c.base.hook === 'input') return false;
      if (c.base.type === 'route') return false;
      if (c.family === 'ip') return family === 4;
      if (c.family === 'ip6') return family === 6;
      if (c.family === 'inet') return true;
      if (c.family === 'netdev') return c.base.hook === 'ingress' && (!c.base.device || c.base.device === iif);
      return false;
    })
    .sort((a, b) => HOOK_ORDER[a.base!.hook] - HOOK_ORDER[b.base!.hook] || a.base!.priority - b.base!.priority);
}

function matchNames(patterns: string[], name: string): boolean {
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : p === name));
}

const bool = (b: boolean, negate: boolean): Tri => (b !== negate ? 'yes' : 'no');

/** Decides one condition for the packet. */
export function evalCond(c: Cond, p: ProbePacket): Tri {
  switch (c.kind) {
    case 'iif':
      return bool(matchNames(c.names, p.iif), c.negate);
    case 'addr': {
      // `ip saddr` says the packet is IPv4 whether or not it is negated.
      if (c.family !== p.family) return 'no';
      const of = c.field === 'saddr' ? p.sources : (single(p.daddr) ?? p.sources);
      const cov = coverage(of, c.set);
      if (cov === 'part') return 'part';
      return bool(cov === 'all', c.negate);
    }
    case 'l4proto': {
      const hit = c.protos.some((x) => {
        const [name, fam] = x.split('/');
        return name === p.protocol && (fam === undefined || Number(fam) === p.family);
      });
      const famMismatch = c.protos.every((x) => x.includes('/') && Number(x.split('/')[1]) !== p.family);
      return famMismatch ? 'no' : bool(hit, c.negate);
    }
    case 'port': {
      if (c.proto !== 'th' && c.proto !== p.protocol) return 'no';
      if (c.field === 'sport') {
        // The sender picks its source port: usually an ephemeral one, so a source-port match covers part.
        const all = c.ranges.some(([lo, hi]) => lo <= 1 && hi >= 65535);
        return all ? bool(true, c.negate) : 'part';
      }
      return bool(
        c.ranges.some(([lo, hi]) => p.port >= lo && p.port <= hi),
        c.negate,
      );
    }
    case 'ctstate':
      return bool(c.states.includes(p.ctState ?? 'new'), c.negate);
    case 'nfproto':
      return bool(c.families.includes(p.family), c.negate);
    case 'daddrtype':
      return bool(c.types.includes('local'), c.negate);
    case 'pkttype':
      return bool(c.types.includes('host'), c.negate);
    case 'rpf-missing':
      return bool(false, c.negate);
    case 'always':
      return 'yes';
    case 'never':
      return 'no';
    case 'opaque':
      if (c.impliesProto && c.impliesProto !== p.protocol) return 'no';
      return 'opaque';
  }
}

/** All conditions of a rule: no wins, then opaque, then part. */
function evalConds(conds: Cond[], p: ProbePacket): { tri: Tri; cond?: Cond } {
  let worst: { tri: Tri; cond?: Cond } = { tri: 'yes' };
  for (const c of conds) {
    const t = evalCond(c, p);
    if (t === 'no') return { tri: 'no', cond: c };
    if (t === 'opaque' && worst.tri !== 'opaque') worst = { tri: 'opaque', cond: c };
    if (t === 'part' && worst.tri === 'yes') worst = { tri: 'part', cond: c };
  }
  return worst;
}

const clone = (path: Path): Path => ({ ...path, stack: path.stack.map((f) => ({ ...f })), accepts: [...path.accepts], forks: [...path.forks] });

/** Evaluates the packet against the ruleset. */
export function evaluate(ruleset: Ruleset, packet: ProbePacket): FirewallDecision {
  const bases = inputPath(ruleset, packet.family, packet.iif);
  if (bases.length === 0) return { verdict: 'allow', reason: `No firewall chain filters ${packet.family === 4 ? 'IPv4' : 'IPv6'} input (${ruleset.sources.join(', ')}).` };
  const endings: Ending[] = [];
  const queue: Path[] = [{ base: 0, stack: [], accepts: [], forks: [], steps: 0 }];
  let paths = 1;
  while (queue.length > 0) {
    const path = queue.pop()!;
    const ending = walk(ruleset, bases, packet, path, (forked) => {
      paths++;
      if (paths > MAX_PATHS) return false;
      queue.push(forked);
      return true;
    });
    endings.push(ending);
  }
  return summarize(endings, paths > MAX_PATHS);
}

function walk(ruleset: Ruleset, bases: Chain[], packet: ProbePacket, path: Path, fork: (p: Path) => boolean): Ending {
  for (;;) {
    if (++path.steps > MAX_STEPS) return { verdict: 'unknown', forks: path.forks, note: 'the chains loop or are too long to follow' };
    if (path.stack.length === 0) {
      if (path.baseChain) {
        // The end of a base chain (or of a chain it went to): its policy.
        const chain = path.baseChain;
        path.baseChain = undefined;
        if (chain.base!.policy === 'drop') return { verdict: 'drop', rule: `policy drop of ${chain.id}`, forks: path.forks };
        path.accepts.push(`policy accept of ${chain.id}`);
        path.base++;
        continue;
      }
      const next = bases[path.base];
      if (!next) return { verdict: 'allow', rule: pickAccept(path.accepts), forks: path.forks };
      path.baseChain = next;
      path.stack.push({ chain: next, next: 0 });
    }
    const frame = path.stack[path.stack.length - 1]!;
    const rule = frame.chain.rules[frame.next];
    if (!rule) {
      path.stack.pop();
      continue;
    }
    frame.next++;
    const m = evalConds(rule.conds, packet);
    if (m.tri === 'no') continue;
    if (m.tri === 'part' || m.tri === 'opaque') {
      const f: Fork = { kind: m.tri, matched: true, where: ruleName(frame.chain, rule), what: m.tri === 'opaque' && m.cond?.kind === 'opaque' ? m.cond.what : (m.cond?.text ?? '') };
      // The other way: the rule does not match.
      const other = clone(path);
      other.forks.push({ ...f, matched: false });
      if (!fork(other)) return { verdict: 'unknown', forks: [...path.forks, f], note: 'too many combinations of rules to follow' };
      path.forks.push(f);
    }
    const result = apply(ruleset, frame, rule, rule.verdict, packet, path, fork);
    if (result) return result;
  }
}

/** Applies a verdict; returns an ending when the walk is over. */
function apply(ruleset: Ruleset, frame: Frame, rule: Rule, v: Verdict, packet: ProbePacket, path: Path, fork: (p: Path) => boolean): Ending | undefined {
  const where = ruleName(frame.chain, rule);
  switch (v.kind) {
    case 'continue':
      return undefined;
    case 'accept':
      path.accepts.push(where);
      path.stack = [];
      path.baseChain = undefined;
      path.base++;
      return undefined;
    case 'drop':
    case 'reject':
      return { verdict: v.kind, rule: where, forks: path.forks };
    case 'return':
      path.stack.pop();
      return undefined;
    case 'jump':
    case 'goto': {
      const target = ruleset.chains.get(`${frame.chain.family} ${frame.chain.table} ${v.target}`);
      if (!target) return { verdict: 'unknown', forks: path.forks, note: `${where} goes to a chain the ruleset does not list (${v.target})` };
      if (v.kind === 'goto') path.stack.pop();
      path.stack.push({ chain: target, next: 0 });
      return undefined;
    }
    case 'vmap': {
      for (const e of v.entries) {
        const t = evalCond(e.cond, packet);
        if (t === 'no') continue;
        if (t === 'part' || t === 'opaque') {
          const f: Fork = { kind: t, matched: true, where, what: e.cond.kind === 'opaque' ? e.cond.what : e.cond.text };
          const other = clone(path);
          other.forks.push({ ...f, matched: false });
          // The other way continues with the map's next entries: re-run the rest of this map there.
          const rest: Verdict = { kind: 'vmap', entries: v.entries.slice(v.entries.indexOf(e) + 1) };
          if (!fork(withPending(other, rest, frame, rule))) return { verdict: 'unknown', forks: [...path.forks, f], note: 'too many combinations of rules to follow' };
          path.forks.push(f);
        }
        return apply(ruleset, frame, rule, e.verdict, packet, path, fork);
      }
      return undefined;
    }
    case 'opaque':
      return { verdict: 'unknown', forks: [...path.forks, { kind: 'opaque', matched: true, where, what: v.what }] };
  }
}

/** A forked path that still has to apply the rest of a verdict map: a one-rule chain in front. */
function withPending(path: Path, rest: Verdict, frame: Frame, rule: Rule): Path {
  const pending: Chain = { ...frame.chain, rules: [{ ...rule, conds: [], verdict: rest }], base: undefined };
  path.stack.push({ chain: pending, next: 0 });
  return path;
}

function pickAccept(accepts: string[]): string | undefined {
  return accepts.find((a) => !a.startsWith('policy')) ?? accepts[0];
}

function summarize(endings: Ending[], overflow: boolean): FirewallDecision {
  // The way to report: the one that assumed the fewest undecided matches matched.
  const assumed = (e: Ending) => e.forks.filter((f) => f.matched).length;
  const first = [...endings].sort((a, b) => assumed(a) - assumed(b))[0]!;
  const verdicts = new Set(endings.map((e) => e.verdict));
  if (verdicts.size === 1 && first.verdict !== 'unknown' && !overflow) {
    return { verdict: first.verdict, ...(first.rule ? { rule: first.rule } : {}), reason: sentence(first) };
  }
  const opaque = endings.flatMap((e) => e.forks).find((f) => f.kind === 'opaque');
  const noted = endings.find((e) => e.note);
  if (opaque) return { verdict: 'unknown', rule: opaque.where, reason: `Unknown: ${opaque.where.split(':')[0]} uses ${opaque.what}, which Portolan cannot evaluate.` };
  if (noted?.note) return { verdict: 'unknown', reason: `Unknown: ${noted.note}.` };
  const part = endings.flatMap((e) => e.forks).find((f) => f.kind === 'part');
  const kinds = [...verdicts].filter((v) => v !== 'unknown').join(' or ');
  return {
    verdict: 'unknown',
    ...(part ? { rule: part.where } : {}),
    reason: `Depends on the sender (${kinds}): ${part ? `${part.where.split(':')[0]} matches only some of them (${part.what})` : 'rules match only some of them'}.`,
  };
}

function sentence(e: Ending): string {
  if (e.verdict === 'allow') return e.rule ? `Allowed by ${e.rule}.` : 'Allowed: no rule stops it.';
  if (e.verdict === 'drop') return `Dropped (no answer) by ${e.rule}.`;
  return `Rejected (refused at once) by ${e.rule}.`;
}

/**
 * The verdict for a whole connection: its first packet, and for TCP the packets that follow
 * (the handshake's last ACK and the data, conntrack state "established"). A ruleset that lets a
 * SYN in but drops or rejects the rest gives a connection nobody can use: that is its verdict.
 */
export function evaluateConnection(ruleset: Ruleset, packet: ProbePacket): FirewallDecision {
  const first = evaluate(ruleset, { ...packet, ctState: 'new' });
  if (first.verdict !== 'allow' || packet.protocol !== 'tcp') return first;
  const rest = evaluate(ruleset, { ...packet, ctState: 'established' });
  if (rest.verdict === 'allow') return first;
  if (rest.verdict === 'unknown') return { verdict: 'unknown', ...(rest.rule ? { rule: rest.rule } : {}), reason: `${first.reason.replace(/\.$/, '')}; the rest of the connection: ${rest.reason}` };
  const what = rest.verdict === 'drop' ? 'dropped' : 'rejected';
  return { verdict: rest.verdict, ...(rest.rule ? { rule: rest.rule } : {}), reason: `The first packet is ${first.reason.replace(/^Allowed/, 'allowed').replace(/\.$/, '')}, but the rest of the connection is ${what} by ${rest.rule ?? 'the firewall'}.` };
}
