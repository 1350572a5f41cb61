import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadDictionary } from '../../../src-main/engine/dictionary/load.js';
import { Dictionary, protocolNote } from '../../../src-main/engine/dictionary/dictionary.js';
import { ASSETS_DIR } from '../../helpers/app.js';

const EPHEMERAL = { low: 32768, high: 60999, source: 'test' };
let dict: Dictionary;
beforeAll(async () => {
  dict = await loadDictionary(ASSETS_DIR);
});

describe('Dictionary', () => {
  it("holds IANA's whole registry (about 12,000 port/protocol records)", () => {
    expect(dict.size).toBeGreaterThan(11000);
  });

  it('answers a number with that port, both TCP and UDP assignments', () => {
    const result = dict.lookup({ query: '443' });
    expect(result.kind).toBe('number');
    expect(result.items).toHaveLength(1);
    expect(result.items[0]).toMatchObject({ port: 443, category: 'well-known' });
    expect(result.items[0]?.names).toContain('https');
    expect(result.items[0]?.protocols).toEqual(expect.arrayContaining(['tcp', 'udp']));
  });

  it('answers an unassigned number honestly', () => {
    const result = dict.lookup({ query: '65000' });
    expect(result.items[0]).toMatchObject({ port: 65000, category: 'dynamic', names: [] });
  });

  it('ranks the exact service name first', () => {
    expect(dict.lookup({ query: 'ssh' }).items[0]?.port).toBe(22);
    expect(dict.lookup({ query: 'https' }).items[0]?.port).toBe(443);
    const mysql = dict.lookup({ query: 'mysql' });
    expect(mysql.kind).toBe('name');
    expect(mysql.items[0]?.port).toBe(3306);
    expect(mysql.total).toBeGreaterThan(3);
  });

  it('ranks exact names, then aliases (ssh-alt, ssh-mgmt, then netconf-ssh), then names that merely contain the word', () => {
    const ports = dict.lookup({ query: 'ssh', pageSize: 20 }).items.map((i) => i.port);
    expect(ports[0]).toBe(22);
    // 2222's curated alias ssh-alt and 17235's ssh-mgmt start with the word as a whole part.
    expect(ports.slice(1, 3)).toEqual([2222, 17235]);
    // netconf-ssh has "ssh" as a whole part: still an alias, before sshell where it is only cut out.
    expect(ports.indexOf(830)).toBeLessThan(ports.indexOf(614));
    expect(ports.indexOf(614)).toBeGreaterThan(ports.indexOf(6252));
  });

  it('finds free text in descriptions, all words required', () => {
    const result = dict.lookup({ query: 'network time', pageSize: 500 });
    expect(result.kind).toBe('text');
    expect(result.items.map((i) => i.port)).toContain(123);
    for (const item of result.items) expect(item.description.toLowerCase() + item.names.join(' ')).toMatch(/network|time/i);
  });

  it('finds curated unofficial uses by name', () => {
    expect(dict.lookup({ query: 'minecraft' }).items.map((i) => i.port)).toContain(25565);
    expect(dict.lookup({ query: 'vite' }).items[0]?.port).toBe(5173);
  });

  it('lists ranges in port order and pages them', () => {
    const first = dict.lookup({ query: '0-1023', pageSize: 100 });
    expect(first.kind).toBe('range');
    expect(first.total).toBeGreaterThan(700);
    const ports = first.items.map((i) => i.port);
    expect(ports).toEqual([...ports].sort((a, b) => a - b));
    const second = dict.lookup({ query: '0-1023', page: 1, pageSize: 100 });
    expect(second.items[0]!.port).toBeGreaterThan(ports.at(-1)!);
    const dynamic = dict.lookup({ query: '49152-', pageSize: 500 });
    expect(dynamic.items.every((i) => i.port >= 49152 && i.category === 'dynamic')).toBe(true);
  });

  it('builds a card with range, ephemeral range, privileges and security notes', () => {
    const card = dict.card(3389, EPHEMERAL);
    expect(card.category).toBe('registered');
    expect(card.privileged).toBe(false);
    expect(card.ephemeral.inRange).toBe(false);
    expect(card.security.some((s) => s.severity === 'critical')).toBe(true);
    expect(dict.card(80, EPHEMERAL).privileged).toBe(true);
    expect(dict.card(40000, EPHEMERAL).ephemeral.inRange).toBe(true);
    expect(dict.card(6379, EPHEMERAL).security.length).toBeGreaterThan(0);
    expect(dict.card(8080, EPHEMERAL).unofficial.length).toBeGreaterThan(0);
  });

  it('gives every curated entry a source', () => {
    for (const port of [3000, 5173, 8080, 27017, 25565]) {
      const card = dict.card(port, EPHEMERAL);
      expect(card.unofficial.length, `port ${port}`).toBeGreaterThan(0);
      for (const use of card.unofficial) expect(use.source.length).toBeGreaterThan(5);
    }
  });
});

describe('protocolNote', () => {
  it('says when TCP and UDP go to different services', () => {
    const note = protocolNote(512, [
      { protocol: 'tcp', name: 'exec', description: '' },
      { protocol: 'udp', name: 'comsat', description: '' },
    ]);
    expect(note).toMatch(/exec on TCP and comsat on UDP/);
  });
  it('says when only one protocol is assigned', () => {
    expect(protocolNote(1, [{ protocol: 'tcp', name: 'x', description: '' }])).toMatch(/Only TCP/);
    expect(protocolNote(1, [])).toMatch(/no assignment/);
  });
});

describe('Dictionary indexing', () => {
  const records = [
    { port: 22, protocol: 'udp' as const, name: 'ssh', description: 'The Secure Shell (SSH) Protocol' },
    { port: 22, protocol: 'tcp' as const, name: 'ssh', description: 'The Secure Shell (SSH) Protocol' },
    ...Array.from({ length: 500 }, (_, i) => ({ port: 1000 + i, protocol: 'tcp' as const, name: `svc${i}`, description: `service ${i}` })),
  ];

  it('indexes only the port asked for on a number look-up (the CLI does not pay for the whole registry)', () => {
    const summarize = vi.spyOn(Dictionary.prototype as unknown as { summarize: () => unknown }, 'summarize');
    try {
      const small = new Dictionary(records, { unofficial: [], security: [] });
      expect(summarize).not.toHaveBeenCalled();
      expect(small.lookup({ query: '22' }).items[0]?.names).toEqual(['ssh']);
      const card = small.card(22, EPHEMERAL);
      expect(card.assignments.map((a) => a.protocol)).toEqual(['tcp', 'udp']);
      expect(summarize).toHaveBeenCalledTimes(1);
      // A range or a word search indexes the rest, once.
      expect(small.lookup({ query: '1000-1499' }).total).toBe(500);
      expect(small.lookup({ query: 'svc499' }).items[0]?.port).toBe(1499);
      expect(summarize).toHaveBeenCalledTimes(501);
    } finally {
      summarize.mockRestore();
    }
  });
});
