/**
 * macOS: the application firewall (socketfilterfw: on/off, block all, stealth, per-app allow or
 * block) and pf (`pfctl -sr`, with the anchors it names read by `pfctl -a <anchor> -sr`). A first
 * packet must get through pf (in the kernel) and then the application firewall (at the socket).
 *
 * pf decides so: every rule is read in order and the LAST matching rule wins, except a matching
 * `quick` rule, which wins at once; a packet no rule matches passes. `pfctl -sr` prints lists
 * expanded, one rule per line, ports as `port = 22`, `port 5000:5010`, `port > 1024`...
 */
import type { FirewallDecision } from './evaluate.js';

/** The application firewall's settings and apps, from socketfilterfw's answers. */
export interface AppFirewall {
  enabled: boolean;
  blockAll: boolean;
  stealth: boolean;
  /** Apps as listed: path, and whether incoming connections are allowed. */
  apps: Array<{ path: string; allow: boolean }>;
}

/**
 * Parses `socketfilterfw --getglobalstate --getblockall --getstealthmode --listapps` output; both
 * the older wording ("Block all DISABLED!", "Stealth mode enabled") and the newer ("Firewall has
 * block all state set to enabled.", "Firewall stealth mode is on") are read.
 */
export function parseSocketFilterFw(text: string): AppFirewall {
  const state = /Firewall is (enabled|disabled)\.?(?:\s*\(State = (\d)\))?/i.exec(text);
  if (!state) throw new Error('socketfilterfw said nothing about its state ("Firewall is enabled/disabled" is missing)');
  const enabled = state[1]!.toLowerCase() === 'enabled';
  // State = 2 is "block all incoming connections" (essential services only).
  const blockAll = state[2] === '2' || /Block all ENABLED|block all state set to enabled/i.test(text);
  const stealth = /Stealth mode enabled|stealth mode is on/i.test(text);
  const apps: AppFirewall['apps'] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*\d+\s*:\s+(.+?)\s*$/.exec(lines[i]!);
    if (!m) continue;
    const verdict = /\(\s*(Allow|Block) incoming connections\s*\)/i.exec(lines[i + 1] ?? '');
    if (verdict) apps.push({ path: m[1]!, allow: verdict[1]!.toLowerCase() === 'allow' });
  }
  return { enabled, blockAll, stealth, apps };
}

const appName = (s: string) => s.split('/').filter(Boolean).pop()!.replace(/\.app$/i, '').toLowerCase();

/** The application firewall's verdict for a connection to `process` (its name as the socket table shows it). */
export function evaluateAppFirewall(fw: AppFirewall, process: string | undefined): FirewallDecision {
  if (!fw.enabled) return { verdict: 'allow', rule: 'application firewall off', reason: 'Allowed: the macOS application firewall is off.' };
  if (fw.blockAll) return { verdict: 'drop', rule: 'application firewall: block all incoming connections', reason: 'Dropped: the application firewall blocks all incoming connections (essential services only).' };
  const app = process ? fw.apps.find((a) => appName(a.path) === appName(process)) : undefined;
  if (app) {
    const rule = `application firewall: ${app.path} (${app.allow ? 'allow' : 'block'} incoming connections)`;
    return app.allow ? { verdict: 'allow', rule, reason: `Allowed by the ${rule}.` } : { verdict: 'drop', rule, reason: `Dropped by the ${rule}.` };
  }
  return {
    verdict: 'unknown',
    reason: `Unknown: ${process ?? 'the listening program'} is not in the application firewall's list; macOS may allow signed software by itself or ask the user the first time`,
  };
}

/** A port condition of pf: `= 22`, `!= 22`, `< 1024`, `5000:5010`, `1000 >< 2000`, `1000 <> 2000`. */
type PortTest = (p: number) => boolean;

/** One pf rule as far as a first inbound packet needs it. */
export interface PfRule {
  line: number;
  text: string;
  action: 'pass' | 'block' | 'anchor';
  /** block: drop, or return (a TCP RST / ICMP unreachable). */
  block?: 'drop' | 'return';
  anchor?: string;
  dir?: 'in' | 'out';
  quick: boolean;
  /** Interfaces with `on`, and whether negated. */
  on?: { names: string[]; negate: boolean };
  family?: 4 | 6;
  protos?: string[];
  /** The source (`from`): any, or not decidable for a whole class of senders (addresses, tables). */
  from: 'any' | { text: string };
  /** The destination's port test, if any. */
  port?: PortTest;
  /** What this evaluator cannot decide (os fingerprints, users, tags...). */
  opaque?: string;
}

