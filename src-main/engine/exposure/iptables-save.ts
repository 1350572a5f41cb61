/**
 * Parses `iptables-save` / `ip6tables-save` text into the firewall model: legacy iptables, and
 * the iptables-nft tables whose matches nft's JSON shows only as opaque "xt" expressions (ufw's
 * addrtype and multiport, for instance). The tables map to the kernel's hooks and priorities:
 * raw PREROUTING -300, mangle PREROUTING -150, nat PREROUTING -100 (DNAT), mangle INPUT -150,
 * filter INPUT 0.
 */
import { parseAddressSpec, type IpFamily } from './address-set.js';
import { chainId, type Chain, type Cond, type Hook, type Rule, type Ruleset, type Verdict } from './ruleset.js';

const BUILTIN: Record<string, Record<string, { hook: Hook; priority: number; type: string }>> = {
  raw: { PREROUTING: { hook: 'prerouting', priority: -300, type: 'filter' } },
  mangle: { PREROUTING: { hook: 'prerouting', priority: -150, type: 'filter' }, INPUT: { hook: 'input', priority: -150, type: 'filter' } },
  nat: { PREROUTING: { hook: 'prerouting', priority: -100, type: 'nat' } },
  filter: { INPUT: { hook: 'input', priority: 0, type: 'filter' } },
  security: { INPUT: { hook: 'input', priority: 50, type: 'filter' } },
};

