/**
 * Windows Defender Firewall from `netsh advfirewall firewall show rule name=all dir=in verbose`
 * and `netsh advfirewall show allprofiles`: the inbound rules and each profile's state and
 * default inbound action. Windows decides an inbound packet so: an enabled block rule that
 * matches wins, then an enabled allow rule, then the profile's default (BlockInbound or
 * AllowInbound); a profile whose state is OFF lets everything in.
 */
import type { FirewallDecision } from './evaluate.js';

/** One inbound rule, as netsh prints it (keys as written, values trimmed). */
export type NetshRule = Record<string, string>;

/** A profile's state and default inbound action. */
export interface NetshProfile {
  name: 'Domain' | 'Private' | 'Public';
  on: boolean;
  /** BlockInbound (the default), BlockInboundAlways or AllowInbound. */
  inbound: string;
}

/** Parses `show rule ... verbose` output: blocks separated by "Rule Name:" lines. */
export function parseNetshRules(text: string): NetshRule[] {
  const rules: NetshRule[] = [];
  let current: NetshRule | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const m = /^([A-Za-z][A-Za-z ]*?):\s+(.*)$/.exec(raw.trim());
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'Rule Name') {
      current = { 'Rule Name': value.trim() };
      rules.push(current);
    } else if (current) current[key] = value.trim();
  }
  return rules;
}

/** Parses `show allprofiles`: "<Name> Profile Settings:" then "State ON" and "Firewall Policy BlockInbound,AllowOutbound". */
export function parseNetshProfiles(text: string): NetshProfile[] {
  const out: NetshProfile[] = [];
  let current: NetshProfile | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const head = /^(Domain|Private|Public) Profile Settings:/.exec(line);
    if (head) {
      current = { name: head[1] as NetshProfile['name'], on: true, inbound: 'BlockInbound' };
      out.push(current);
    } else if (current && /^State\s+/.test(line)) current.on = /\bON\b/i.test(line);
    else if (current && /^Firewall Policy\s+/.test(line)) current.inbound = line.replace(/^Firewall Policy\s+/, '').split(',')[0]!.trim();
  }
  return out;
}

/** The packet: protocol and port, the active profile, where it comes from, and the listening program. */
export interface WindowsProbe {
  protocol: 'tcp' | 'udp';
  port: number;
  profile: NetshProfile['name'];
  from: 'lan' | 'internet';
  /** The listening process's image name (nginx.exe), when known. */
  process?: string;
}

type Tri = 'yes' | 'no' | 'part' | 'opaque';

function portMatch(spec: string | undefined, port: number): Tri {
  if (!spec || /^any$/i.test(spec)) return 'yes';
  let opaque = false;
  for (const part of spec.split(',').map((s) => s.trim())) {
    const r = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!r) {
      opaque = true; // RPC, RPC-EPMap, Teredo, IPHTTPS...: ports Windows assigns itself
      continue;
    }
    if (port >= Number(r[1]) && port <= Number(r[2] ?? r[1])) return 'yes';
  }
  return opaque ? 'opaque' : 'no';
}

function remoteMatch(spec: string | undefined, from: WindowsProbe['from']): Tri {
  if (!spec || /^any$/i.test(spec)) return 'yes';
  const parts = spec.split(',').map((s) => s.trim().toLowerCase());
  if (parts.includes('localsubnet')) return from === 'lan' ? 'yes' : parts.length > 1 ? 'part' : 'no';
  // Specific addresses or ranges: some hosts of either class.
  return 'part';
}

function programMatch(spec: string | undefined, process: string | undefined): Tri {
  if (!spec || /^any$/i.test(spec)) return 'yes';
  if (!process) return 'part';
  const base = (s: string) => s.split(/[\\/]/).pop()!.toLowerCase().replace(/\.exe$/, '');
  return base(spec) === base(process) ? 'yes' : 'no';
}

function matches(rule: NetshRule, p: WindowsProbe): { tri: Tri; why?: string } {
  if (!/^yes$/i.test(rule.Enabled ?? '') || !/^in$/i.test(rule.Direction ?? 'In')) return { tri: 'no' };
  const profiles = (rule.Profiles ?? 'Any').split(',').map((s) => s.trim().toLowerCase());
  if (!profiles.includes('any') && !profiles.includes(p.profile.toLowerCase())) return { tri: 'no' };
  const proto = (rule.Protocol ?? 'Any').toLowerCase();
  if (proto !== 'any' && proto !== p.protocol && proto !== (p.protocol === 'tcp' ? '6' : '17')) return { tri: 'no' };
  const checks: Array<[Tri, string]> = [
    [portMatch(rule.LocalPort, p.port), `LocalPort ${rule.LocalPort}`],
    [remoteMatch(rule.RemoteIP, p.from), `RemoteIP ${rule.RemoteIP}`],
    [programMatch(rule.Program, p.process), `Program ${rule.Program}`],
  ];
  if (checks.some(([t]) => t === 'no')) return { tri: 'no' };
  const undecided = checks.find(([t]) => t === 'opaque') ?? checks.find(([t]) => t === 'part');
  return undecided ? { tri: undecided[0], why: undecided[1] } : { tri: 'yes' };
}

/** The verdict for one inbound connection. */
export function evaluateWindows(rules: NetshRule[], profiles: NetshProfile[], p: WindowsProbe): FirewallDecision {
  const profile = profiles.find((x) => x.name === p.profile);
  if (profile && !profile.on) return { verdict: 'allow', rule: `${p.profile} profile: firewall off`, reason: `Allowed: the firewall of the ${p.profile} profile is off.` };
  const blockAlways = profile?.inbound === 'BlockInboundAlways';
  const undecided: string[] = [];
  for (const action of ['Block', 'Allow'] as const) {
    if (action === 'Allow' && blockAlways) break;
    for (const rule of rules.filter((r) => (r.Action ?? '').toLowerCase() === action.toLowerCase())) {
      const m = matches(rule, p);
      if (m.tri === 'no') continue;
      const name = `rule "${rule['Rule Name']}" (${action.toLowerCase()})`;
      if (m.tri === 'yes' && undecided.length === 0) {
        return { verdict: action === 'Block' ? 'drop' : 'allow', rule: name, reason: `${action === 'Block' ? 'Dropped' : 'Allowed'} by ${name}.` };
      }
      undecided.push(`${name} ${m.tri === 'opaque' ? 'uses' : 'matches only some senders or programs by'} ${m.why ?? 'its conditions'}`);
      if (m.tri === 'yes') break;
    }
  }
  if (undecided.length) return { verdict: 'unknown', reason: `Unknown: ${undecided[0]}.` };
  const allow = profile?.inbound === 'AllowInbound';
  return { verdict: allow ? 'allow' : 'drop', rule: `${p.profile} profile: ${profile?.inbound ?? 'BlockInbound'}`, reason: `${allow ? 'Allowed' : 'Dropped'} by the ${p.profile} profile's default (${profile?.inbound ?? 'BlockInbound'}): no rule matches.` };
}
