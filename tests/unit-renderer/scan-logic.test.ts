/**
 * The Scanner view's pure logic: the form's checks agree with the engine's parsers (same verdicts,
 * same sentences), the mirrored explanations equal the contract's, and the results, history and
 * format helpers.
 */
import { describe, expect, it } from 'vitest';
import { PORT_REASON_EXPLAINED, PORT_STATE_EXPLAINED, TIMING_NAMES, type PortResult, type ScanInfo, type ScanSummary } from '../../src-main/contract/scan.js';
import { isPrivateAddress } from '../../src-main/contract/ip-address.js';
import { REASON_EXPLAINED, STATE_EXPLAINED, TIMING_NAMES as MIRRORED_TIMING } from '../../src-renderer/src/lib/scan/explain.js';
import { checkForm, decodeForm, DEFAULT_FORM, encodeForm, formFromIntent, formFromProfile, parseRate, profileFromForm } from '../../src-renderer/src/lib/scan/form.js';
import { formatDuration, formatEta, formatRate, percentDone, serviceVersion } from '../../src-renderer/src/lib/scan/format.js';
import { baselineFor, comparable, filterHistory, inOrder, olderThan } from '../../src-renderer/src/lib/scan/history.js';
import { checkPorts, TOP_MAX } from '../../src-renderer/src/lib/scan/ports.js';
import { applyProgress, buildRows, closedCount, countsLine, fromInfo, fromResults, mergeFound } from '../../src-renderer/src/lib/scan/results.js';
import { checkTargets } from '../../src-renderer/src/lib/scan/targets.js';

/** The engine's parsers (src-main/engine/scanner), which the form mirrors. */
interface TopPorts {
  tcp: number[];
  udp: number[];
}
interface EngineScanner {
  parseTargets(text: string): unknown[];
  parsePorts(spec: string, protocol: 'tcp' | 'udp', top: TopPorts, servicePorts: (name: string) => number[]): number[];
  loadTopPorts(assetsDir: string): Promise<TopPorts>;
}
// Imported through a variable: the renderer's typecheck (browser types) must not follow into Node code.
const enginePath = '../../src-main/engine/scanner/';
const engine = {
  ...(await import(/* @vite-ignore */ `${enginePath}targets.js`)),
  ...(await import(/* @vite-ignore */ `${enginePath}ports.js`)),
} as EngineScanner;
const { parseTargets, parsePorts } = engine;
// Vitest runs from the repository root.
const top = await engine.loadTopPorts('assets');

