/**
 * Parses `nft -j list ruleset` into the firewall model: tables, base chains (hook, priority,
 * policy), rules with their matches and verdicts, named sets. Whatever the evaluator cannot
 * decide is kept as an opaque match that names what it is, so that a verdict that depends on it
 * says "unknown: rule N uses X" instead of guessing.
 */
import { normalize, parseAddressSpec, type AddressSet, type IpFamily } from './address-set.js';
import { chainId, verdictText, type Chain, type Cond, type Hook, type Rule, type Ruleset, type Verdict } from './ruleset.js';

type Json = unknown;
type Obj = Record<string, Json>;
const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A named set's elements as written in JSON. */
type SetElems = Map<string, Json[]>;

const HOOKS: Record<string, Hook> = { ingress: 'ingress', prerouting: 'prerouting', input: 'input' };
const L4 = new Set(['tcp', 'udp', 'udplite', 'sctp', 'dccp', 'icmp', 'icmpv6', 'igmp', 'esp', 'ah', 'gre', 'comp']);
const PROTO_NUMBERS: Record<number, string> = { 1: 'icmp', 2: 'igmp', 6: 'tcp', 17: 'udp', 33: 'dccp', 58: 'icmpv6', 132: 'sctp', 136: 'udplite' };

/** Thrown for text that is not nft's JSON output; the message says what to do. */
export class RulesetParseError extends Error {}

/** Parses the JSON text of `nft -j list ruleset`. */
export function parseNftJson(text: string): Ruleset {
  let doc: Json;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new RulesetParseError('The output of "nft -j list ruleset" is not JSON: check that nft is nftables 0.9 or later.');
  }
  const items = isObj(doc) && Array.isArray(doc.nftables) ? doc.nftables : undefined;
  if (!items) throw new RulesetParseError('The JSON has no "nftables" list: is it the output of "nft -j list ruleset"?');
  const chains = new Map<string, Chain>();
  const sets: SetElems = new Map();
  let version = '';
  for (const item of items) {
    if (!isObj(item)) continue;
    if (isObj(item.metainfo)) version = String(item.metainfo.version ?? '');
    const s = item.set ?? item.map;
    if (isObj(s)) sets.set(chainId(String(s.family), String(s.table), String(s.name)), Array.isArray(s.elem) ? s.elem : []);
    const c = item.chain;
    if (isObj(c)) {
      const id = chainId(String(c.family), String(c.table), String(c.name));
      const hook = typeof c.hook === 'string' ? HOOKS[c.hook] : undefined;
      chains.set(id, {
        id,
        family: String(c.family),
        table: String(c.table),
        name: String(c.name),
        rules: [],
        ...(hook && typeof c.type === 'string'
          ? {
              base: {
                hook,
                type: c.type,
                priority: Number(c.prio ?? 0),
                policy: c.policy === 'drop' ? ('drop' as const) : ('accept' as const),
                ...(typeof c.dev === 'string' ? { device: c.dev } : {}),
              },
            }
          : {}),
      });
    }
  }
  for (const item of items) {
    if (!isObj(item) || !isObj(item.rule)) continue;
    const r = item.rule;
    const chain = chains.get(chainId(String(r.family), String(r.table), String(r.chain)));
    if (!chain) continue;
    const lookup = (name: string) => sets.get(chainId(String(r.family), String(r.table), name));
    chain.rules.push(parseRule(Array.isArray(r.expr) ? r.expr : [], chain.rules.length + 1, typeof r.handle === 'number' ? r.handle : undefined, lookup));
  }
  return { chains, sources: [`nftables${version ? ` ${version}` : ''}`] };
}

function parseRule(exprs: Json[], position: number, handle: number | undefined, lookup: (name: string) => Json[] | undefined): Rule {
  const conds: Cond[] = [];
  let verdict: Verdict = { kind: 'continue' };
  for (const e of exprs) {
    if (!isObj(e)) continue;
    const [key] = Object.keys(e);
    const body = key === undefined ? undefined : e[key];
    switch (key) {
      case 'match':
        if (isObj(body)) conds.push(parseMatch(body, lookup));
        break;
      case 'accept':
      case 'drop':
      case 'return':
      case 'continue':
        verdict = { kind: key };
        break;
      case 'reject':
        verdict = { kind: 'reject' };
        break;
      case 'jump':
      case 'goto':
        verdict = { kind: key, target: isObj(body) ? String(body.target) : '' };
        break;
      case 'vmap':
        verdict = parseVmap(body, lookup);
        break;
      case 'limit':
        conds.push(isObj(body) && body.inv ? { kind: 'never', text: 'limit rate over ...' } : { kind: 'always', text: 'limit rate ...' });
        break;
      case 'xt':
        if (isObj(body) && body.type === 'target') verdict = { kind: 'opaque', what: `the iptables target ${String(body.name)}` };
        else conds.push({ kind: 'opaque', what: `the iptables match "${isObj(body) ? String(body.name) : '?'}"`, text: `xt ${isObj(body) ? String(body.name) : ''}` });
        break;
      case 'dnat':
      case 'redirect':
      case 'tproxy':
        verdict = { kind: 'opaque', what: `${key} (it rewrites the destination)` };
        break;
      case 'queue':
        verdict = { kind: 'opaque', what: 'queue (a user-space program decides)' };
        break;
      // Statements that neither match nor decide: counting, logging, marking, set updates.
      default:
        break;
    }
  }
  return { position, ...(handle !== undefined ? { handle } : {}), conds, verdict, text: [...conds.map((c) => c.text), verdictText(verdict)].filter(Boolean).join(' ') };
}