function portTest(spec: string): PortTest | undefined {
  let m = /^(\d+):(\d+)$/.exec(spec);
  if (m) return (p) => p >= Number(m![1]) && p <= Number(m![2]);
  m = /^(\d+)\s*(><|<>)\s*(\d+)$/.exec(spec);
  if (m) {
    const [lo, hi] = [Number(m[1]), Number(m[3])];
    return m[2] === '><' ? (p) => p > lo && p < hi : (p) => p < lo || p > hi;
  }
  m = /^(=|!=|<=|>=|<|>)?\s*(\d+)$/.exec(spec);
  if (!m) return undefined;
  const n = Number(m[2]);
  return { '=': (p: number) => p === n, '!=': (p: number) => p !== n, '<': (p: number) => p < n, '>': (p: number) => p > n, '<=': (p: number) => p <= n, '>=': (p: number) => p >= n }[m[1] ?? '=']!;
}

/** Parses `pfctl -sr` output (also `pfctl -a <anchor> -sr`). */
export function parsePfRules(text: string): PfRule[] {
  const rules: PfRule[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    const head = /^(pass|block|anchor)\b\s*(.*)$/.exec(line);
    if (!head) return; // scrub, nat, rdr, table and option lines decide nothing here
    let rest = head[2]!;
    const rule: PfRule = { line: i + 1, text: line, action: head[1] as PfRule['action'], quick: false, from: 'any' };
    if (rule.action === 'anchor') {
      const a = /^"([^"]+)"\s*(.*)$/.exec(rest);
      rule.anchor = a ? a[1]! : rest.split(/\s+/)[0]!;
      rest = a ? a[2]! : rest.split(/\s+/).slice(1).join(' ');
    }
    const take = (re: RegExp): RegExpExecArray | null => {
      const m = re.exec(rest);
      if (m) rest = (rest.slice(0, m.index) + ' ' + rest.slice(m.index + m[0].length)).trim();
      return m;
    };
    if (rule.action === 'block') {
      const b = take(/^(drop|return-rst(?:\s*\([^)]*\))?|return-icmp6?(?:\s*\([^)]*\))?|return)\b/);
      rule.block = b && b[1]!.startsWith('return') ? 'return' : 'drop';
    }
    const dir = take(/\b(in|out)\b/);
    if (dir) rule.dir = dir[1] as 'in' | 'out';
    take(/\blog(?:\s*\([^)]*\))?/);
    rule.quick = !!take(/\bquick\b/);
    const on = take(/\bon\s+(!\s*)?(\{[^}]*\}|\S+)/);
    if (on) rule.on = { negate: !!on[1], names: on[2]!.replace(/[{}]/g, ' ').trim().split(/[\s,]+/) };
    const fam = take(/\b(inet6?)\b/);
    if (fam) rule.family = fam[1] === 'inet6' ? 6 : 4;
    const proto = take(/\bproto\s+(\{[^}]*\}|\S+)/);
    if (proto) rule.protos = proto[1]!.replace(/[{}]/g, ' ').trim().split(/[\s,]+/);
    if (!take(/\ball\b/)) {
      const from = take(/\bfrom\s+(.+?)(?=\s+to\b|$)/);
      const to = take(/\bto\s+(.+?)(?=\s+(?:flags|keep|modulate|synproxy|label|tag|tagged|user|group|os|queue|rtable|probability|no|allow-opts|max|min|fragment|scrub|set|divert-to|route-to|reply-to|dup-to)\b|$)/);
      if (from) {
        const src = from[1]!.replace(/\s+port\s+.*$/, '').trim();
        if (src !== 'any') rule.from = { text: `from ${src}` };
        if (/\sport\s/.test(` ${from[1]!}`)) rule.opaque = `a source port (${from[1]})`;
      }
      if (to) {
        const m = /^(.*?)\s*\bport\s+(.+)$/.exec(to[1]!);
        const dst = (m ? m[1]! : to[1]!).trim();
        if (dst && dst !== 'any' && !/^\(self\)$|^self$/.test(dst)) rule.opaque ??= `the destination ${dst}`;
        if (m) {
          const t = portTest(m[2]!.trim());
          if (t) rule.port = t;
          else rule.opaque ??= `the port ${m[2]!.trim()}`;
        }
      }
    }
    for (const word of ['user', 'group', 'os', 'tagged', 'received-on', 'probability']) if (new RegExp(`\\b${word}\\b`).test(rest)) rule.opaque ??= `"${word}"`;
    rules.push(rule);
  });
  return rules;
}