/** The engine's verdict: its sentence, or undefined when it accepts. */
function engineError(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

describe('the form agrees with the engine', () => {
  const targets = [
    '127.0.0.1', '::1', '[::1]', '192.168.1.0/24', '10.0.0.1-40', '10.0.0.1-10.0.1.5', 'localhost, 10.0.0.1 ::1', 'nas.lan', 'fd00::1-ff', 'fd00::/120',
    '10.0.0.0/8', '10.0.0.0/33', 'fd00::/64', '10.0.0.40-1', '10.0.0.1-300', '1.2.3', '300.1.1.1', 'a_b', 'fe80::1%eth0', '10.0.0.1-x', '', '   ', '0.0.0.0/0',
    '10.0.0.0/16 10.1.0.0/16', 'example.com.', '1.1.1.1', '2001:db8::1', '::ffff:192.168.1.1', '8.8.8.0/30',
  ];
  it.each(targets)('targets %j', (text) => {
    const engine = engineError(() => parseTargets(text));
    const mine = checkTargets(text).error;
    if (engine === undefined) expect(mine).toBeUndefined();
    else if (text.trim() === '') expect(mine).toMatch(/at least one target/);
    else expect(mine).toBe(engine);
    if (engine === undefined) expect(checkTargets(text).hosts).toBe(parseTargets(text).length);
  });

  const ports = ['22,80,443', '1-1024', 'all', 'top:100', 'top:1000', 'top:1001', 'top:0', '0', '65536', '80-22', '-1024', '60000-', 't:22,u:53', '22;80', 'ssh,http', '1-65535,top:10', ''];
  const servicePorts = (name: string) => (name === 'ssh' ? [22] : name === 'http' ? [80] : []);
  it.each(ports)('ports %j', (text) => {
    const engine = engineError(() => parsePorts(text, 'tcp', top, servicePorts));
    const mine = checkPorts(text, 'tcp');
    if (text === '') expect(mine.error).toMatch(/Give ports/);
    else if (engine === undefined) expect(mine.error).toBeUndefined();
    else expect(mine.error).toBe(engine);
    if (engine === undefined && !mine.approximate) expect(mine.count).toBe(parsePorts(text, 'tcp', top, servicePorts).length);
  });

  it('knows the length of the curated top lists', () => {
    expect(top.tcp.length).toBe(TOP_MAX);
    expect(top.udp.length).toBe(TOP_MAX);
  });

  // The form and the engine share isPrivateAddress (src-main/contract/ip-address.ts): one verdict.
  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.31.0.1', true],
    ['172.32.0.1', false],
    ['192.168.0.9', true],
    ['169.254.1.1', true],
    ['100.64.0.1', true],
    ['100.128.0.1', false],
    ['8.8.8.8', false],
    ['::1', true],
    ['fd12::1', true],
    ['fe80::1', true],
    ['2001:db8::1', false],
    ['::ffff:10.0.0.1', true],
    ['::ffff:1.1.1.1', false],
    ['::', true],
  ] as const)('private %s: %s', (a, expected) => expect(isPrivateAddress(a)).toBe(expected));

  it('flags literal targets outside private ranges, and counts names as hosts to resolve', () => {
    const c = checkTargets('127.0.0.1, 8.8.8.8, 1.1.1.0/30, example.com');
    expect(c.error).toBeUndefined();
    expect(c.outside).toEqual(['8.8.8.8', '1.1.1.0/30']);
    expect(c.outsideCount).toBe(5);
    expect(c.names).toEqual(['example.com']);
    expect(c.hosts).toBe(7);
    expect(checkTargets('[2001:db8::1]').outside).toEqual(['2001:db8::1']);
    expect(checkTargets('192.168.1.0/24').outsideCount).toBe(0);
  });
});

describe('the words the view shows', () => {
  it('are the contract\'s own', () => {
    expect(STATE_EXPLAINED).toEqual(PORT_STATE_EXPLAINED);
    expect(REASON_EXPLAINED).toEqual(PORT_REASON_EXPLAINED);
    expect([...MIRRORED_TIMING]).toEqual([...TIMING_NAMES]);
  });
});

