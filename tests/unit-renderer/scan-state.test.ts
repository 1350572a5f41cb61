/** The Scanner's state class against a scripted transport: start, confirm, live events, end, history, diff, profiles, restore. */
import { describe, expect, it } from 'vitest';
import type { PortResult, ScanInfo, ScanResults } from '../../src-main/contract/scan.js';
import { Api } from '../../src-renderer/src/lib/api/client.js';
import { DEFAULT_FORM, encodeForm } from '../../src-renderer/src/lib/scan/form.js';
import { REMEMBER, ScanState } from '../../src-renderer/src/lib/state/scan.svelte.js';
import { deferred, fail, FakeTransport, ok } from './fake-transport.js';

const tick = () => new Promise((r) => setTimeout(r, 0));

const info = (over: Partial<ScanInfo> = {}): ScanInfo => ({
  id: 'S1',
  spec: { targets: '127.0.0.1', ports: '22,80', protocol: 'tcp', serviceDetection: true, timing: 4, confirmPublic: false },
  state: 'running',
  hosts: [{ target: '127.0.0.1', address: '127.0.0.1', addresses: ['127.0.0.1'] }],
  portCount: 2,
  portList: '22,80',
  total: 2,
  done: 0,
  open: 0,
  rate: 0,
  etaMs: 0,
  startedAt: 1000,
  ...over,
});
const open22: PortResult = { host: '127.0.0.1', port: 22, protocol: 'tcp', state: 'open', reason: 'syn-ack' };
const saved = (over: Partial<ScanInfo> = {}): ScanResults => ({
  info: info({ state: 'done', done: 2, open: 1, finishedAt: 2000, ...over }),
  results: [{ ...open22, service: { name: 'ssh', product: 'OpenSSH' } }],
  counts: [{ host: '127.0.0.1', counts: { open: 1, closed: 1, filtered: 0, 'open|filtered': 0, error: 0 } }],
});

function setup(handlers: FakeTransport['handlers'] = {}) {
  const transport = new FakeTransport({
    'scan.history': () => ok({ scans: [] }),
    'scan.profiles.list': () => ok({ profiles: [] }),
    ...handlers,
  });
  const remembered: Record<string, string> = {};
  const state = new ScanState(new Api(transport), { onRemember: (k, v) => (remembered[k] = v) });
  const stop = state.start();
  return { transport, state, remembered, stop };
}

