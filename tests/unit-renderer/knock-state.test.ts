import { describe, expect, it } from 'vitest';
import type { GuardInfo, KnockAttempt } from '../../src-main/contract/knock.js';
import type { ListenerInfo } from '../../src-main/contract/sessions.js';
import { Api } from '../../src-renderer/src/lib/api/client.js';
import { stepRow } from '../../src-renderer/src/lib/knock/steps.js';
import { ConsolesState } from '../../src-renderer/src/lib/state/consoles.svelte.js';
import { ForwardsState } from '../../src-renderer/src/lib/state/forwards.svelte.js';
import { KnockState, REMEMBER } from '../../src-renderer/src/lib/state/knock.svelte.js';
import { deferred, fail, FakeTransport, ok } from './fake-transport.js';

const tick = () => new Promise((r) => setTimeout(r, 0));
const listener = (id: string, port: number): ListenerInfo => ({
  id, protocol: 'tcp', host: '127.0.0.1', port, family: 'IPv4', responder: 'echo', exposed: false, createdAt: 1, activePeers: 0, totalPeers: 0,
});
const guard = (id: string, over: Partial<GuardInfo> = {}): GuardInfo => ({
  id,
  spec: { id, name: `g${id}`, sequence: [{ port: 7000, protocol: 'tcp' }, { port: 8000, protocol: 'udp' }], windowMs: 10000, openForMs: 30000, target: { kind: 'listener', listenerId: 'L1' } },
  state: 'armed', boundPorts: [], openSources: [], refused: 0, opened: 0, ...over,
});
const fwd = (id: string, kind: 'tcp' | 'udp') =>
  ({ id, spec: { kind, name: `web ${id}`, listenHost: '127.0.0.1', listenPort: 0, targetHost: 'h', targetPort: 80, allow: [], startWithApp: false }, state: 'listening', boundPort: 7001, saved: true, secretStored: false, activeConnections: 0, totalConnections: 0, bytesIn: 0, bytesOut: 0 }) as never;
const attempt = (at: number, outcome: KnockAttempt['outcome'] = 'progress'): KnockAttempt => ({ at, source: '127.0.0.1', guardId: 'G1', stepsMatched: 1, outcome, step: { port: 7000, protocol: 'tcp' } });

function setup(handlers: ConstructorParameters<typeof FakeTransport>[0] = {}) {
  const remembered: [string, string][] = [];
  const t = new FakeTransport({
    'knock.profiles.list': () => ok([{ id: 'K1', name: 'office', host: 'h', steps: [{ port: 1, protocol: 'tcp' }], delayMs: 100 }]),
    'knock.guards.list': () => ok([guard('G1')]),
    'knock.log': () => ok([attempt(1)]),
    'listeners.list': () => ok({ listeners: [listener('L1', 5000)], sessions: [] }),
    ...handlers,
  });
  const api = new Api(t);
  // The listeners and forwards a guard can protect come from the app's Listeners and Forwards state, which run all along.
  const consoles = new ConsolesState(api);
  const forwards = new ForwardsState(api, { tickMs: 0 });
  consoles.start();
  forwards.start();
  const s = new KnockState(api, { consoles, forwards }, { onRemember: (k, v) => remembered.push([k, v]) });
  return { t, s, remembered };
}

