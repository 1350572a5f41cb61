import { describe, expect, it } from 'vitest';
import type { ExposureEntry, ExposureReport } from '../../src-main/contract/exposure.js';
import { Api } from '../../src-renderer/src/lib/api/client.js';
import { decodeFilter, DEFAULT_FILTER, encodeFilter, filterEntries, REMEMBER_KEY, splitReason, verdictText } from '../../src-renderer/src/lib/exposure/filter.js';
import { ExposureState } from '../../src-renderer/src/lib/state/exposure.svelte.js';
import { deferred, fail, FakeTransport, ok } from './fake-transport.js';

const entry = (over: Partial<ExposureEntry> = {}): ExposureEntry => ({
  id: `tcp:0.0.0.0:${over.port ?? 80}`,
  protocol: 'tcp',
  address: '0.0.0.0',
  port: 80,
  pid: 812,
  process: 'nginx',
  bind: 'any',
  interfaces: ['eth0'],
  firewall: { lan: 'allow', internet: 'drop', rule: 'rule 7 of inet filter input: tcp dport 80 accept' },
  router: null,
  reachableFrom: 'lan',
  reasons: ['Bind: every IPv4 interface (0.0.0.0): eth0; held by nginx (pid 812).', 'Verdict: this network.'],
  ...over,
});
const ENTRIES = [
  entry({ port: 80 }),
  entry({ id: 'ssh', port: 22, process: 'sshd', reachableFrom: 'internet', router: { mapping: 'tcp 2222 -> 192.168.1.10:22 via UPnP IGD', id: 'tcp:2222' }, reasons: ['Verdict: the internet (through router mapping tcp 2222 -> 192.168.1.10:22 via UPnP IGD).'] }),
  entry({ id: 'redis', port: 6379, process: 'redis-server', address: '127.0.0.1', bind: 'loopback', reachableFrom: 'machine' }),
  entry({ id: 'dns', port: 53, protocol: 'udp', process: 'dnsmasq', reachableFrom: 'unknown' }),
];
const report = (entries = ENTRIES): ExposureReport => ({ at: 1, entries, firewall: { readable: true, sources: ['nftables 1.0.6'] }, router: { listed: true, asked: false }, learn: 'firewalls' });
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('exposure filters', () => {
  it('sorts the most exposed first and filters by verdict, protocol, loopback and words', () => {
    expect(filterEntries(ENTRIES, DEFAULT_FILTER).map((e) => e.port)).toEqual([22, 80, 53, 6379]);
    expect(filterEntries(ENTRIES, { ...DEFAULT_FILTER, reach: ['lan', 'unknown'] }).map((e) => e.port)).toEqual([80, 53]);
    expect(filterEntries(ENTRIES, { ...DEFAULT_FILTER, proto: 'udp' }).map((e) => e.port)).toEqual([53]);
    expect(filterEntries(ENTRIES, { ...DEFAULT_FILTER, hideLoopback: true }).map((e) => e.port)).not.toContain(6379);
    expect(filterEntries(ENTRIES, { ...DEFAULT_FILTER, text: 'REDIS' }).map((e) => e.port)).toEqual([6379]);
    expect(filterEntries(ENTRIES, { ...DEFAULT_FILTER, text: 'mapping 2222' }).map((e) => e.port)).toEqual([22]);
  });

  it('remembers the filter as JSON and survives damaged text part by part', () => {
    const f = { text: 'ssh', reach: ['internet' as const], proto: 'tcp' as const, hideLoopback: true };
    expect(decodeFilter(encodeFilter(f))).toEqual(f);
    expect(decodeFilter('{not json')).toEqual(DEFAULT_FILTER);
    expect(decodeFilter('{"text":5,"reach":["lan","bogus"],"proto":"sctp","hideLoopback":"yes"}')).toEqual({ ...DEFAULT_FILTER, reach: ['lan'] });
  });

  it('reads the verdict and the links of the reason chain', () => {
    expect(verdictText(ENTRIES[1]!)).toBe('the internet (through router mapping tcp 2222 -> 192.168.1.10:22 via UPnP IGD)');
    expect(verdictText(entry({ reasons: [] }))).toBe('This network');
    expect(splitReason('Firewall, from this network (eth0): Allowed by rule 7 of inet filter input: tcp dport 80 accept.')).toEqual({
      link: 'Firewall, from this network (eth0)',
      text: 'Allowed by rule 7 of inet filter input: tcp dport 80 accept.',
    });
  });
});

