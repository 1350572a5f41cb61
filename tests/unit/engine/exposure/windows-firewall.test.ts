/**
 * Windows Defender Firewall on netsh output written from its documented format (fixtures
 * netsh-rules.txt: `netsh advfirewall firewall show rule name=all dir=in verbose`, and
 * netsh-profiles.txt: `netsh advfirewall show allprofiles`, CRLF line ends as netsh writes them).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateWindows, parseNetshProfiles, parseNetshRules, type WindowsProbe } from '../../../../src-main/engine/exposure/windows-firewall.js';

const fixture = (name: string) => readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');
const rules = parseNetshRules(fixture('netsh-rules.txt'));
const profiles = parseNetshProfiles(fixture('netsh-profiles.txt'));
const probe = (over: Partial<WindowsProbe>): WindowsProbe => ({ protocol: 'tcp', port: 80, profile: 'Private', from: 'lan', ...over });

describe('Windows Defender Firewall (netsh)', () => {
  it('reads every rule block and each profile', () => {
    expect(rules.map((r) => r['Rule Name'])).toEqual(['Remote Desktop - User Mode (TCP-In)', 'node.exe', 'Block SMB', 'Web dev servers', 'Core Networking - Teredo (UDP-In)', 'Disabled FTP']);
    expect(rules[0]).toMatchObject({ RemoteIP: 'LocalSubnet', LocalPort: '3389', Program: '%SystemRoot%\\system32\\svchost.exe', Action: 'Allow' });
    expect(profiles).toEqual([
      { name: 'Domain', on: true, inbound: 'BlockInbound' },
      { name: 'Private', on: true, inbound: 'BlockInbound' },
      { name: 'Public', on: false, inbound: 'BlockInbound' },
    ]);
  });

  it('allows by a matching rule (program, port, LocalSubnet) and drops by the profile default', () => {
    expect(evaluateWindows(rules, profiles, probe({ port: 3389, process: 'svchost.exe' }))).toMatchObject({ verdict: 'allow', rule: 'rule "Remote Desktop - User Mode (TCP-In)" (allow)' });
    expect(evaluateWindows(rules, profiles, probe({ port: 3389, process: 'svchost.exe', from: 'internet' })).verdict).toBe('drop');
    expect(evaluateWindows(rules, profiles, probe({ port: 3000, process: 'node.exe' })).verdict).toBe('allow');
    expect(evaluateWindows(rules, profiles, probe({ port: 3000, process: 'python.exe' }))).toMatchObject({ verdict: 'drop', rule: 'Private profile: BlockInbound' });
    // A disabled rule does not count.
    expect(evaluateWindows(rules, profiles, probe({ port: 21, process: 'ftpd.exe' })).verdict).toBe('drop');
  });

  it('a block rule wins over an allow rule', () => {
    expect(evaluateWindows(rules, profiles, probe({ port: 445, process: 'node.exe' }))).toMatchObject({ verdict: 'drop', rule: 'rule "Block SMB" (block)' });
  });

  it('says unknown, and why, for rules that name some hosts or ports Windows assigns', () => {
    expect(evaluateWindows(rules, profiles, probe({ port: 8080, process: 'python.exe' })).reason).toBe('Unknown: rule "Web dev servers" (allow) matches only some senders or programs by RemoteIP 192.168.1.0/255.255.255.0.');
    expect(evaluateWindows(rules, profiles, probe({ protocol: 'udp', port: 3544, process: 'svchost.exe' })).reason).toMatch(/uses LocalPort Teredo/);
  });

  it('a profile whose firewall is off lets everything in', () => {
    expect(evaluateWindows(rules, profiles, probe({ profile: 'Public', port: 445 }))).toMatchObject({ verdict: 'allow', reason: 'Allowed: the firewall of the Public profile is off.' });
  });
});