describe('KnockState', () => {
  it('loads profiles, guards and log on connect, follows their events, and shows the listeners and TCP forwards of the app state', async () => {
    const { t, s } = setup();
    const stop = s.start();
    await tick();
    expect(s.loaded).toBe(true);
    expect(s.profiles.map((p) => p.id)).toEqual(['K1']);
    expect(s.listeners.map((l) => l.id)).toEqual(['L1']);
    expect(s.log.map((e) => e.at)).toEqual([1]);
    t.emit('knock.attempt', { attempts: [attempt(2), attempt(3, 'opened')] });
    expect(s.log.map((e) => e.outcome)).toEqual(['progress', 'progress', 'opened']);
    t.emit('knock.guards.changed', { guards: [guard('G1', { opened: 1 })] });
    expect(s.guards[0]!.opened).toBe(1);
    s.guardForm = { ...s.guardForm, target: 'listener:L1' };
    t.emit('sessions.changed', { listeners: [listener('L2', 6000)], sessions: [], removedListeners: ['L1'], removedSessions: [] });
    expect(s.listeners.map((l) => l.id)).toEqual(['L2']);
    expect(s.guardForm.target).toBe('');
    t.emit('forwards.changed', { forwards: [fwd('f-1', 'tcp'), fwd('f-2', 'udp')], removed: [] });
    expect(s.forwards.map((f) => f.id)).toEqual(['f-1']);
    s.guardForm = { ...s.guardForm, target: 'forward:f-1' };
    expect(s.targetOf(guard('G9', { spec: { ...guard('G9').spec, target: { kind: 'forward', forwardId: 'f-1' } } }))).toEqual({
      what: 'forward web f-1',
      endpoint: { protocol: 'tcp', host: '127.0.0.1', port: 7001 },
    });
    t.emit('forwards.changed', { forwards: [], removed: ['f-1'] });
    expect(s.guardForm.target).toBe('');
    expect(s.targetOf(guard('G9', { spec: { ...guard('G9').spec, target: { kind: 'forward', forwardId: 'f-1' } } }))).toEqual({ what: 'forward f-1' });
    s.logGuard = 'G2';
    expect(s.shownLog).toEqual([]);
    stop();
  });

  it('keeps events that cross the load, without doubling the log', async () => {
    const log = deferred<ReturnType<typeof ok>>();
    const { t, s } = setup({ 'knock.log': () => log.promise });
    s.start();
    await tick();
    t.emit('knock.attempt', { attempts: [attempt(1), attempt(2)] });
    t.emit('knock.guards.changed', { guards: [guard('G1', { state: 'stopped' })] });
    log.resolve(ok([attempt(1)]));
    await tick();
    expect(s.log.map((e) => e.at)).toEqual([1, 2]);
    expect(s.guards[0]!.state).toBe('stopped');
  });

  it('knocks: steps appear as sent, then the result and check', async () => {
    const answer = deferred<ReturnType<typeof ok>>();
    const { t, s } = setup({ 'knock.send': () => answer.promise });
    s.start();
    s.setForm({ host: '127.0.0.1', steps: [stepRow('7000'), stepRow('8000', 'udp')], checkPort: '22' });
    const sending = s.send();
    const { runId, ...sent } = t.callsOf('knock.send')[0];
    expect(sent).toEqual({ host: '127.0.0.1', steps: [{ port: 7000, protocol: 'tcp' }, { port: 8000, protocol: 'udp' }], delayMs: 100, family: 'any', thenCheck: { port: 22, protocol: 'tcp' } });
    expect(s.run?.state).toBe('running');
    t.emit('knock.step', { runId, index: 0, step: { port: 7000, protocol: 'tcp' }, outcome: 'refused', sentAt: 1, attempt: 1 });
    t.emit('knock.step', { runId: 'other', index: 1, step: { port: 1, protocol: 'tcp' }, outcome: 'sent', sentAt: 1, attempt: 1 });
    expect(s.run?.steps.map((x) => x.port)).toEqual([7000]);
    await s.send(); // a second press while running does nothing
    expect(t.callsOf('knock.send')).toHaveLength(1);
    const steps = [
      { port: 7000, protocol: 'tcp', sentAt: 1, outcome: 'refused', attempt: 1 },
      { port: 8000, protocol: 'udp', sentAt: 2, outcome: 'sent', attempt: 1 },
    ];
    answer.resolve(ok({ runId, host: '127.0.0.1', address: '127.0.0.1', steps, check: { port: 22, reachable: true, retried: false, message: 'ok' } }));
    await sending;
    expect(s.run).toMatchObject({ state: 'done', result: { check: { reachable: true } } });
    expect(s.run?.steps).toHaveLength(2);
  });

  it('shows a failed knock with its sentence', async () => {
    const { s } = setup({ 'knock.send': () => fail('ENOTFOUND', 'nowhere has no address: check the name.') });
    s.setForm({ host: 'nowhere', steps: [stepRow('1')] });
    await s.send();
    expect(s.run).toMatchObject({ state: 'failed', error: 'nowhere has no address: check the name.' });
  });

  it('remembers the form and takes a prefill from a link', () => {
    const { s, remembered } = setup();
    s.applyIntent({ host: '10.0.0.1', check: '22' });
    expect(s.form).toMatchObject({ host: '10.0.0.1', checkPort: '22' });
    expect(remembered.at(-1)?.[0]).toBe(REMEMBER.form);
    const other = setup().s;
    other.restore((key) => (key === REMEMBER.form ? remembered.at(-1)![1] : key === REMEMBER.guard ? '5:60' : ''));
    expect(other.form.host).toBe('10.0.0.1');
    expect(other.guardForm).toMatchObject({ windowS: '5', openForS: '60' });
  });

  it('saves a new profile, updates the loaded one while its name is kept, and deletes', async () => {
    let n = 1;
    const { t, s } = setup({
      'knock.profiles.save': (input) => ok({ delayMs: 100, ...input, id: input.id ?? `K${++n}` }),
      'knock.profiles.delete': () => ok({ deleted: true }),
    });
    s.start();
    await tick();
    s.loadProfile('K1');
    expect(s.form.host).toBe('h');
    expect(s.replacing).toBe(true);
    await s.saveProfile();
    expect(t.callsOf('knock.profiles.save')[0]).toMatchObject({ id: 'K1', name: 'office' });
    s.profileName = 'home';
    expect(s.replacing).toBe(false);
    await s.saveProfile();
    expect(t.callsOf('knock.profiles.save')[1].id).toBeUndefined();
    expect(s.profiles.map((p) => p.id)).toEqual(['K1', 'K2']);
    await s.deleteProfile('K2');
    expect(s.profiles.map((p) => p.id)).toEqual(['K1']);
    expect(s.profileId).toBeNull();
  });

  it('imports a knockd.conf into the forms and exports chosen ids', async () => {
    const { t, s } = setup({
      'knock.importKnockd': () =>
        ok({
          profiles: [{ name: 'ssh', host: '', steps: [{ port: 7000, protocol: 'tcp' }], delayMs: 100, seqTimeoutMs: 5000 }],
          guards: [{ name: 'ssh', sequence: [{ port: 7000, protocol: 'tcp' }], windowMs: 5000, openForMs: 30000 }],
          notes: [{ section: 'ssh', note: 'command not imported' }],
        }),
      'knock.exportKnockd': () => ok({ text: '[ssh]\n' }),
    });
    await s.importText('   ');
    expect(s.importProblem?.message).toMatch(/Paste the content/);
    s.setForm({ host: 'server' });
    await s.importText('[ssh]\nsequence = 7000\n');
    s.useImportedProfile(0);
    expect(s.form).toMatchObject({ host: 'server' });
    expect(s.profileName).toBe('ssh');
    s.useImportedGuard(0);
    expect(s.guardForm).toMatchObject({ name: 'ssh', windowS: '5' });
    await s.importFiles([{ name: 'x.txt', text: 'nothing' }]);
    expect(s.importProblem?.message).toMatch(/no section with a sequence/);
    await s.exportIds(['K1', 'G1']);
    expect(t.callsOf('knock.exportKnockd')[0]).toEqual({ ids: ['K1', 'G1'] });
    expect(s.exportText).toBe('[ssh]\n');
  });

  it('creates, stops, starts and deletes guards; failures stay next to their guard', async () => {
    const { t, s } = setup({
      'knock.guards.create': (input) => ok(guard('G2', { spec: { ...guard('G2').spec, name: input.name } })),
      'knock.guards.stop': ({ id }) => ok(guard(id, { state: 'stopped' })),
      'knock.guards.start': () => fail('EADDRINUSE', 'Port 7000/tcp on 127.0.0.1 is in use by nc (pid 9).'),
      'knock.guards.delete': () => ok({ deleted: true }),
    });
    s.start();
    await tick();
    s.setGuardForm({ name: 'door', target: 'listener:L1', steps: [stepRow('7000'), stepRow('8000')] });
    expect(await s.createGuard()).toBe(true);
    expect(t.callsOf('knock.guards.create')[0]).toMatchObject({ name: 'door', target: { kind: 'listener', listenerId: 'L1' } });
    expect(s.guards.map((g) => g.id)).toEqual(['G1', 'G2']);
    expect(s.guardForm.name).toBe('');
    await s.stopGuard('G2');
    expect(s.guards[1]!.state).toBe('stopped');
    await s.startGuard('G2');
    expect(s.guardNotice).toMatchObject({ id: 'G2', code: 'EADDRINUSE' });
    await s.deleteGuard('G2');
    expect(s.guards.map((g) => g.id)).toEqual(['G1']);
    expect(s.guardNotice).toBeNull();
  });
});