function parseVmap(body: Json, lookup: (name: string) => Json[] | undefined): Verdict {
  if (!isObj(body)) return { kind: 'opaque', what: 'a verdict map' };
  const left = body.key;
  const data = body.data;
  const pairs: Json[] = typeof data === 'string' && data.startsWith('@') ? (lookup(data.slice(1)) ?? []) : isObj(data) && Array.isArray(data.set) ? data.set : [];
  const entries: Array<{ cond: Cond; verdict: Verdict }> = [];
  for (const p of pairs) {
    const pair = isObj(p) && Array.isArray(p.elem) ? p.elem : Array.isArray(p) ? p : undefined;
    if (!pair || pair.length < 2) continue;
    const cond = parseMatch({ op: '==', left, right: pair[0] }, lookup);
    const v = pair[1];
    const vk = isObj(v) ? Object.keys(v)[0] : undefined;
    const verdict: Verdict =
      vk === 'accept' || vk === 'drop' || vk === 'return' || vk === 'continue' || vk === 'reject'
        ? { kind: vk }
        : (vk === 'jump' || vk === 'goto') && isObj(v) && isObj(v[vk])
          ? { kind: vk, target: String((v[vk] as Obj).target) }
          : { kind: 'opaque', what: 'a verdict map entry' };
    entries.push({ cond, verdict });
  }
  return { kind: 'vmap', entries };
}

/** Elements of a right-hand side: a literal, a list, an anonymous set or a named set. */
function elements(right: Json, lookup: (name: string) => Json[] | undefined): Json[] | undefined {
  if (typeof right === 'string' && right.startsWith('@')) return lookup(right.slice(1));
  if (Array.isArray(right)) return right;
  if (isObj(right) && Array.isArray(right.set)) return right.set;
  return [right];
}

function unwrap(el: Json): Json {
  return isObj(el) && isObj(el.elem) ? el.elem.val : el;
}

function rightText(right: Json): string {
  if (typeof right === 'string' || typeof right === 'number') return String(right);
  if (Array.isArray(right)) return right.map(rightText).join(',');
  if (isObj(right)) {
    if (Array.isArray(right.set)) return `{ ${right.set.map(rightText).join(', ')} }`;
    if (Array.isArray(right.range)) return `${rightText(right.range[0])}-${rightText(right.range[1])}`;
    if (isObj(right.prefix)) return `${String(right.prefix.addr)}/${String(right.prefix.len)}`;
    if (isObj(right.elem)) return rightText(right.elem.val);
  }
  return JSON.stringify(right);
}

function portRanges(els: Json[]): Array<[number, number]> | undefined {
  const out: Array<[number, number]> = [];
  for (const raw of els) {
    const el = unwrap(raw);
    if (typeof el === 'number') out.push([el, el]);
    else if (isObj(el) && Array.isArray(el.range) && typeof el.range[0] === 'number' && typeof el.range[1] === 'number') out.push([el.range[0], el.range[1]]);
    else return undefined;
  }
  return out;
}

function addressSet(family: IpFamily, els: Json[]): AddressSet | undefined {
  const intervals: Array<readonly [bigint, bigint]> = [];
  for (const raw of els) {
    const el = unwrap(raw);
    let spec: AddressSet | undefined;
    if (typeof el === 'string') spec = parseAddressSpec(el);
    else if (isObj(el) && isObj(el.prefix)) spec = parseAddressSpec(`${String(el.prefix.addr)}/${String(el.prefix.len)}`);
    else if (isObj(el) && Array.isArray(el.range)) spec = parseAddressSpec(`${String(el.range[0])}-${String(el.range[1])}`);
    if (!spec || spec.family !== family) return undefined;
    intervals.push(...spec.intervals);
  }
  return normalize(family, intervals);
}

function strings(els: Json[]): string[] | undefined {
  const out: string[] = [];
  for (const raw of els) {
    const el = unwrap(raw);
    if (typeof el === 'string' || typeof el === 'number') out.push(String(el));
    else return undefined;
  }
  return out;
}

