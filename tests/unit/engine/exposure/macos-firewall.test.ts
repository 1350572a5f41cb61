/**
 * macOS firewalls on recorded output written from the tools' documented formats: socketfilterfw
 * (application firewall) and pfctl -sr (pf, last match wins unless quick, anchors read by name).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateAppFirewall, evaluatePf, parsePfRules, parseSocketFilterFw, type PfProbe } from '../../../../src-main/engine/exposure/macos-firewall.js';
import { readMacFirewall } from '../../../../src-main/engine/exposure/platform-firewall.js';

const fixture = (name: string) => readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');

describe('socketfilterfw', () => {
  it('reads state, block all, stealth and the apps, in the newer and the older wording', () => {
    const alf = parseSocketFilterFw(fixture('socketfilterfw.txt'));
    expect(alf).toMatchObject({ enabled: true, blockAll: false, stealth: true });
    expect(alf.apps).toEqual([
      { path: '/Applications/Dropbox.app', allow: true },
      { path: '/usr/sbin/sshd', allow: false },
      { path: '/usr/local/bin/node', allow: true },
    ]);
    expect(parseSocketFilterFw(fixture('socketfilterfw-old.txt'))).toEqual({ enabled: true, blockAll: true, stealth: false, apps: [] });
    expect(() => parseSocketFilterFw('socketfilterfw: permission denied')).toThrow(/Firewall is enabled\/disabled/);
  });

  it('judges an app: allowed, blocked, not listed (unknown, with why), everything blocked, or off', () => {
    const alf = parseSocketFilterFw(fixture('socketfilterfw.txt'));
    expect(evaluateAppFirewall(alf, 'Dropbox')).toMatchObject({ verdict: 'allow', rule: 'application firewall: /Applications/Dropbox.app (allow incoming connections)' });
    expect(evaluateAppFirewall(alf, 'sshd').verdict).toBe('drop');
    expect(evaluateAppFirewall(alf, 'redis-server')).toMatchObject({ verdict: 'unknown', reason: expect.stringMatching(/redis-server is not in the application firewall's list/) });
    expect(evaluateAppFirewall(parseSocketFilterFw(fixture('socketfilterfw-old.txt')), 'Dropbox').verdict).toBe('drop');
    expect(evaluateAppFirewall(parseSocketFilterFw(fixture('socketfilterfw-off.txt')), 'anything').verdict).toBe('allow');
  });
});

describe('pf', () => {
  const rules = parsePfRules(fixture('pfctl-sr.txt'));
  const anchors = new Map([
    ['com.apple/250.ApplicationFirewall', parsePfRules(fixture('pfctl-anchor-250.txt'))],
    ['com.apple/300.portolan-test', parsePfRules(fixture('pfctl-anchor-300.txt'))],
  ]);
  const probe = (port: number, over: Partial<PfProbe> = {}): PfProbe => ({ protocol: 'tcp', port, iface: 'en0', family: 4, from: 'internet', ...over });
  const pf = (port: number, over: Partial<PfProbe> = {}) => evaluatePf(rules, anchors, probe(port, over));

  it('reads the rules that decide inbound packets (not scrub lines)', () => {
    expect(rules.map((r) => r.action)).toEqual(['anchor', 'block', 'pass', 'block', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass']);
    expect(rules[1]).toMatchObject({ block: 'drop', dir: 'in', quick: true, on: { names: ['en0'], negate: false }, protos: ['tcp'] });
    expect(rules[3]).toMatchObject({ block: 'return', quick: false });
  });

  it('a quick rule wins at once; otherwise the last match; the catch-all block rejects the rest', () => {
    expect(pf(23)).toMatchObject({ verdict: 'drop', rule: 'pf rule 3: block drop in quick on en0 proto tcp from any to any port = 23' });
    expect(pf(23, { iface: 'en1' })).toMatchObject({ verdict: 'reject', rule: 'pf rule 5: block return in log all' });
    expect(pf(22)).toMatchObject({ verdict: 'allow', rule: expect.stringMatching(/^pf rule 6: pass in quick inet proto tcp/) });
    expect(pf(22, { family: 6 }).verdict).toBe('reject'); // inet only
    expect(pf(3306).verdict).toBe('reject');
  });

  it('ranges (a:b inclusive, a >< b exclusive), protocols, and an anchor rule read by name', () => {
    expect(pf(5010, { protocol: 'udp' }).verdict).toBe('allow');
    expect(pf(5011, { protocol: 'udp' }).verdict).toBe('reject');
    expect(pf(5005).verdict).toBe('reject'); // tcp: the udp rule does not match
    expect(pf(8050).verdict).toBe('allow');
    expect(pf(8000).verdict).toBe('reject');
    expect(pf(631)).toMatchObject({ verdict: 'allow', rule: expect.stringMatching(/^anchor "com.apple\/300.portolan-test" rule 1: pass in quick/) });
  });

  it('says unknown honestly: a source network, a user match, an anchor not read', () => {
    expect(pf(5432)).toMatchObject({ verdict: 'unknown', reason: expect.stringMatching(/pf rule 7: .* uses from 192\.168\.1\.0\/24 \(some senders only\)/) });
    expect(pf(50000)).toMatchObject({ verdict: 'unknown', reason: expect.stringMatching(/pf rule 10: .* uses "user"/) });
    expect(evaluatePf(parsePfRules('anchor "custom" in all\n'), new Map(), probe(80))).toMatchObject({ verdict: 'unknown', reason: expect.stringMatching(/the rules of anchor "custom" were not read/) });
    expect(evaluatePf(parsePfRules(''), new Map(), probe(80))).toMatchObject({ verdict: 'allow', rule: 'pf: no rule matches (pass)' });
  });
});

describe('readMacFirewall', () => {
  const outputs: Record<string, string> = {
    '/usr/libexec/ApplicationFirewall/socketfilterfw --getglobalstate --getblockall --getstealthmode --listapps': fixture('socketfilterfw.txt'),
    'pfctl -s info': fixture('pfctl-info.txt'),
    'pfctl -sr': fixture('pfctl-sr.txt'),
    'pfctl -a com.apple -sA': fixture('pfctl-sA-com.apple.txt'),
    'pfctl -a com.apple/250.ApplicationFirewall -sr': fixture('pfctl-anchor-250.txt'),
    'pfctl -a com.apple/300.portolan-test -sr': fixture('pfctl-anchor-300.txt'),
  };
  const run = async (file: string, args: string[]) => {
    const out = outputs[[file, ...args].join(' ')];
    if (out === undefined) throw new Error(`pfctl: /dev/pf: Permission denied`);
    return out;
  };

  it('pf first, then the application firewall; anchors listed and read', async () => {
    const fw = await readMacFirewall(run);
    if (!fw.ok || !('platform' in fw)) throw new Error('expected a platform reading');
    expect(fw.sources).toEqual(['pfctl', 'socketfilterfw (application firewall)']);
    expect(fw.notes[0]).toMatch(/Stealth mode is on/);
    const decide = (port: number, process: string) => fw.platform.decide({ protocol: 'tcp', port, from: 'lan', iface: 'en0', family: 4, process });
    expect(decide(22, 'sshd')).toMatchObject({ verdict: 'drop', rule: 'application firewall: /usr/sbin/sshd (block incoming connections)' });
    expect(decide(22, 'node')).toMatchObject({ verdict: 'allow', rule: 'application firewall: /usr/local/bin/node (allow incoming connections)' });
    expect(decide(3306, 'node').verdict).toBe('reject'); // pf stops it before the app firewall
    expect(decide(631, 'cupsd').verdict).toBe('unknown'); // pf passes, the app is not listed
  });

  it('without root pf is left out with what to do; pf disabled passes everything', async () => {
    const noRoot = await readMacFirewall(async (file, args) => {
      if (file === 'pfctl') throw new Error('pfctl: /dev/pf: Permission denied');
      return run(file, args);
    });
    if (!noRoot.ok || !('platform' in noRoot)) throw new Error('expected a platform reading');
    expect(noRoot.notes).toContain('pf could not be read (pfctl: /dev/pf: Permission denied): run "sudo portolan exposure" to include it.');
    expect(noRoot.platform.decide({ protocol: 'tcp', port: 22, from: 'lan', iface: 'en0', family: 4, process: 'sshd' }).verdict).toBe('drop');
    expect(noRoot.platform.decide({ protocol: 'tcp', port: 22, from: 'lan', iface: 'en0', family: 4, process: 'node' })).toMatchObject({ verdict: 'unknown', reason: 'Unknown: pf could not be read' });
    const off = await readMacFirewall(async (file, args) => (file === 'pfctl' ? 'Status: Disabled for 0 days 00:00:00\n' : run(file, args)));
    if (!off.ok || !('platform' in off)) throw new Error('expected a platform reading');
    expect(off.platform.decide({ protocol: 'tcp', port: 3306, from: 'internet', iface: 'en0', family: 4, process: 'node' }).verdict).toBe('allow');
  });
});