/** Splits a rule line into words, keeping quoted strings (comments) whole. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? m[2]!);
  return out;
}

const PROTO_NAMES: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6', 'ipv6-icmp': 'icmpv6' };

function ports(spec: string): Array<[number, number]> | undefined {
  const out: Array<[number, number]> = [];
  for (const part of spec.split(',')) {
    const [a, b] = part.split(':');
    const lo = a === '' ? 0 : Number(a);
    const hi = b === undefined ? lo : b === '' ? 65535 : Number(b);
    if (!Number.isInteger(lo) || !Number.isInteger(hi)) return undefined;
    out.push([lo, hi]);
  }
  return out;
}

/** Parses one -A line's matches and target. */
function parseRuleWords(w: string[], family: IpFamily, position: number, text: string): { rule: Rule; chain: string } {
  const conds: Cond[] = [];
  let verdict: Verdict = { kind: 'continue' };
  let chain = '';
  let negate = false;
  let proto = '';
  const opaque = (what: string) => conds.push({ kind: 'opaque', what, text: what });
  for (let i = 0; i < w.length; i++) {
    const word = w[i]!;
    const arg = () => w[++i] ?? '';
    const neg = negate;
    negate = false;
    switch (word) {
      case '!':
        negate = true;
        break;
      case '-A':
        chain = arg();
        break;
      case '-i':
      case '--in-interface': {
        const name = arg().replace(/\+$/, '*');
        conds.push({ kind: 'iif', negate: neg, names: [name], text: `${neg ? '! ' : ''}-i ${name}` });
        break;
      }
      case '-s':
      case '--source':
      case '-d':
      case '--destination': {
        const spec = arg();
        const field = word.startsWith('-s') || word === '--source' ? 'saddr' : 'daddr';
        const sets = spec.split(',').map((s) => parseAddressSpec(s));
        if (sets.some((s) => !s || s.family !== family)) opaque(`the address ${spec}`);
        else conds.push({ kind: 'addr', field, negate: neg, family, set: { family, intervals: sets.flatMap((s) => s!.intervals) }, text: `${neg ? '! ' : ''}${word} ${spec}` });
        break;
      }
      case '-p':
      case '--protocol': {
        const p = arg().toLowerCase();
        proto = PROTO_NAMES[p] ?? p;
        if (proto !== 'all') conds.push({ kind: 'l4proto', negate: neg, protos: [proto], text: `${neg ? '! ' : ''}-p ${proto}` });
        break;
      }
      case '--dport':
      case '--destination-port':
      case '--dports':
      case '--destination-ports':
      case '--sport':
      case '--source-port':
      case '--sports': {
        const spec = arg();
        const r = ports(spec);
        const field = word.includes('s') && (word.startsWith('--sport') || word.startsWith('--source')) ? 'sport' : 'dport';
        if (!r) opaque(`the ports ${spec}`);
        else conds.push({ kind: 'port', field, proto: proto === 'tcp' || proto === 'udp' ? proto : 'th', negate: neg, ranges: r, text: `${neg ? '! ' : ''}${word} ${spec}` });
        break;
      }
      case '--ctstate':
      case '--state': {
        const spec = arg();
        conds.push({ kind: 'ctstate', negate: neg, states: spec.toLowerCase().split(','), text: `${neg ? '! ' : ''}${word} ${spec}` });
        break;
      }
      case '--dst-type': {
        const spec = arg();
        conds.push({ kind: 'daddrtype', negate: neg, types: spec.toLowerCase().split(','), text: `${neg ? '! ' : ''}--dst-type ${spec}` });
        break;
      }
      case '--pkt-type': {
        const spec = arg();
        conds.push({ kind: 'pkttype', negate: neg, types: [spec.toLowerCase() === 'unicast' ? 'host' : spec.toLowerCase()], text: `--pkt-type ${spec}` });
        break;
      }
      case '-m':
      case '--match': {
        const mod = arg();
        // Modules whose options are read above, or that never change whether a first packet matches.
        if (!['tcp', 'udp', 'multiport', 'conntrack', 'state', 'addrtype', 'comment', 'limit', 'pkttype', 'icmp', 'icmp6', 'rt'].includes(mod)) opaque(`the iptables match "${mod}"`);
        if (mod === 'limit') conds.push({ kind: 'always', text: '-m limit' });
        if (mod === 'icmp' || mod === 'icmp6') conds.push({ kind: 'l4proto', negate: false, protos: [mod === 'icmp' ? 'icmp' : 'icmpv6'], text: `-m ${mod}` });
        break;
      }
      case '--rt-type':
        // A type 0 routing header is deprecated (RFC 5095): an ordinary first packet has none.
        if (arg() === '0') conds.push({ kind: 'never', text: '-m rt --rt-type 0' });
        else opaque('the routing-header match -m rt');
        break;
      case '--comment':
      case '--limit':
      case '--limit-burst':
      case '--icmp-type':
      case '--icmpv6-type':
      case '--reject-with':
      case '--log-prefix':
      case '--log-level':
        arg();
        break;
      case '-j':
      case '--jump':
      case '-g':
      case '--goto': {
        const t = arg();
        if (word === '-g' || word === '--goto') verdict = { kind: 'goto', target: t };
        else if (t === 'ACCEPT') verdict = { kind: 'accept' };
        else if (t === 'DROP') verdict = { kind: 'drop' };
        else if (t === 'REJECT') verdict = { kind: 'reject' };
        else if (t === 'RETURN') verdict = { kind: 'return' };
        else if (['LOG', 'NFLOG', 'MARK', 'CONNMARK', 'CT', 'NOTRACK', 'TRACE', 'SNAT', 'MASQUERADE', 'CHECKSUM', 'TCPMSS'].includes(t)) verdict = { kind: 'continue' };
        else if (/^[A-Z]+$/.test(t)) verdict = { kind: 'opaque', what: `the target ${t}` };
        else verdict = { kind: 'jump', target: t };
        break;
      }
      default:
        // An option this parser does not know: its match cannot be decided.
        if (word.startsWith('-')) opaque(`the option ${word}`);
        break;
    }
  }
  return { rule: { position, conds, verdict, text }, chain };
}

/** Parses iptables-save (family 4) or ip6tables-save (family 6) output. */
export function parseIptablesSave(text: string, family: IpFamily, label = family === 4 ? 'iptables-save' : 'ip6tables-save'): Ruleset {
  const chains = new Map<string, Chain>();
  const fam = family === 4 ? 'ip' : 'ip6';
  let table = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line === 'COMMIT') continue;
    if (line.startsWith('*')) {
      table = line.slice(1);
      continue;
    }
    if (line.startsWith(':')) {
      const [name = '', policy = '-'] = line.slice(1).split(/\s+/);
      const builtin = BUILTIN[table]?.[name];
      chains.set(chainId(fam, table, name), {
        id: chainId(fam, table, name),
        family: fam,
        table,
        name,
        rules: [],
        ...(builtin ? { base: { ...builtin, policy: policy === 'DROP' ? ('drop' as const) : ('accept' as const) } } : {}),
      });
      continue;
    }
    if (line.startsWith('-A ')) {
      const w = words(line);
      const name = w[1] ?? '';
      const chain = chains.get(chainId(fam, table, name));
      if (!chain) continue;
      chain.rules.push(parseRuleWords(w, family, chain.rules.length + 1, line.replace(/^-A \S+ /, '')).rule);
    }
  }
  return { chains, sources: [label] };
}