describe('the scan form', () => {
  it('builds the spec, with detection only for TCP and the rate limit when given', () => {
    expect(checkForm(DEFAULT_FORM).spec).toEqual({ targets: '127.0.0.1', ports: 'top:100', protocol: 'tcp', serviceDetection: true, timing: 4 });
    const udp = checkForm({ ...DEFAULT_FORM, protocol: 'udp', rateLimit: '1,000' });
    expect(udp.spec).toMatchObject({ protocol: 'udp', serviceDetection: false, rateLimit: 1000 });
    const bad = checkForm({ ...DEFAULT_FORM, targets: '10.0.0.0/8', ports: '0', rateLimit: 'fast' });
    expect(bad.spec).toBeNull();
    expect(Object.keys(bad.errors).sort()).toEqual(['ports', 'rateLimit', 'targets']);
    expect(checkForm({ ...DEFAULT_FORM, targets: '10.0.0.0/30', ports: '1-100' }).probes).toBe(400);
  });

  it('reads rates', () => {
    expect(parseRate('')).toBeNull();
    expect(parseRate(' 500 ')).toBe(500);
    expect(parseRate('0')).toMatch(/1 or more/);
    expect(parseRate('1.5')).toMatch(/probes per second/);
  });

  it('converts to and from profiles, links and remembered settings', () => {
    const form = { ...DEFAULT_FORM, targets: '10.0.0.0/24', ports: 'ssh,http', timing: 3, rateLimit: '200' };
    const profile = profileFromForm(' Home ', form);
    expect(profile).toEqual({ name: 'Home', targets: '10.0.0.0/24', ports: 'ssh,http', protocol: 'tcp', serviceDetection: true, timing: 3, rateLimit: 200 });
    expect(formFromProfile({ ...profile, protocol: 'tcp', serviceDetection: true, timing: 3, targets: '10.0.0.0/24', ports: 'ssh,http' })).toEqual(form);
    expect(formFromIntent(form, { target: '::1', ports: '22', proto: 'udp' })).toMatchObject({ targets: '::1', ports: '22', protocol: 'udp', timing: 3 });
    expect(formFromIntent(form, { target: 'h', proto: 'sctp' }).protocol).toBe('tcp');
    expect(decodeForm(encodeForm(form))).toEqual(form);
    expect(decodeForm('{"timing":9,"protocol":"x","targets":5}')).toEqual(DEFAULT_FORM);
    expect(decodeForm('nonsense')).toEqual(DEFAULT_FORM);
    const long = { ...form, targets: '10.0.0.1, '.repeat(60) };
    const encoded = encodeForm(long);
    expect(encoded.length).toBeLessThanOrEqual(500);
    expect(decodeForm(encoded)).toMatchObject({ targets: DEFAULT_FORM.targets, ports: 'ssh,http', timing: 3 });
  });
});

const info = (over: Partial<ScanInfo> = {}): ScanInfo => ({
  id: 'S1',
  spec: { targets: '127.0.0.1, ::1', ports: '1-100', protocol: 'tcp', serviceDetection: true, timing: 4, confirmPublic: false },
  state: 'running',
  hosts: [
    { target: '127.0.0.1', address: '127.0.0.1', addresses: ['127.0.0.1'] },
    { target: '::1', address: '::1', addresses: ['::1'] },
  ],
  portCount: 100,
  portList: '1-100',
  total: 200,
  done: 0,
  open: 0,
  rate: 0,
  etaMs: 0,
  startedAt: 1000,
  ...over,
});
const result = (host: string, port: number, over: Partial<PortResult> = {}): PortResult => ({ host, port, protocol: 'tcp', state: 'open', reason: 'syn-ack', ...over });

describe('the results model', () => {
  it('merges batches by host, protocol and port, and groups rows per host in host order', () => {
    let m = fromInfo(info());
    m = mergeFound(m, [result('::1', 80), result('127.0.0.1', 22), result('127.0.0.1', 5, { state: 'filtered', reason: 'no-response' })]);
    m = mergeFound(m, [result('127.0.0.1', 22, { service: { name: 'ssh', product: 'OpenSSH', version: '9.2' } })]);
    m = applyProgress(m, { id: 'S1', done: 150, total: 200, open: 2, rate: 1000, etaMs: 50, state: 'running' });
    expect(m.results.size).toBe(3);
    expect(closedCount(m)).toBe(147);
    const rows = buildRows(m, new Set(['open', 'filtered']));
    expect(rows.map((r) => (r.kind === 'host' ? r.host.address : r.result.port))).toEqual(['127.0.0.1', 5, 22, '::1', 80]);
    const first = rows[2];
    expect(first?.kind === 'port' && serviceVersion(first.result.service)).toBe('OpenSSH 9.2');
    const openOnly = buildRows(m, new Set(['open']));
    expect(openOnly[0]).toMatchObject({ kind: 'host', hidden: 1, exact: false });
  });

  it('uses exact counts once the scan is read back, and lists every host of a finished scan', () => {
    const m = fromResults({
      info: info({ state: 'done', done: 200, open: 1 }),
      results: [result('127.0.0.1', 22)],
      counts: [
        { host: '127.0.0.1', counts: { open: 1, closed: 99, filtered: 0, 'open|filtered': 0, error: 0 } },
        { host: '::1', counts: { open: 0, closed: 100, filtered: 0, 'open|filtered': 0, error: 0 } },
      ],
    });
    expect(closedCount(m)).toBe(199);
    const rows = buildRows(m, new Set(['open']));
    expect(rows).toHaveLength(3);
    expect(rows[2]).toMatchObject({ kind: 'host', exact: true });
    expect(countsLine(rows[0]!.kind === 'host' ? rows[0]!.counts : (undefined as never), true)).toBe('1 open, 99 closed');
    expect(countsLine({ open: 0, closed: 0, filtered: 0, 'open|filtered': 0, error: 0 }, false)).toBe('nothing found yet');
  });
});

