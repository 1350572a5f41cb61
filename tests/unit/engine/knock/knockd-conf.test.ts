/** knockd.conf import and export, on sample files (Debian's default and a mixed one). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KnockdImport } from '../../../../src-main/contract/index.js';
import {
  exportKnockd,
  formatKnockdSequence,
  importKnockd,
  parseKnockdSequence,
  parseKnockdSections,
} from '../../../../src-main/engine/knock/knockd-conf.js';
import { commandArgs } from '../../../../src-main/engine/knock/knock-guard.js';

const FIXTURES = path.resolve(import.meta.dirname, '..', '..', '..', 'fixtures', 'knock');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');

describe('knockd sequences', () => {
  it('reads port[:proto] steps (tcp by default, any case, spaces)', () => {
    expect(parseKnockdSequence('7000,8000:udp, 9000:TCP')).toEqual([
      { port: 7000, protocol: 'tcp' },
      { port: 8000, protocol: 'udp' },
      { port: 9000, protocol: 'tcp' },
    ]);
  });

  it('refuses bad steps with a sentence', () => {
    expect(() => parseKnockdSequence('7000,99999')).toThrow(/"99999" is not a knock step/);
    expect(() => parseKnockdSequence('7000:icmp')).toThrow(/not a knock step/);
    expect(() => parseKnockdSequence(' , ')).toThrow(/empty/);
  });

  it('writes them back with the protocol', () => {
    expect(formatKnockdSequence(parseKnockdSequence('7000,8000:udp'))).toBe('7000:tcp,8000:udp');
  });
});

describe('knockd.conf import', () => {
  it("imports Debian's default file: two sections, commands shown in notes, not imported", () => {
    const r = importKnockd(fixture('knockd-debian.conf'));
    expect(() => KnockdImport.parse(r)).not.toThrow();
    expect(r.profiles).toEqual([
      { name: 'openSSH', host: '', steps: parseKnockdSequence('7000,8000,9000'), delayMs: 100, seqTimeoutMs: 5000 },
      { name: 'closeSSH', host: '', steps: parseKnockdSequence('9000,8000,7000'), delayMs: 100, seqTimeoutMs: 5000 },
    ]);
    expect(r.guards[0]).toEqual({ name: 'openSSH', sequence: parseKnockdSequence('7000,8000,9000'), windowMs: 5000, openForMs: 30000 });
    expect(r.notes).toEqual([
      { section: 'openSSH', note: expect.stringMatching(/^command = \/sbin\/iptables -A INPUT -s %IP% .*shown here, not imported/) },
      { section: 'closeSSH', note: expect.stringMatching(/^command = \/sbin\/iptables -D INPUT/) },
    ]);
    // tcpflags = syn is what Portolan sends: no note about it.
    expect(r.notes.some((n) => n.note.includes('tcpflags'))).toBe(false);
  });

  it('imports mixed protocols, notes flags, cmd_timeout, options, one-time sequence files and broken sequences', () => {
    const r = importKnockd(fixture('knockd-mixed.conf'));
    expect(r.profiles.map((p) => p.name)).toEqual(['openClose SMTP']);
    expect(r.profiles[0]!.steps).toEqual([
      { port: 2222, protocol: 'udp' },
      { port: 3333, protocol: 'tcp' },
      { port: 4444, protocol: 'udp' },
    ]);
    expect(r.guards[0]).toMatchObject({ windowMs: 15000, openForMs: 10000 });
    const notes = (section: string) => r.notes.filter((n) => n.section === section).map((n) => n.note);
    expect(notes('openClose SMTP')).toEqual([
      expect.stringMatching(/^tcpflags = syn,ack: Portolan's client sends a plain SYN/),
      expect.stringMatching(/^start_command = .*not imported/),
      expect.stringMatching(/^stop_command = .*not imported/),
    ]);
    expect(notes('oneTime')).toEqual([expect.stringMatching(/one_time_sequences = \/etc\/knockd\/smtp_sequences: the sequences are in that file, which was not given/)]);
    expect(notes('broken')).toEqual([expect.stringMatching(/sequence not imported: "99999" is not a knock step/)]);
    expect(notes('options')).toEqual([]);
  });

  it('imports the first sequence of a one-time sequence file when given, and says so', () => {
    const r = importKnockd(fixture('knockd-mixed.conf'), { '/etc/knockd/smtp_sequences': fixture('smtp_sequences') });
    const p = r.profiles.find((x) => x.name === 'oneTime')!;
    expect(p.steps).toEqual(parseKnockdSequence('1000,2000:udp,3000'));
    expect(p.seqTimeoutMs).toBe(5000);
    expect(r.notes.filter((n) => n.section === 'oneTime').map((n) => n.note)).toEqual([
      expect.stringMatching(/imported only the first sequence \(1000,2000:udp,3000\) as a fixed sequence/),
      expect.stringMatching(/^tcpflags = fin,!ack/),
      expect.stringMatching(/^start_command/),
    ]);
  });

  it('keeps section order, ignores comments and lines before the first section', () => {
    const s = parseKnockdSections('stray = 1\n# c\n[a]\n Sequence = 1\n[b]\n  sequence=2 # kept: only whole lines are comments\n');
    expect(s.map((x) => [x.name, x.values.sequence, x.line])).toEqual([
      ['a', '1', 3],
      ['b', '2 # kept: only whole lines are comments', 5],
    ]);
  });
});

describe('knockd.conf export', () => {
  it('writes sections knockd and Portolan read back the same', () => {
    const text = exportKnockd([
      { kind: 'profile', profile: { id: 'K1', name: 'office [ssh]', host: 'h', steps: parseKnockdSequence('7000,8000:udp,9000'), delayMs: 100, seqTimeoutMs: 4500 } },
      { kind: 'profile', profile: { id: 'K2', name: 'office [ssh]', host: 'h', steps: parseKnockdSequence('1:udp'), delayMs: 100 } },
      {
        kind: 'guard',
        guard: {
          id: 'G1',
          name: 'gate',
          sequence: parseKnockdSequence('1234,2345'),
          windowMs: 10000,
          openForMs: 60000,
          target: { kind: 'listener', listenerId: 'L1' },
          command: { path: '/usr/bin/logger', args: ['knock from {source}'], enabled: false },
        },
      },
    ]);
    expect(text).toContain('[office ssh]\n  sequence      = 7000:tcp,8000:udp,9000:tcp\n  seq_timeout   = 5\n  tcpflags      = syn\n');
    // A UDP-only sequence needs no tcpflags; names stay unique.
    expect(text).toContain('[office ssh 2]\n  sequence      = 1:udp\n\n');
    expect(text).toContain('# Portolan command (disabled): /usr/bin/logger knock from {source}');
    const back = importKnockd(text);
    expect(back.profiles.map((p) => [p.name, formatKnockdSequence(p.steps), p.seqTimeoutMs])).toEqual([
      ['office ssh', '7000:tcp,8000:udp,9000:tcp', 5000],
      ['office ssh 2', '1:udp', undefined],
      ['gate', '1234:tcp,2345:tcp', 10000],
    ]);
  });
});

describe('guard command arguments', () => {
  it('replaces {source} in each argument and nothing else (no shell)', () => {
    expect(commandArgs(['-s', '{source}', 'x{source}y', '$(rm -rf /)', '; {source}'], '::1')).toEqual(['-s', '::1', 'x::1y', '$(rm -rf /)', '; ::1']);
  });
});
