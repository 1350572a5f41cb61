/**
 * The platform firewall reader: Windows through netsh (recorded output; never run on a real
 * Windows), and the assessment of a socket through a platform firewall.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPlatformFirewall } from '../../../../src-main/app/exposure-service.js';
import type { SocketRow } from '../../../../src-main/contract/index.js';
import { assessExposure } from '../../../../src-main/engine/exposure/assess.js';
import { readWindowsFirewall, type HostFirewall } from '../../../../src-main/engine/exposure/platform-firewall.js';

const fixture = (name: string) => readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');
const netsh = (current = fixture('netsh-currentprofile.txt')) => async (file: string, args: string[]) => {
  expect(file).toBe('netsh');
  const cmd = args.join(' ');
  if (cmd === 'advfirewall firewall show rule name=all dir=in verbose') return fixture('netsh-rules.txt');
  if (cmd === 'advfirewall show allprofiles') return fixture('netsh-profiles.txt');
  if (cmd === 'advfirewall show currentprofile') return current;
  throw new Error(`unexpected netsh ${cmd}`);
};
const platformOf = (fw: HostFirewall) => {
  if (!fw.ok || !('platform' in fw)) throw new Error('expected a platform reading');
  return fw;
};

describe('Windows through netsh', () => {
  it('judges with the current profile: allow rule, block rule, the profile default', async () => {
    const fw = platformOf(await readWindowsFirewall(netsh()));
    expect(fw.sources).toEqual(['netsh advfirewall (Windows Defender Firewall)']);
    const decide = (port: number, from: 'lan' | 'internet', process?: string) => fw.platform.decide({ protocol: 'tcp', port, from, iface: 'Ethernet', family: 4, ...(process ? { process } : {}) });
    expect(decide(3389, 'lan', 'svchost.exe')).toMatchObject({ verdict: 'allow', rule: 'rule "Remote Desktop - User Mode (TCP-In)" (allow)' });
    expect(decide(3389, 'internet', 'svchost.exe').verdict).toBe('drop'); // LocalSubnet only
    expect(decide(445, 'lan', 'System')).toMatchObject({ verdict: 'drop', rule: 'rule "Block SMB" (block)' });
    expect(decide(9999, 'lan', 'python.exe')).toMatchObject({ verdict: 'drop', rule: 'Private profile: BlockInbound' });
  });

  it('when several profiles are active and disagree, says unknown instead of picking one', async () => {
    const fw = platformOf(await readWindowsFirewall(netsh(`${fixture('netsh-currentprofile.txt')}\nPublic Profile Settings:\nState                                 OFF\n`)));
    expect(fw.platform.decide({ protocol: 'tcp', port: 9999, from: 'lan', iface: 'Ethernet', family: 4 })).toMatchObject({ verdict: 'unknown', reason: expect.stringMatching(/^Unknown: the active profiles \(Private, Public\) disagree/) });
  });

  it('a netsh failure is a reason, not a verdict; the platform reader picks netsh on win32 and says which platforms it reads', async () => {
    expect(await readWindowsFirewall(async () => Promise.reject(new Error('The requested operation requires elevation (Run as administrator).')))).toEqual({
      ok: false,
      reason: 'netsh advfirewall could not be read (The requested operation requires elevation (Run as administrator).); an administrator shell may be needed',
    });
    expect(platformOf(await readPlatformFirewall('win32', netsh())).sources[0]).toMatch(/^netsh/);
    expect(await readPlatformFirewall('aix', netsh())).toEqual({ ok: false, reason: 'Portolan reads the host firewall on Linux, macOS and Windows; on aix it cannot yet' });
  });

  it('the assessment follows a platform firewall: this network allowed, the internet dropped', async () => {
    const fw = platformOf(await readWindowsFirewall(netsh()));
    const row: SocketRow = { id: 'rdp', proto: 'tcp', localAddress: '0.0.0.0', localPort: 3389, remoteAddress: '0.0.0.0', remotePort: 0, state: 'LISTEN', rxQueue: 0, txQueue: 0, pid: 1200, process: 'svchost.exe' };
    const [e] = assessExposure({ rows: [row], interfaces: [{ name: 'Ethernet', address: '192.168.1.10', family: 4, prefix: 24, internal: false }], firewall: fw, router: { ok: true, mappings: [], asked: true } });
    expect(e).toMatchObject({ reachableFrom: 'lan', firewall: { lan: 'allow', internet: 'drop', rule: 'rule "Remote Desktop - User Mode (TCP-In)" (allow)' } });
  });
});