/** The packet pf sees: protocol, port, interface, family, and whether its sender is on this network. */
export interface PfProbe {
  protocol: 'tcp' | 'udp';
  port: number;
  iface: string;
  family: 4 | 6;
  from: 'lan' | 'internet';
}

type Tri = 'yes' | 'no' | 'opaque';

function match(rule: PfRule, p: PfProbe): { tri: Tri; why?: string } {
  if (rule.dir === 'out') return { tri: 'no' };
  if (rule.on) {
    const hit = rule.on.names.includes(p.iface) || (rule.on.names.includes('egress') ? ('opaque' as const) : false);
    if (hit === 'opaque') return { tri: 'opaque', why: 'the interface group "egress"' };
    if (hit === rule.on.negate) return { tri: 'no' };
  }
  if (rule.family && rule.family !== p.family) return { tri: 'no' };
  if (rule.protos && !rule.protos.includes(p.protocol)) return { tri: 'no' };
  if (rule.port && !rule.port(p.port)) return { tri: 'no' };
  if (rule.opaque) return { tri: 'opaque', why: rule.opaque };
  if (rule.from !== 'any') return { tri: 'opaque', why: `${rule.from.text} (some senders only)` };
  return { tri: 'yes' };
}

/**
 * pf's verdict for a first inbound packet. `anchors` holds the rules of each anchor by name (as
 * `pfctl -a <name> -sr` printed them); an anchor that applies but was not read makes it unknown.
 */
export function evaluatePf(rules: PfRule[], anchors: Map<string, PfRule[]>, p: PfProbe, where = 'pf'): FirewallDecision & { quick?: boolean; matched?: boolean } {
  // The decision of the last matching rule so far (pf: the last match wins unless one is quick).
  let last: (FirewallDecision & { quick?: boolean; matched?: boolean }) | undefined;
  for (const rule of rules) {
    const m = match(rule, p);
    if (m.tri === 'no') continue;
    const name = `${where} rule ${rule.line}: ${rule.text}`;
    if (m.tri === 'opaque') return { verdict: 'unknown', reason: `Unknown: ${name} uses ${m.why}` };
    if (rule.action === 'anchor') {
      const anchor = rule.anchor!;
      const names = anchor.endsWith('/*') ? [...anchors.keys()].filter((k) => k.startsWith(anchor.slice(0, -1))).sort() : anchors.has(anchor) ? [anchor] : [];
      if (names.length === 0 && !anchor.endsWith('/*')) return { verdict: 'unknown', reason: `Unknown: ${name}: the rules of anchor "${anchor}" were not read` };
      for (const a of names) {
        const inner = evaluatePf(anchors.get(a)!, anchors, p, `anchor "${a}"`);
        if (inner.verdict === 'unknown') return inner;
        if (!inner.matched) continue;
        if (inner.quick) return inner;
        last = inner;
      }
      continue;
    }
    const verdict = rule.action === 'pass' ? 'allow' : rule.block === 'return' ? 'reject' : 'drop';
    last = { verdict, rule: name, reason: `${verdict === 'allow' ? 'Allowed' : verdict === 'drop' ? 'Dropped' : 'Rejected'} by ${name}.`, quick: rule.quick, matched: true };
    if (rule.quick) return last;
  }
  if (last) return last;
  return { verdict: 'allow', rule: 'pf: no rule matches (pass)', reason: 'Allowed: no pf rule matches, and pf passes what no rule matches.', matched: false };
}
