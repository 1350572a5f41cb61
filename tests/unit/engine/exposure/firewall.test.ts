/**
 * The firewall evaluator on rulesets recorded with nft 1.0.6 in a network namespace:
 * - nft-native.json: a hand-written inet/ip ruleset (policy drop, ct state, iif, named and
 *   anonymous sets, ranges, saddr, reject, jump/goto/return, a raw prerouting chain);
 * - nft-ufw.json + iptables-save-ufw.txt + ip6tables-save-ufw.txt: ufw 0.36 started by its own
 *   ufw-init (iptables-nft) with user rules for 22, 8080 from 192.168.1.0/24, 3306 deny,
 *   9999/udp reject, 6000:6010 multiport and 5000 on eth1.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { internetSources, parseAddressSpec, single } from '../../../../src-main/engine/exposure/address-set.js';
import { evaluate, evaluateConnection, type ProbePacket } from '../../../../src-main/engine/exposure/evaluate.js';
import { parseIptablesSave } from '../../../../src-main/engine/exposure/iptables-save.js';
import { readLinuxFirewall } from '../../../../src-main/engine/exposure/linux-firewall.js';
import { parseNftJson, RulesetParseError } from '../../../../src-main/engine/exposure/nft-json.js';
import type { Ruleset } from '../../../../src-main/engine/exposure/ruleset.js';

const fixture = (name: string) => readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');
const LAN = parseAddressSpec('192.168.1.0/24')!;
const NET = internetSources(4);
const packet = (protocol: 'tcp' | 'udp', port: number, sources = LAN, iif = 'eth0'): ProbePacket => ({ family: 4, iif, sources, daddr: '192.168.1.10', protocol, port });
const verdict = (rs: Ruleset, p: ProbePacket) => evaluate(rs, p).verdict;

describe('nftables JSON (native ruleset)', () => {
  const rs = parseNftJson(fixture('nft-native.json'));

  it('reads tables, base chains with hook, priority and policy, and rules in order', () => {
    const input = rs.chains.get('inet filter input')!;
    expect(input.base).toEqual({ hook: 'input', type: 'filter', priority: 0, policy: 'drop' });
    expect(rs.chains.get('ip raw pre')!.base).toMatchObject({ hook: 'prerouting', priority: -300 });
    expect(input.rules.map((r) => r.position)).toEqual(input.rules.map((_, i) => i + 1));
    expect(rs.sources).toEqual(['nftables 1.0.6']);
  });

  it('accepts by named set, anonymous set, range and saddr prefix', () => {
    expect(evaluate(rs, packet('tcp', 443))).toMatchObject({ verdict: 'allow', rule: expect.stringContaining('tcp dport @web_ports accept') });
    expect(verdict(rs, packet('udp', 5353))).toBe('allow');
    expect(verdict(rs, packet('tcp', 8099))).toBe('allow');
    expect(verdict(rs, packet('tcp', 8099, NET))).toBe('drop');
    expect(verdict(rs, packet('tcp', 8100))).toBe('drop');
  });

  it('names the policy when nothing matches, and reject rules as reject', () => {
    expect(evaluate(rs, packet('tcp', 12345))).toMatchObject({ verdict: 'drop', rule: 'policy drop of inet filter input' });
    expect(evaluate(rs, packet('tcp', 3306))).toMatchObject({ verdict: 'reject', rule: expect.stringMatching(/^rule 10 \(handle 17\) of inet filter input/) });
    expect(verdict(rs, packet('udp', 9999))).toBe('reject');
  });

  it('follows jump, return and goto; a drop in an earlier base chain is final', () => {
    expect(verdict(rs, packet('tcp', 7000))).toBe('allow'); // input -> jump tail -> goto last -> accept
    expect(verdict(rs, packet('tcp', 6000))).toBe('drop'); // tail: saddr != 10/8 drop
    expect(verdict(rs, packet('tcp', 6000, parseAddressSpec('10.0.0.0/16')!))).toBe('allow');
    expect(verdict(rs, packet('tcp', 5432, LAN, 'docker0'))).toBe('allow'); // iifname docker0 jump from_docker
    expect(verdict(rs, packet('tcp', 5432))).toBe('drop');
    expect(evaluate(rs, packet('tcp', 2375, LAN, 'docker0'))).toMatchObject({ verdict: 'drop', rule: expect.stringContaining('ip raw pre') });
  });

  it('treats ct state: a first packet is new, so established/related accepts do not apply', () => {
    // Nothing but ct state established,related would accept 12345: it stays dropped.
    expect(verdict(rs, packet('tcp', 12345, single('192.168.1.7')!))).toBe('drop');
  });

  it('says "depends on the sender" when a set covers only part of the LAN, and decides one host exactly', () => {
    const d = evaluate(rs, packet('tcp', 22));
    expect(d.verdict).toBe('unknown');
    expect(d.reason).toMatch(/Depends on the sender \(allow or drop\): rule 6 \(handle 12\) of inet filter input matches only some/);
    expect(verdict(rs, packet('tcp', 22, single('192.168.1.5')!))).toBe('allow');
    expect(verdict(rs, packet('tcp', 22, single('192.168.1.50')!))).toBe('drop');
    expect(verdict(rs, packet('tcp', 22, NET))).toBe('drop');
  });

  it('applies ip-family tables to IPv4 only and ip6 matches to IPv6 only', () => {
    const v6 = (port: number, src: string) => evaluate(rs, { family: 6, iif: 'eth0', sources: parseAddressSpec(src)!, daddr: 'fe80::1', protocol: 'udp', port });
    expect(v6(546, 'fe80::/64').verdict).toBe('allow');
    expect(v6(546, '2001:4860::/32').verdict).toBe('drop');
    expect(evaluate(rs, { family: 6, iif: 'eth0', sources: internetSources(6), daddr: '2a00::1', protocol: 'tcp', port: 2375 }).rule).toBe('policy drop of inet filter input');
  });

  it('refuses text that is not nft JSON with a sentence that says what to do', () => {
    expect(() => parseNftJson('table inet filter {')).toThrow(RulesetParseError);
    expect(() => parseNftJson('{"foo":1}')).toThrow(/nft -j list ruleset/);
  });
});

describe('opaque matches and verdict maps', () => {
  const doc = (rules: unknown[][], policy = 'accept') =>
    JSON.stringify({
      nftables: [
        { chain: { family: 'inet', table: 't', name: 'in', type: 'filter', hook: 'input', prio: 0, policy } },
        ...rules.map((expr) => ({ rule: { family: 'inet', table: 't', chain: 'in', expr } })),
      ],
    });
  const tcpDport = (port: number) => ({ match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: port } });

  it('says "unknown: rule N uses X" when an undecidable match changes the verdict', () => {
    const rs = parseNftJson(doc([[{ match: { op: '==', left: { meta: { key: 'mark' } }, right: 1 } }, tcpDport(80), { drop: null }]]));
    const d = evaluate(rs, packet('tcp', 80));
    expect(d.verdict).toBe('unknown');
    expect(d.reason).toBe('Unknown: rule 1 of inet t in uses meta mark, which Portolan cannot evaluate.');
    // Another port: the rule cannot match whatever the mark, so the verdict is known.
    expect(verdict(rs, packet('tcp', 81))).toBe('allow');
  });

  it('gives the verdict when every way through an undecidable match ends the same', () => {
    const rs = parseNftJson(doc([[{ match: { op: '==', left: { meta: { key: 'mark' } }, right: 1 } }, { accept: null }], [{ accept: null }]]));
    expect(verdict(rs, packet('tcp', 80))).toBe('allow');
  });

  it('evaluates ct state verdict maps (firewalld) and tcp flags only for tcp', () => {
    const vmap = { vmap: { key: { ct: { key: 'state' } }, data: { set: [['established', { accept: null }], ['related', { accept: null }], ['invalid', { drop: null }]] } } };
    const flags = { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'flags' } }, right: 2 } };
    const rs = parseNftJson(doc([[vmap], [flags, { drop: null }], [{ match: { op: '==', left: { payload: { protocol: 'udp', field: 'dport' } }, right: 53 } }, { accept: null }]], 'accept'));
    expect(evaluate(rs, packet('udp', 53))).toMatchObject({ verdict: 'allow', rule: expect.stringContaining('udp dport 53 accept') });
    expect(evaluate(rs, packet('tcp', 53)).reason).toMatch(/uses tcp flags/);
    const invalidOnly = parseNftJson(doc([[vmap]], 'drop'));
    expect(evaluate(invalidOnly, packet('tcp', 53)).rule).toBe('policy drop of inet t in');
  });

  it('judges a TCP connection whole: a SYN let in whose next packets are rejected is rejected', () => {
    const est = { match: { op: 'in', left: { ct: { key: 'state' } }, right: 'established' } };
    const rs = parseNftJson(doc([[est, tcpDport(80), { reject: null }], [tcpDport(80), { accept: null }]], 'drop'));
    expect(evaluate(rs, packet('tcp', 80)).verdict).toBe('allow');
    const whole = evaluateConnection(rs, packet('tcp', 80));
    expect(whole.verdict).toBe('reject');
    expect(whole.reason).toBe('The first packet is allowed by rule 2 of inet t in: tcp dport 80 accept, but the rest of the connection is rejected by rule 1 of inet t in: ct state established tcp dport 80 reject.');
    // UDP has no handshake: the first datagram decides.
    expect(evaluateConnection(rs, packet('udp', 80)).verdict).toBe('drop');
  });

  it('decides rate limits for a first packet and source ports as part of the senders', () => {
    const rs = parseNftJson(
      doc([
        [{ limit: { rate: 3, per: 'minute', inv: true } }, { drop: null }],
        [{ match: { op: '==', left: { payload: { protocol: 'udp', field: 'sport' } }, right: 67 } }, { accept: null }],
      ], 'drop'),
    );
    expect(verdict(rs, packet('tcp', 80))).toBe('drop');
    expect(evaluate(rs, packet('udp', 68)).reason).toMatch(/Depends on the sender/);
  });
});

describe('ufw through iptables-nft', () => {
  const files: Record<string, string> = { nft: 'nft-ufw.json', 'iptables-nft-save': 'iptables-save-ufw.txt', 'ip6tables-nft-save': 'ip6tables-save-ufw.txt' };
  const recorded = async (file: string) => {
    if (files[file]) return fixture(files[file]);
    throw Object.assign(new Error(`${file}: not found`), { code: 'ENOENT' });
  };

  it("nft's JSON alone leaves ufw's addrtype matches undecided: the verdict says unknown and why", () => {
    const d = evaluate(parseNftJson(fixture('nft-ufw.json')), packet('tcp', 22));
    expect(d.verdict).toBe('unknown');
    expect(d.reason).toMatch(/^Unknown: rule 2 \(handle 53\) of ip filter ufw-before-input uses the iptables match "conntrack"/);
  });

  it('with iptables-nft-save merged in, gives ufw verdicts with the user rule that decides', async () => {
    const r = await readLinuxFirewall(recorded);
    if (!r.ok) throw new Error(r.reason);
    expect(r.ruleset.sources).toEqual(['nftables 1.0.6', 'iptables-nft-save', 'ip6tables-nft-save']);
    const rs = r.ruleset;
    expect(evaluate(rs, packet('tcp', 22, NET))).toMatchObject({ verdict: 'allow', rule: 'rule 1 of ip filter ufw-user-input: -p tcp -m tcp --dport 22 -j ACCEPT' });
    expect(verdict(rs, packet('tcp', 8080))).toBe('allow');
    expect(verdict(rs, packet('tcp', 8080, NET))).toBe('drop');
    expect(verdict(rs, packet('tcp', 3306))).toBe('drop');
    expect(verdict(rs, packet('udp', 9999))).toBe('reject');
    expect(verdict(rs, packet('tcp', 6010))).toBe('allow');
    expect(verdict(rs, packet('tcp', 6011))).toBe('drop');
    expect(verdict(rs, packet('tcp', 5000, LAN, 'eth1'))).toBe('allow');
    expect(verdict(rs, packet('tcp', 5000))).toBe('drop');
    expect(evaluate(rs, packet('tcp', 445))).toMatchObject({ verdict: 'drop', rule: expect.stringContaining('ufw-skip-to-policy-input') });
    expect(evaluate(rs, { family: 6, iif: 'eth0', sources: internetSources(6), daddr: '2a00::1', protocol: 'tcp', port: 22 })).toMatchObject({ verdict: 'drop', rule: 'policy drop of ip6 filter INPUT' });
  });

  it('legacy iptables-save alone gives the same verdicts', () => {
    const rs = parseIptablesSave(fixture('iptables-save-ufw.txt'), 4);
    expect(verdict(rs, packet('tcp', 22, NET))).toBe('allow');
    expect(verdict(rs, packet('tcp', 8080, NET))).toBe('drop');
    expect(verdict(rs, packet('udp', 9999))).toBe('reject');
  });

  it('without privileges, says to run as root', async () => {
    const r = await readLinuxFirewall(async () => {
      throw Object.assign(new Error('Error: Could not process rule: Operation not permitted'), { code: 1 });
    });
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/needs root/) });
  });
});