describe('history and formats', () => {
  const summary = (id: string, startedAt: number, hosts: string[], protocol: 'tcp' | 'udp' = 'tcp'): ScanSummary => ({
    id, state: 'done', targets: hosts.join(','), ports: '1-100', protocol, hosts, open: 0, total: 100, startedAt,
  });
  it('finds the scan to compare with', () => {
    const history = [summary('c', 3, ['10.0.0.1']), summary('u', 2, ['10.0.0.1'], 'udp'), summary('b', 2, ['10.0.0.2', '10.0.0.1']), summary('a', 1, ['10.0.0.1'])];
    // 'a' is the same scan as 'c' (same targets and ports), so it wins over the later 'b'.
    expect(baselineFor(history, history[0]!)?.id).toBe('a');
    expect(baselineFor(history.filter((s) => s.id !== 'a'), history[0]!)?.id).toBe('b');
    // The same scan run earlier wins over a more recent scan of other ports.
    const rerun = [summary('d', 4, ['10.0.0.1']), { ...summary('x', 3, ['10.0.0.1']), ports: '1-400' }, summary('e', 2, ['10.0.0.1'])];
    expect(baselineFor(rerun, rerun[0]!)?.id).toBe('e');
    expect(baselineFor(history, history[3]!)).toBeUndefined();
    expect(comparable(history[0]!, history[1]!)).toBe(false);
    expect(inOrder(history[0]!, history[3]!).map((s) => s.id)).toEqual(['a', 'c']);
  });

  it('filters the history by target or host, and finds the scans older than an age', () => {
    const day = 86_400_000;
    const now = 100 * day;
    const history = [summary('new', now - day / 2, ['10.0.0.1']), { ...summary('lan', now - 10 * day, ['192.168.1.7']), targets: 'nas.lan' }, summary('old', now - 40 * day, ['10.0.0.1'])];
    expect(filterHistory(history, '').map((s) => s.id)).toEqual(['new', 'lan', 'old']);
    expect(filterHistory(history, ' 10.0.0 ').map((s) => s.id)).toEqual(['new', 'old']);
    // By the name typed as the target, or by an address it resolved to.
    expect(filterHistory(history, 'NAS').map((s) => s.id)).toEqual(['lan']);
    expect(filterHistory(history, '192.168.1.7').map((s) => s.id)).toEqual(['lan']);
    expect(olderThan(history, 1, now).map((s) => s.id)).toEqual(['lan', 'old']);
    expect(olderThan(history, 30, now).map((s) => s.id)).toEqual(['old']);
    expect(olderThan(filterHistory(history, 'nas'), 30, now)).toEqual([]);
  });

  it('formats rates, durations and progress', () => {
    expect(formatRate(0)).toBe('—');
    expect(formatRate(3.25)).toBe('3.3/s');
    expect(formatRate(12345.4)).toBe('12,345/s');
    expect(formatDuration(400)).toBe('0.4 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
    expect(formatDuration(7_440_000)).toBe('2 h 04 min');
    expect(formatEta(5000, 0)).toBe('—');
    expect(percentDone(999, 1000)).toBe(99);
    expect(percentDone(1000, 1000)).toBe(100);
    expect(percentDone(0, 0)).toBe(0);
  });
});