describe('ExposureState', () => {
  it('loads without asking the router, then asks it on request', async () => {
    const t = new FakeTransport({ 'exposure.list': () => ok(report()) });
    const s = new ExposureState(new Api(t));
    await s.load();
    expect(t.callsOf('exposure.list')).toEqual([{ router: false }]);
    expect(s.visible.map((e) => e.port)).toEqual([22, 80, 53, 6379]);
    expect(s.counts).toEqual({ lan: 1, internet: 1, machine: 1, unknown: 1 });
    await s.load(true);
    expect(t.callsOf('exposure.list')[1]).toEqual({ router: true });
    expect(s.askingRouter).toBe(false);
  });

  it('remembers filter changes, restores them, and selects a row to show its reasons', async () => {
    const remembered: Record<string, string> = {};
    const t = new FakeTransport({ 'exposure.list': () => ok(report()) });
    const s = new ExposureState(new Api(t), { onRemember: (k, v) => (remembered[k] = v) });
    await s.load();
    s.toggleReach('internet');
    s.setFilter({ text: 'ssh' });
    expect(s.visible.map((e) => e.port)).toEqual([22]);
    const again = new ExposureState(new Api(t));
    again.restore((k) => remembered[k] ?? '');
    expect(again.filter).toEqual({ ...DEFAULT_FILTER, text: 'ssh', reach: ['internet'] });
    expect(Object.keys(remembered)).toEqual([REMEMBER_KEY]);
    s.select('ssh');
    expect(s.selected?.port).toBe(22);
    s.select('ssh');
    expect(s.selected).toBeNull();
  });

  it('keeps the last report on a failure and shows the engine sentence; a late answer does not overwrite a newer one', async () => {
    const first = deferred<ReturnType<typeof ok>>();
    let n = 0;
    const t = new FakeTransport({ 'exposure.list': () => (++n === 1 ? first.promise : ok(report([ENTRIES[0]!]))) });
    const s = new ExposureState(new Api(t));
    const slow = s.load(true);
    await s.load();
    first.resolve(ok(report()));
    await slow;
    expect(s.report?.entries.length).toBe(1);
    t.handlers['exposure.list'] = () => fail('INTERNAL', 'The live socket table is not available on aix.');
    await s.load();
    await tick();
    expect(s.problem).toBe('The live socket table is not available on aix.');
    expect(s.report?.entries.length).toBe(1);
  });

  it('shows the exact rules first and changes the firewall only on confirm; cancel changes nothing', async () => {
    const preview = { table: 'inet portolan', rules: ['iifname != "lo" tcp dport 80 drop comment "portolan:close-tcp-80"'], elevation: 'pkexec' };
    const t = new FakeTransport({
      'exposure.list': () => ok(report()),
      'exposure.firewall.preview': () => ok(preview),
      'exposure.firewall.apply': () => ok({ rules: preview.rules }),
      'router.remove': () => ok({ removed: true }),
    });
    const s = new ExposureState(new Api(t));
    await s.propose({ kind: 'close', protocol: 'tcp', port: 80 });
    expect(s.pending).toMatchObject({ kind: 'firewall', preview });
    expect(t.callsOf('exposure.firewall.apply')).toEqual([]);
    s.cancel();
    expect(s.pending).toBeNull();
    await s.propose({ kind: 'close', protocol: 'tcp', port: 80 });
    await s.confirm();
    expect(t.callsOf('exposure.firewall.apply')).toEqual([{ kind: 'close', protocol: 'tcp', port: 80, confirm: true }]);
    expect(s.actionDone).toBe('Added 1 rule to the table inet portolan.');
    expect(t.callsOf('exposure.list').length).toBe(1);
    s.proposeRemoveMapping('udp:2222', 'udp 2222 -> 192.168.1.10:22 via UPnP IGD');
    await s.confirm();
    expect(t.callsOf('router.remove')).toEqual([{ protocol: 'udp', externalPort: 2222 }]);
  });

  it('shows why a change failed (password not given) and keeps it pending', async () => {
    const t = new FakeTransport({
      'exposure.firewall.preview': () => ok({ table: 'inet portolan', rules: ['r'], elevation: 'pkexec' }),
      'exposure.firewall.apply': () => fail('INTERNAL', 'The firewall was not changed: the administrator password was not given.'),
    });
    const s = new ExposureState(new Api(t));
    await s.propose({ kind: 'lan-only', protocol: 'udp', port: 53 });
    await s.confirm();
    expect(s.actionProblem).toBe('The firewall was not changed: the administrator password was not given.');
    expect(s.pending).not.toBeNull();
  });
});

describe('ExposureState baseline', () => {
  const change = (kind: 'new' | 'closed' | 'widened', port: number, address = '0.0.0.0') => ({
    kind,
    key: `tcp|${address}|${port}`,
    item: { protocol: 'tcp' as const, address, port, reachableFrom: 'lan' as const },
    text: `${kind} ${port}`,
  });

  it('marks each row with its change since the baseline and lists the sockets that no longer listen', async () => {
    const baseline = { baselineAt: 5, alert: true, changes: [change('new', 80), change('widened', 22), change('closed', 8080)] };
    const t = new FakeTransport({ 'exposure.list': () => ok({ ...report(), baseline }) });
    const s = new ExposureState(new Api(t));
    await s.load();
    expect([...s.changeOf].map(([id, c]) => [id, c.kind])).toEqual([
      ['tcp:0.0.0.0:80', 'new'],
      ['ssh', 'widened'],
    ]);
    expect(s.gone.map((c) => c.key)).toEqual(['tcp|0.0.0.0|8080']);
  });

  it('"Set as baseline" saves without asking the router, then reads the report again', async () => {
    let set = false;
    const t = new FakeTransport({
      'exposure.list': () => ok(set ? { ...report(), baseline: { baselineAt: 9, alert: false, changes: [] } } : report()),
      'exposure.baseline.set': () => ((set = true), ok({ at: 9, items: 3 })),
    });
    const s = new ExposureState(new Api(t));
    await s.load();
    expect(s.report?.baseline).toBeUndefined();
    await s.setBaseline();
    expect(t.callsOf('exposure.baseline.set')).toEqual([{ router: false }]);
    expect(s.actionDone).toBe('Baseline set: 3 sockets reachable from the network.');
    expect(s.report?.baseline?.baselineAt).toBe(9);
    expect(s.changeOf.size).toBe(0);
    t.handlers['exposure.baseline.set'] = () => fail('EACCES', 'Your attack-surface baseline cannot be saved.');
    await s.setBaseline();
    expect(s.actionProblem).toBe('Your attack-surface baseline cannot be saved.');
  });
});