describe('ScanState', () => {
  it('starts a scan, follows progress and results, and reads the saved record at the end', async () => {
    const { transport, state, remembered } = setup({
      'scan.start': () => ok(info()),
      'scan.results': () => ok(saved()),
    });
    expect(await state.submit()).toBe(true);
    expect(transport.callsOf('scan.start')[0]).toMatchObject({ targets: '127.0.0.1', ports: 'top:100', serviceDetection: true });
    expect(state.running).toBe(true);
    expect(remembered[REMEMBER.current]).toBe('S1');
    expect(remembered[REMEMBER.form]).toBe(encodeForm(DEFAULT_FORM));
    transport.emit('scan.found', { id: 'OTHER', results: [{ ...open22, port: 1 }] });
    transport.emit('scan.found', { id: 'S1', results: [open22] });
    transport.emit('scan.progress', { id: 'S1', done: 1, total: 2, open: 1, rate: 10, etaMs: 100, state: 'running' });
    expect(state.rows.map((r) => (r.kind === 'host' ? r.host.address : r.result.port))).toEqual(['127.0.0.1', 22]);
    expect(state.model?.info.done).toBe(1);
    const historyCalls = transport.callsOf('scan.history').length;
    transport.emit('scan.progress', { id: 'S1', done: 2, total: 2, open: 1, rate: 0, etaMs: 0, state: 'done' });
    expect(state.running).toBe(false);
    await tick();
    await tick();
    expect(transport.callsOf('scan.results')).toEqual([{ id: 'S1' }]);
    expect(state.model?.counts?.get('127.0.0.1')?.closed).toBe(1);
    expect(transport.callsOf('scan.history').length).toBe(historyCalls + 1);
  });

  it('keeps events that arrive before scan.start answers', async () => {
    const answer = deferred<ReturnType<typeof ok>>();
    const { transport, state } = setup({ 'scan.start': () => answer.promise });
    const started = state.submit();
    transport.emit('scan.found', { id: 'S1', results: [open22] });
    transport.emit('scan.progress', { id: 'S1', done: 1, total: 2, open: 1, rate: 5, etaMs: 10, state: 'running' });
    answer.resolve(ok(info()));
    await started;
    expect(state.model?.results.size).toBe(1);
    expect(state.model?.info.done).toBe(1);
  });

  it('asks before a public target and retries with confirmation on accept', async () => {
    const { transport, state } = setup({
      'scan.start': (spec) => (spec.confirmPublic ? ok(info({ spec: { ...info().spec, targets: '8.8.8.8', confirmPublic: true } })) : fail('CONFIRM_REQUIRED', '8.8.8.8 is outside private, loopback and link-local addresses.')),
    });
    state.setForm({ targets: '8.8.8.8' });
    expect(await state.submit()).toBe(false);
    expect(state.confirm?.message).toMatch(/8\.8\.8\.8 is outside/);
    expect(state.startProblem).toBeNull();
    state.dismissConfirm();
    expect(state.confirm).toBeNull();
    await state.submit();
    expect(await state.acceptConfirm()).toBe(true);
    expect(transport.callsOf('scan.start').map((s) => s.confirmPublic)).toEqual([undefined, undefined, true]);
    expect(state.running).toBe(true);
  });

  it('shows other failures on the form and refuses a second scan while one runs', async () => {
    const { transport, state } = setup({ 'scan.start': () => fail('ENOTFOUND', 'The host name nas.lan could not be resolved.') });
    state.setForm({ targets: 'nas.lan' });
    await state.submit();
    expect(state.startProblem?.message).toMatch(/could not be resolved/);
    state.setForm({ targets: '127.0.0.1' });
    expect(state.startProblem).toBeNull();
    transport.handlers['scan.start'] = () => ok(info());
    await state.submit();
    expect(await state.submit()).toBe(false);
    expect(transport.callsOf('scan.start')).toHaveLength(2);
  });

  it('pauses, resumes and cancels the live scan', async () => {
    const { state, transport } = setup({
      'scan.start': () => ok(info()),
      'scan.pause': () => ok(info({ state: 'paused', done: 1 })),
      'scan.resume': () => ok(info({ state: 'running', done: 1 })),
      'scan.cancel': () => ok(info({ state: 'cancelled', done: 1 })),
      'scan.results': () => ok(saved({ state: 'cancelled', done: 1 })),
    });
    await state.submit();
    await state.control('pause');
    expect(state.live?.info.state).toBe('paused');
    await state.control('resume');
    expect(state.live?.info.state).toBe('running');
    await state.control('cancel');
    expect(state.running).toBe(false);
    await tick();
    expect(transport.callsOf('scan.results')).toHaveLength(1);
    expect(state.live?.info.state).toBe('cancelled');
  });

  it('opens saved scans, compares two (earlier first), exports and deletes', async () => {
    const history = [
      { id: 'B', state: 'done', targets: '127.0.0.1', ports: '22,80', protocol: 'tcp', hosts: ['127.0.0.1'], open: 2, total: 2, startedAt: 2000 },
      { id: 'A', state: 'done', targets: '127.0.0.1', ports: '22,80', protocol: 'tcp', hosts: ['127.0.0.1'], open: 1, total: 2, startedAt: 1000 },
    ];
    const { state, transport } = setup({
      'scan.history': () => ok({ scans: history }),
      'scan.results': ({ id }) => ok(saved({ id })),
      'scan.diff': ({ a, b }) => ok({ a, b, hosts: [{ host: '127.0.0.1', newlyOpen: [{ ...open22, port: 80 }], newlyClosed: [], changed: [] }] }),
      'scan.export': ({ id, format }) => ok({ filename: `portolan-scan-${id}.xml`, mime: 'application/xml', content: `<nmaprun ${format}/>` }),
      'scan.delete': () => ok({ deleted: true }),
    });
    await tick();
    expect(state.history).toHaveLength(2);
    await state.open('A');
    expect(state.model?.info.id).toBe('A');
    await state.compare('B', 'A');
    expect(transport.callsOf('scan.diff')).toEqual([{ a: 'A', b: 'B' }]);
    expect(state.tab).toBe('compare');
    expect(state.diff?.hosts[0]?.newlyOpen[0]?.port).toBe(80);
    expect((await state.exportScan('A', 'nmap-xml'))?.content).toBe('<nmaprun nmap-xml/>');
    await state.remove('A');
    expect(state.opened).toBeNull();
    expect(state.diff).toBeNull();
    expect(state.compareB).toBe('');
  });

  it('saves, uses and deletes profiles', async () => {
    let profiles: unknown[] = [];
    const { state } = setup({
      'scan.profiles.save': (p) => ok({ profiles: (profiles = [{ ...p }]) }),
      'scan.profiles.delete': () => ok({ profiles: (profiles = []) }),
      'scan.profiles.list': () => ok({ profiles }),
    });
    state.setForm({ targets: '10.0.0.0/24', ports: 'ssh', timing: 2 });
    expect(await state.saveProfile('LAN')).toBe(true);
    state.setForm({ targets: 'x' });
    state.useProfile('LAN');
    expect(state.form).toMatchObject({ targets: '10.0.0.0/24', ports: 'ssh', timing: 2 });
    await state.deleteProfile('LAN');
    expect(state.profiles).toEqual([]);
  });

  it('restores the remembered form unless a link filled it, and picks up the followed scan', async () => {
    const { state, transport } = setup({ 'scan.results': () => ok(saved({ state: 'running', done: 1, finishedAt: undefined })) });
    state.applyIntent({ target: '10.0.0.5', ports: '22', proto: 'udp' });
    state.restore((key) => (key === REMEMBER.form ? encodeForm({ ...DEFAULT_FORM, targets: 'remembered' }) : key === REMEMBER.current ? 'S1' : ''));
    expect(state.form).toMatchObject({ targets: '10.0.0.5', ports: '22', protocol: 'udp' });
    await tick();
    expect(transport.callsOf('scan.results')).toEqual([{ id: 'S1' }]);
    expect(state.running).toBe(true);

    const fresh = setup();
    fresh.state.restore((key) => (key === REMEMBER.form ? encodeForm({ ...DEFAULT_FORM, targets: 'remembered' }) : ''));
    expect(fresh.state.form.targets).toBe('remembered');
  });

  it('forgets a remembered scan that was deleted', async () => {
    const { state, remembered } = setup({ 'scan.results': () => fail('NOT_FOUND', 'There is no scan "S1".') });
    state.restore((key) => (key === REMEMBER.current ? 'S1' : ''));
    await tick();
    expect(remembered[REMEMBER.current]).toBe('');
    expect(state.notice).toBeNull();
  });

  it('deletes several old scans at once and reads the history again', async () => {
    const scans = ['a', 'b', 'c'].map((id, i) => ({ id, state: 'done', targets: '127.0.0.1', ports: '22', protocol: 'tcp', hosts: ['127.0.0.1'], open: 0, total: 1, startedAt: i }));
    let kept = scans;
    const { transport, state, stop } = setup({
      'scan.history': () => ok({ scans: kept }),
      'scan.delete': ({ id }) => ((kept = kept.filter((s) => s.id !== id)), ok({ deleted: true })),
    });
    await new Promise((r) => setTimeout(r, 0));
    state.compareA = 'a';
    await state.removeMany(['a', 'b']);
    expect(transport.callsOf('scan.delete')).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(state.history.map((s) => s.id)).toEqual(['c']);
    expect(state.compareA).toBe('');
    expect(state.notice).toBeNull();
    stop();
  });
});
