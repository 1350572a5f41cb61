/** The rules Portolan writes: only in its own table, from checked values, with a comment to find them. */
import { describe, expect, it } from 'vitest';
import { elevation, applyAction, undoAll, type RunWithInput } from '../../../../src-main/engine/exposure/firewall-helper.js';
import { actionRules, applyScript, checkAction, UNDO_SCRIPT } from '../../../../src-main/engine/exposure/firewall-rules.js';

describe('firewall rules', () => {
  it('closes a port to every other host, loopback kept open', () => {
    expect(actionRules({ kind: 'close', protocol: 'tcp', port: 6379 })).toEqual(['iifname != "lo" tcp dport 6379 drop comment "portolan:close-tcp-6379"']);
  });

  it('keeps a port to the given networks, per family (a family without networks is closed)', () => {
    expect(actionRules({ kind: 'lan-only', protocol: 'udp', port: 5353, networks: ['192.168.1.0/24', '10.0.0.0/8'] })).toEqual([
      'iifname != "lo" ip saddr != { 192.168.1.0/24, 10.0.0.0/8 } udp dport 5353 drop comment "portolan:lan-only-udp-5353"',
      'iifname != "lo" meta nfproto ipv6 udp dport 5353 drop comment "portolan:lan-only-udp-5353"',
    ]);
  });

  it('writes scripts that touch only the inet portolan table', () => {
    const script = applyScript({ kind: 'close', protocol: 'tcp', port: 22 });
    expect(script.trim().split('\n')).toEqual([
      'add table inet portolan',
      'add chain inet portolan input { type filter hook input priority -10; policy accept; }',
      'add rule inet portolan input iifname != "lo" tcp dport 22 drop comment "portolan:close-tcp-22"',
    ]);
    expect(UNDO_SCRIPT).toBe('delete table inet portolan\n');
  });

  it('refuses what it cannot write safely, with a sentence', () => {
    expect(() => checkAction({ kind: 'close', protocol: 'tcp', port: 0 })).toThrow('Ports go from 1 to 65535.');
    expect(() => checkAction({ kind: 'lan-only', protocol: 'tcp', port: 22 })).toThrow(/Say which networks/);
    expect(() => checkAction({ kind: 'lan-only', protocol: 'tcp', port: 22, networks: ['1.2.3.0/24 } accept; add rule x'] })).toThrow(/not a network in CIDR form/);
    expect(() => checkAction({ kind: 'open' as 'close', protocol: 'tcp', port: 22 })).toThrow(/close/);
  });
});

describe('the helper', () => {
  const recorder = (fail?: RegExp) => {
    const calls: string[][] = [];
    const run: RunWithInput = async (file, args, input) => {
      calls.push([file, ...args, input ?? '']);
      if (fail && fail.test([file, ...args, input].join(' '))) throw new Error('Error: Could not process rule: No such file or directory');
      return '';
    };
    return { calls, run };
  };

  it('runs nft directly as root and through pkexec otherwise, feeding the script on stdin', async () => {
    const r = recorder();
    await applyAction({ kind: 'close', protocol: 'tcp', port: 22 }, { via: 'root' }, r.run);
    await applyAction({ kind: 'close', protocol: 'tcp', port: 22 }, { via: 'pkexec' }, r.run);
    expect(r.calls.map((c) => c.slice(0, -1))).toEqual([
      ['nft', '-f', '-'],
      ['pkexec', 'nft', '-f', '-'],
    ]);
    expect(r.calls[1]!.at(-1)).toBe(applyScript({ kind: 'close', protocol: 'tcp', port: 22 }));
  });

  it('says how it would elevate, and why it cannot', async () => {
    const r = recorder();
    expect(await elevation(r.run, 'linux', 0)).toEqual({ via: 'root' });
    expect(await elevation(r.run, 'linux', 1000)).toEqual({ via: 'pkexec' });
    expect(await elevation(recorder(/pkexec/).run, 'linux', 1000)).toMatchObject({ via: 'none', reason: expect.stringMatching(/pkexec .* not installed/) });
    expect(await elevation(r.run, 'darwin', 501)).toMatchObject({ via: 'none' });
    await expect(applyAction({ kind: 'close', protocol: 'tcp', port: 22 }, { via: 'none', reason: 'no way' }, r.run)).rejects.toThrow('no way');
  });

  it('undo deletes the table, and says when there was nothing to undo', async () => {
    const r = recorder();
    expect(await undoAll({ via: 'root' }, r.run)).toBe(true);
    expect(r.calls[0]).toEqual(['nft', '-f', '-', UNDO_SCRIPT]);
    expect(await undoAll({ via: 'root' }, recorder(/delete table/).run)).toBe(false);
  });
});
