/**
 * The host firewall of macOS and Windows, read through their own tools and judged by their own
 * rules (Linux's nftables and iptables go through the chain model of ruleset.ts instead).
 * Windows is read with `netsh advfirewall`; this path is tested on recorded output only, never
 * on a real Windows. macOS is read with socketfilterfw and pfctl, also on recorded output.
 */
import type { FirewallDecision } from './evaluate.js';
import type { FirewallReading, RunCommand } from './linux-firewall.js';
import { evaluateAppFirewall, evaluatePf, parsePfRules, parseSocketFilterFw, type PfRule } from './macos-firewall.js';
import { evaluateWindows, parseNetshProfiles, parseNetshRules, type NetshProfile } from './windows-firewall.js';

/** A first packet to a listening socket, as a platform firewall needs it. */
export interface PlatformProbe {
  protocol: 'tcp' | 'udp';
  port: number;
  from: 'lan' | 'internet';
  /** The interface it arrives on, and the address family. */
  iface: string;
  family: 4 | 6;
  /** The listening program's name, when the socket table shows it. */
  process?: string;
}

/** A firewall judged by its platform's own rules. */
export interface PlatformFirewall {
  decide(p: PlatformProbe): FirewallDecision;
}

/** What the exposure assessment takes: Linux's ruleset, a platform's firewall, or why none was read. */
export type HostFirewall = FirewallReading | { ok: true; platform: PlatformFirewall; sources: string[]; notes: string[] };

/** The sources a reading names ("nftables 1.0.6", "netsh advfirewall"...). */
export const firewallSources = (fw: HostFirewall & { ok: true }): string[] => ('platform' in fw ? fw.sources : fw.ruleset.sources);

const RANK = { allow: 3, unknown: 2, reject: 1, drop: 0 } as const;

/**
 * Windows: inbound rules and profiles from netsh. Which profile an interface is in needs
 * Get-NetConnectionProfile; netsh names the active profiles (`show currentprofile`), and when
 * they disagree on a packet the verdict says so instead of picking one.
 */
export async function readWindowsFirewall(run: RunCommand): Promise<HostFirewall> {
  let rulesText: string;
  let profilesText: string;
  let currentText: string;
  try {
    [rulesText, profilesText, currentText] = await Promise.all([
      run('netsh', ['advfirewall', 'firewall', 'show', 'rule', 'name=all', 'dir=in', 'verbose']),
      run('netsh', ['advfirewall', 'show', 'allprofiles']),
      run('netsh', ['advfirewall', 'show', 'currentprofile']),
    ]);
  } catch (err) {
    return { ok: false, reason: `netsh advfirewall could not be read (${(err as Error).message.split('\n')[0]}); an administrator shell may be needed` };
  }
  const rules = parseNetshRules(rulesText);
  const profiles = parseNetshProfiles(profilesText);
  const active = parseNetshProfiles(currentText).map((p) => p.name);
  if (profiles.length === 0) return { ok: false, reason: 'netsh advfirewall show allprofiles printed no profile Portolan could read' };
  const current: NetshProfile['name'][] = active.length ? active : profiles.map((p) => p.name);
  return {
    ok: true,
    sources: ['netsh advfirewall (Windows Defender Firewall)'],
    notes: active.length ? [] : ['netsh named no current profile: every profile is judged.'],
    platform: {
      decide(p) {
        const decisions = current.map((profile) => evaluateWindows(rules, profiles, { protocol: p.protocol, port: p.port, profile, from: p.from, ...(p.process ? { process: p.process } : {}) }));
        const verdicts = new Set(decisions.map((d) => d.verdict));
        if (verdicts.size === 1) return decisions[0]!;
        const most = decisions.reduce((a, b) => (RANK[b.verdict] > RANK[a.verdict] ? b : a));
        return { verdict: 'unknown', reason: `Unknown: the active profiles (${current.join(', ')}) disagree, and which one this interface is in is not known; the most open: ${most.reason}` };
      },
    },
  };
}

/** The anchors a pf ruleset names, with their children for `name/*` (listed by `pfctl -a name -sA`). */
async function readAnchors(run: RunCommand, rules: PfRule[], anchors: Map<string, PfRule[]>, depth = 0): Promise<void> {
  if (depth > 4) return;
  for (const rule of rules.filter((r) => r.action === 'anchor')) {
    const anchor = rule.anchor!;
    let names = [anchor];
    if (anchor.endsWith('/*')) {
      const list = await run('pfctl', ['-a', anchor.slice(0, -2), '-sA']).catch(() => '');
      names = list.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    }
    for (const name of names) {
      if (anchors.has(name)) continue;
      const text = await run('pfctl', ['-a', name, '-sr']).catch(() => undefined);
      if (text === undefined) continue;
      const inner = parsePfRules(text);
      anchors.set(name, inner);
      await readAnchors(run, inner, anchors, depth + 1);
    }
  }
}

/** macOS: pf (when enabled) and then the application firewall. */
export async function readMacFirewall(run: RunCommand): Promise<HostFirewall> {
  const notes: string[] = [];
  let alf: ReturnType<typeof parseSocketFilterFw> | undefined;
  try {
    alf = parseSocketFilterFw(await run('/usr/libexec/ApplicationFirewall/socketfilterfw', ['--getglobalstate', '--getblockall', '--getstealthmode', '--listapps']));
    if (alf.stealth) notes.push('Stealth mode is on: closed ports and pings get no answer (open ports are judged as shown).');
  } catch (err) {
    notes.push(`The application firewall could not be read (${(err as Error).message.split('\n')[0]}).`);
  }
  let pf: { rules: PfRule[]; anchors: Map<string, PfRule[]> } | 'off' | undefined;
  const info = await run('pfctl', ['-s', 'info']).catch((err: Error) => err);
  if (info instanceof Error) notes.push(`pf could not be read (${info.message.split('\n')[0]}): run "sudo portolan exposure" to include it.`);
  else if (/^Status:\s*Disabled/m.test(info)) pf = 'off';
  else {
    const rules = parsePfRules(await run('pfctl', ['-sr']).catch(() => ''));
    const anchors = new Map<string, PfRule[]>();
    await readAnchors(run, rules, anchors);
    pf = { rules, anchors };
  }
  if (!alf && pf === undefined) return { ok: false, reason: notes.join(' ') };
  const sources = [...(pf ? ['pfctl'] : []), ...(alf ? ['socketfilterfw (application firewall)'] : [])];
  return {
    ok: true,
    sources,
    notes,
    platform: {
      decide(p) {
        const inPf: FirewallDecision =
          pf === undefined ? { verdict: 'unknown', reason: 'Unknown: pf could not be read' } : pf === 'off' ? { verdict: 'allow', reason: 'pf is disabled.' } : evaluatePf(pf.rules, pf.anchors, p);
        const inApp: FirewallDecision = alf ? evaluateAppFirewall(alf, p.process) : { verdict: 'unknown', reason: 'Unknown: the application firewall could not be read' };
        // pf acts first, in the kernel; what it stops never reaches the application firewall.
        if (inPf.verdict === 'drop' || inPf.verdict === 'reject') return inPf;
        if (inApp.verdict === 'drop' || inApp.verdict === 'reject') return inApp;
        if (inPf.verdict === 'unknown') return inPf;
        if (inApp.verdict === 'unknown') return { ...inApp, reason: `${inApp.reason} (${inPf.reason.replace(/\.$/, '')})` };
        return { verdict: 'allow', rule: inApp.rule ?? inPf.rule ?? 'pf and application firewall', reason: `${inPf.reason} ${inApp.reason}` };
      },
    },
  };
}
