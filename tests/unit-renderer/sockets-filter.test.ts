import { describe, expect, it } from 'vitest';
import { isListening, isLoopback, matchesFilter, parseFilter, type MatchContext } from '../../src-renderer/src/lib/sockets/filter.js';
import { decodeOptions, DEFAULT_OPTIONS, encodeOptions, hidesTimeWait, passesToggles } from '../../src-renderer/src/lib/sockets/options.js';
import { listenerWithPair, noNames, row } from './socket-rows.js';

const { listener, server, client } = listenerWithPair(8080, 51000);
const udp = row({ proto: 'udp6', localAddress: '::', localPort: 53, state: 'UNCONN', pid: 5, process: 'dnsmasq', user: 'nobody' });
const tw = row({ localAddress: '192.0.2.7', localPort: 40000, remoteAddress: '203.0.113.9', remotePort: 443, state: 'TIME_WAIT' });
const all = [listener, server, client, udp, tw];

function pick(text: string, ctx: MatchContext = noNames) {
  const f = parseFilter(text);
  return all.filter((r) => matchesFilter(r, f, ctx));
}

describe('the filter language', () => {
  it('matches keys: proto by family, state by part, ports local or remote, pid, process, user', () => {
    expect(pick('proto:udp')).toEqual([udp]);
    expect(pick('proto:tcp6')).toEqual([]);
    expect(pick('state:listen')).toEqual([listener]);
    expect(pick('state:time-wait')).toEqual([tw]);
    expect(pick('port:8080')).toEqual([listener, server, client]);
    expect(pick('lport:8080')).toEqual([listener, server]);
    expect(pick('rport:8080')).toEqual([client]);
    expect(pick('port:1-1023')).toEqual([udp, tw]);
    expect(pick('port:50000-')).toEqual([server, client]);
    expect(pick('pid:5,20')).toEqual([client, udp]);
    expect(pick('process:DNS')).toEqual([udp]);
    expect(pick('user:nob')).toEqual([udp]);
    expect(pick('addr:203.0')).toEqual([tw]);
  });

  it('combines terms with spaces (all must match), commas as alternatives, and - to exclude', () => {
    expect(pick('port:8080 state:established')).toEqual([server, client]);
    expect(pick('port:8080 -process:curl')).toEqual([listener, server]);
    expect(pick('state:listen,unconn')).toEqual([listener, udp]);
    expect(pick('-state:time_wait -proto:udp')).toEqual([listener, server, client]);
    expect(pick('')).toEqual(all);
  });

  it('matches free words against the row, service names and host names', () => {
    expect(pick('curl')).toEqual([client]);
    expect(pick('127.0.0.1:51000')).toEqual([server, client]);
    expect(pick('"time_wait"')).toEqual([tw]);
    const ctx = { serviceName: (p: number) => (p === 443 ? 'https' : undefined), hostName: (a: string) => (a === '203.0.113.9' ? 'example.test' : undefined) };
    expect(pick('https', ctx)).toEqual([tw]);
    expect(pick('example', ctx)).toEqual([tw]);
    expect(pick('addr:example', ctx)).toEqual([tw]);
  });

  it('reports terms it cannot use and leaves them out; IPv6 words are not keys', () => {
    const f = parseFilter('port:http pid:x proto:icmp prot:tcp state:');
    expect(f.problems).toHaveLength(5);
    expect(f.problems.join(' ')).toMatch(/port: "http".*pid: "x".*proto: "icmp".*Unknown filter "prot:".*state: needs a value/);
    expect(f.terms.map((t) => t.key)).toEqual(['text']); // the typo stays a word
    const v6 = parseFilter('fe80::1 ::1');
    expect(v6.problems).toEqual([]);
    expect(v6.terms.map((t) => [t.key, t.value])).toEqual([
      ['text', 'fe80::1'],
      ['text', '::1'],
    ]);
    expect(parseFilter('nginx').hasText).toBe(true);
    expect(parseFilter('port:1').hasText).toBe(false);
  });

  it('knows listening and loopback sockets', () => {
    expect(all.filter(isListening)).toEqual([listener, udp]);
    expect(['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1', '0.0.0.0', '::', '10.0.0.1'].map(isLoopback)).toEqual([true, true, true, true, false, false, false]);
  });
});

describe('view options', () => {
  it('round-trip through the remembered string, leaving defaults out', () => {
    expect(encodeOptions(DEFAULT_OPTIONS)).toBe('');
    const o = { mode: 'pairs', only: 'listening', hideLoopback: true, timeWait: 'show', group: 'port', talkers: true, sort: { column: 'process', dir: 'desc' }, dns: true } as const;
    expect(encodeOptions(o)).toBe('mode:pairs only:listening loopback:hide timewait:show group:port talkers sort:process:desc dns');
    expect(decodeOptions(encodeOptions(o))).toEqual(o);
    expect(decodeOptions('only:nonsense sort:bogus:desc group: mode:tables timewait:maybe')).toEqual(DEFAULT_OPTIONS);
  });

  it('toggles keep listening only, established only, and hide loopback', () => {
    const keep = (o: Partial<typeof DEFAULT_OPTIONS>) => all.filter((r) => passesToggles(r, { ...DEFAULT_OPTIONS, ...o }));
    expect(keep({ only: 'listening' })).toEqual([listener, udp]);
    expect(keep({ only: 'established' })).toEqual([server, client]);
    expect(keep({ hideLoopback: true })).toEqual([udp, tw]);
    expect(all.filter((r) => passesToggles(r, { ...DEFAULT_OPTIONS, hideTimeWait: true }))).toEqual([listener, server, client, udp]);
  });

  it('hides TIME_WAIT by itself only when it is over half the rows', () => {
    expect(hidesTimeWait('auto', 6, 10)).toBe(true);
    expect(hidesTimeWait('auto', 5, 10)).toBe(false);
    expect(hidesTimeWait('show', 9, 10)).toBe(false);
    expect(hidesTimeWait('hide', 0, 10)).toBe(true);
  });
});