/** One `match` expression to a condition. */
export function parseMatch(m: Obj, lookup: (name: string) => Json[] | undefined): Cond {
  const op = String(m.op ?? '==');
  const left = m.left;
  const right = m.right;
  const leftName = describeLeft(left);
  const text = `${leftName}${op === '!=' ? ' !=' : ''} ${rightText(right)}`;
  const opaque = (what: string): Cond => ({ kind: 'opaque', what, text });
  const negate = op === '!=';
  if (!['==', '!=', 'in'].includes(op)) {
    // Port comparisons (tcp dport < 1024) become ranges; anything else is not decided here.
    if (isObj(left) && isObj(left.payload) && typeof right === 'number' && /port$/.test(String(left.payload.field))) {
      const range: [number, number] | undefined =
        op === '<' ? [0, right - 1] : op === '<=' ? [0, right] : op === '>' ? [right + 1, 65535] : op === '>=' ? [right, 65535] : undefined;
      if (range) return { kind: 'port', field: String(left.payload.field) === 'sport' ? 'sport' : 'dport', proto: String(left.payload.protocol), negate: false, ranges: [range], text };
    }
    return opaque(`the comparison "${text}"`);
  }
  const els = elements(right, lookup);
  if (!els) return opaque(`the set ${String(right)}, which the ruleset does not list`);
  if (isObj(left) && isObj(left.payload)) {
    const proto = String(left.payload.protocol ?? '');
    const field = String(left.payload.field ?? '');
    if ((proto === 'ip' || proto === 'ip6') && (field === 'saddr' || field === 'daddr')) {
      const family: IpFamily = proto === 'ip' ? 4 : 6;
      const set = addressSet(family, els);
      return set ? { kind: 'addr', field, negate, family, set, text } : opaque(`addresses it cannot read (${text})`);
    }
    if ((proto === 'ip' && field === 'protocol') || (proto === 'ip6' && field === 'nexthdr')) {
      const protos = strings(els)?.map((p) => PROTO_NUMBERS[Number(p)] ?? p);
      // `ip protocol tcp` also says the packet is IPv4.
      return protos ? { kind: 'l4proto', negate, protos: protos.map((p) => `${p}/${proto === 'ip' ? 4 : 6}`), text } : opaque(text);
    }
    if ((L4.has(proto) || proto === 'th') && (field === 'dport' || field === 'sport')) {
      const ranges = portRanges(els);
      return ranges ? { kind: 'port', field, proto, negate, ranges, text } : opaque(`ports it cannot read (${text})`);
    }
    if (L4.has(proto)) {
      // Any other field of a transport header: false for a packet of another protocol, else undecided.
      return { kind: 'opaque', what: `${proto} ${field}`, text, impliesProto: proto };
    }
    return opaque(`${proto} ${field}`);
  }
  if (isObj(left) && isObj(left.meta)) {
    const key = String(left.meta.key);
    const vals = strings(els);
    if (!vals) return opaque(text);
    if (key === 'iif' || key === 'iifname') return { kind: 'iif', negate, names: vals, text };
    if (key === 'l4proto') return { kind: 'l4proto', negate, protos: vals.map((p) => PROTO_NUMBERS[Number(p)] ?? p), text };
    if (key === 'nfproto' || key === 'protocol') {
      const families = vals.map((v) => (v === 'ipv4' || v === 'ip' ? 4 : v === 'ipv6' || v === 'ip6' ? 6 : 0)).filter((f): f is IpFamily => f !== 0);
      return { kind: 'nfproto', negate, families, text };
    }
    if (key === 'pkttype') return { kind: 'pkttype', negate, types: vals, text };
    if (key === 'iiftype') return vals.includes('ether') && !negate ? { kind: 'always', text } : opaque(text);
    return opaque(`meta ${key}`);
  }
  if (isObj(left) && isObj(left.ct)) {
    const key = String(left.ct.key);
    const vals = strings(els);
    if (key === 'state' && vals) return { kind: 'ctstate', negate, states: vals, text };
    return opaque(`ct ${key}`);
  }
  if (isObj(left) && isObj(left.fib)) {
    const result = String(left.fib.result);
    const flags = Array.isArray(left.fib.flags) ? left.fib.flags.map(String) : [];
    if (result === 'type' && flags.includes('daddr')) {
      const vals = strings(els);
      if (vals) return { kind: 'daddrtype', negate, types: vals, text };
    }
    if (result === 'oif' && flags.includes('saddr') && (right === false || right === 'missing')) return { kind: 'rpf-missing', negate, text };
    return opaque(`fib ${flags.join(' . ')} ${result}`);
  }
  return opaque(`the expression ${leftName}`);
}

function describeLeft(left: Json): string {
  if (!isObj(left)) return String(left);
  if (isObj(left.payload)) return `${String(left.payload.protocol ?? 'raw')} ${String(left.payload.field ?? '')}`.trim();
  if (isObj(left.meta)) return ['iif', 'iifname', 'oif', 'oifname', 'l4proto', 'nfproto', 'pkttype', 'mark'].includes(String(left.meta.key)) ? String(left.meta.key) : `meta ${String(left.meta.key)}`;
  if (isObj(left.ct)) return `ct ${String(left.ct.key)}`;
  if (isObj(left.fib)) return `fib ${(Array.isArray(left.fib.flags) ? left.fib.flags : []).join(' . ')} ${String(left.fib.result)}`;
  if (Array.isArray(left.concat)) return left.concat.map(describeLeft).join(' . ');
  return Object.keys(left)[0] ?? '?';
}
