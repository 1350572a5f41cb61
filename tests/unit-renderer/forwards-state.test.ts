import { describe, expect, it } from 'vitest';
import type { ForwardInfo, HostKeyPrompt } from '../../src-main/contract/forwards.js';
import { Api } from '../../src-renderer/src/lib/api/client.js';
import { ForwardsState, REMEMBER_FORM } from '../../src-renderer/src/lib/state/forwards.svelte.js';
import { fail, FakeTransport, ok } from './fake-transport.js';
import { forward } from './forward-info.js';

const tick = () => new Promise((r) => setTimeout(r, 0));
const BUSY = 'Port 8080/tcp on 127.0.0.1 is in use by nginx (pid 812). Stop that program, or choose another listen port for this forward.';

/** A state on a fake engine holding `initial` forwards; create/update/start answer like the engine. */
function setup(initial: ForwardInfo[] = [], handlers: Record<string, (input: any) => any> = {}, options: { bindCheckDelayMs?: number } = {}) {
  const remembered: Record<string, string> = {};
  const t = new FakeTransport({
    'forwards.list': () => ok({ forwards: initial, path: '/data/forwards.json' }),
    'forwards.create': ({ spec, start }) => ok(forward('f-new', { spec: { allow: [], startWithApp: false, ...spec }, ...(start ? { state: 'listening' as const, boundPort: 40001 } : {}) })),
    'forwards.update': ({ id, spec }) => ok(forward(id, { spec })),
    'forwards.start': ({ id }) => ok(forward(id, { state: 'listening', boundPort: 40001 })),
    'forwards.stop': ({ id }) => ok(forward(id)),
    ...Object.fromEntries(Object.entries(handlers).map(([k, h]) => [k, (input: any) => h(input)])),
  });
  const state = new ForwardsState(new Api(t), { onRemember: (k, v) => (remembered[k] = v), tickMs: 0, ...options });
  const stop = state.start();
  return { t, state, stop, remembered };
}

describe('ForwardsState', () => {
  it('lists once, applies changes that came meanwhile, then follows state, counters and connections', async () => {
    const t = new FakeTransport({
      'forwards.list': () => {
        t.emit('forwards.changed', { forwards: [forward('b')], removed: [] });
        return ok({ forwards: [forward('a', { state: 'listening' })], path: '/d/forwards.json', problem: 'forwards.json was damaged; kept as forwards.json.bad' });
      },
    });
    const state = new ForwardsState(new Api(t), { tickMs: 0 });
    const stop = state.start();
    await tick();
    expect(state.forwards.map((f) => f.id)).toEqual(['a', 'b']);
    expect(state.file).toEqual({ path: '/d/forwards.json', problem: 'forwards.json was damaged; kept as forwards.json.bad' });
    t.emit('forwards.traffic', { at: 1, items: [{ id: 'a', bytesIn: 100, bytesOut: 50, active: 1 }] });
    expect(state.forwards[0]).toMatchObject({ bytesIn: 100, bytesOut: 50, activeConnections: 1 });
    const c = { id: 'c1', forwardId: 'a', client: { address: '127.0.0.1', port: 5 }, target: { host: 'h', port: 7 }, bytesIn: 0, bytesOut: 0, openedAt: 1 };
    t.emit('forwards.connection', { event: 'opened', connection: c });
    expect(state.connectionsOf('a').open.map((x) => x.id)).toEqual(['c1']);
    t.emit('forwards.connection', { event: 'closed', connection: { ...c, closedAt: 2, error: { code: 'ECONNREFUSED', message: 'refused' } } });
    expect(state.connectionsOf('a')).toMatchObject({ open: [], closed: [{ id: 'c1', error: { code: 'ECONNREFUSED' } }] });
    // Stopping closes open connections without an event each: the log closes them itself.
    t.emit('forwards.connection', { event: 'opened', connection: { ...c, id: 'c2' } });
    t.emit('forwards.changed', { forwards: [forward('a', { state: 'stopped' })], removed: [] });
    expect(state.connectionsOf('a').open).toEqual([]);
    expect(state.connectionsOf('a').closed.map((x) => x.id)).toEqual(['c1', 'c2']);
    t.emit('forwards.changed', { forwards: [], removed: ['a'] });
    expect(state.forwards.map((f) => f.id)).toEqual(['b']);
    expect(state.logs).toEqual({});
    stop();
  });

  it('samples rates for the sparklines and counts down a retry', async () => {
    const { t, state, stop } = setup([forward('a', { state: 'listening', startedAt: 0 })]);
    await tick();
    state.tick(1000);
    t.emit('forwards.traffic', { at: 2, items: [{ id: 'a', bytesIn: 2000, bytesOut: 1000, active: 1 }] });
    state.tick(1500);
    expect(state.rates.a).toEqual({ in: [0, 4000], out: [0, 2000] });
    t.emit('forwards.changed', { forwards: [forward('a', { state: 'retrying', retryInMs: 5000 })], removed: [] });
    state.tick(Date.now() + 2100);
    expect(state.stateOf(state.forwards[0]!).text).toBe('retrying in 3s');
    stop();
  });

  it('creates from the form, starts it, remembers the form without secrets, and closes it', async () => {
    const { t, state, stop, remembered } = setup();
    await tick();
    state.openNew();
    state.setForm({ kind: 'ssh-local', targetHost: 'db', targetPort: '5432', listenPort: '5432', sshHost: 'bastion', sshUser: 'me', sshAuth: 'password', password: 's3cret' });
    expect(state.check.errors).toEqual({});
    const info = await state.submit();
    expect(info?.state).toBe('listening');
    const [create] = t.callsOf('forwards.create');
    // Started and saved in one call, kept only if it starts.
    expect(create).toMatchObject({ start: true, save: true, onlyIfStarted: true, secrets: { password: 's3cret' }, spec: { kind: 'ssh-local', name: 'db:5432 via bastion' } });
    expect(JSON.stringify(create.spec)).not.toContain('s3cret');
    expect(t.callsOf('forwards.start')).toEqual([]);
    expect(state.formMode).toBe('closed');
    expect(state.form.password).toBe('');
    expect(remembered[REMEMBER_FORM]).toBeDefined();
    expect(remembered[REMEMBER_FORM]).not.toContain('s3cret');
    // The next new form starts from what was remembered.
    state.openNew();
    expect(state.form).toMatchObject({ kind: 'ssh-local', sshHost: 'bastion', sshUser: 'me', sshAuth: 'password', password: '', targetHost: '' });
    stop();
  });

  it('saves only what starts: a busy port leaves the form "New" with the holder named, and "Save anyway" saves it stopped', async () => {
    const { t, state, stop } = setup([], { 'forwards.create': ({ spec, onlyIfStarted }) => (onlyIfStarted ? fail('EADDRINUSE', BUSY) : ok(forward('f-new', { spec }))) });
    await tick();
    state.openNew({ targetHost: '127.0.0.1', targetPort: '80', listenPort: '8080', name: 'web' });
    expect(await state.submit()).toBeNull();
    expect(state.formMode).toBe('new');
    expect(state.editingId).toBeNull();
    expect(state.forwards).toEqual([]);
    expect(state.formProblem).toEqual({ code: 'EADDRINUSE', message: BUSY, notStarted: true });
    expect(await state.saveAnyway()).toMatchObject({ id: 'f-new', state: 'stopped' });
    expect(t.callsOf('forwards.create').at(-1)).toMatchObject({ start: false, save: true, spec: { name: 'web', listenPort: 8080 } });
    expect(state.formMode).toBe('closed');
    expect(state.forwards.map((f) => f.spec.name)).toEqual(['web']);
    stop();
  });

  it('keeps an edited forward that could not start in the form, with the engine sentence naming the holder', async () => {
    const { t, state, stop } = setup([forward('web', { spec: { ...forward('web').spec, listenPort: 8000 } })], { 'forwards.start': () => fail('EADDRINUSE', BUSY) });
    await tick();
    state.openEdit('web');
    state.setForm({ listenPort: '8080', startNow: true });
    expect(await state.submit()).toBeNull();
    expect(state.formMode).toBe('edit');
    expect(state.formProblem).toEqual({ code: 'EADDRINUSE', message: BUSY, afterSave: true });
    t.handlers['forwards.start'] = ({ id }) => ok(forward(id, { state: 'listening' }));
    state.setForm({ listenPort: '0' });
    expect(state.formProblem).toBeNull();
    await state.submit();
    expect(t.callsOf('forwards.create')).toHaveLength(0);
    expect(t.callsOf('forwards.update').at(-1)).toMatchObject({ id: 'web', spec: { listenPort: 0 } });
    expect(state.formMode).toBe('closed');
    stop();
  });

  it('checks the listen port while typing (a bind check here), names the holder and offers the next free port', async () => {
    const busy = new Set([8080, 8081]);
    const { t, state, stop } = setup([], {
      'dictionary.bindCheck': ({ port, protocol, host }) =>
        ok({ port, protocol, host, status: busy.has(port) ? 'in-use' : 'free', message: busy.has(port) ? `Port ${port}/${protocol} on ${host} is in use by nginx (pid 812).` : `Port ${port} is free.` }),
    }, { bindCheckDelayMs: 5 });
    await tick();
    state.openNew({ targetHost: '127.0.0.1', targetPort: '80' });
    expect(state.listenCheck).toBeNull(); // port 0: any free port, nothing to check
    state.setForm({ listenPort: '80' });
    state.setForm({ listenPort: '808' });
    state.setForm({ listenPort: '8080' });
    expect(state.listenCheck).toMatchObject({ status: 'checking' });
    await new Promise((r) => setTimeout(r, 30));
    // Only the last text was checked, then the ports above it until a free one.
    expect(t.callsOf('dictionary.bindCheck').map((c) => c.port)).toEqual([8080, 8081, 8082]);
    expect(t.callsOf('dictionary.bindCheck')[0]).toEqual({ port: 8080, protocol: 'tcp', host: '127.0.0.1' });
    expect(state.listenCheck).toEqual({ key: 'tcp 127.0.0.1 8080', status: 'in-use', message: 'Port 8080/tcp on 127.0.0.1 is in use by nginx (pid 812).', nextFree: 8082 });
    state.useListenPort(8082);
    await new Promise((r) => setTimeout(r, 30));
    expect(state.form.listenPort).toBe('8082');
    expect(state.listenCheck).toMatchObject({ status: 'free' });
    // UDP asks about UDP; SSH -R listens on the server: nothing to check here.
    state.setForm({ kind: 'udp' });
    await new Promise((r) => setTimeout(r, 30));
    expect(t.callsOf('dictionary.bindCheck').at(-1)).toMatchObject({ port: 8082, protocol: 'udp' });
    state.setForm({ kind: 'ssh-remote' });
    expect(state.listenCheck).toBeNull();
    stop();
  });

  it('keeps generating the name of a forward whose name was never typed, also when editing it', async () => {
    const tcpSpec = (name: string) => ({ kind: 'tcp' as const, name, listenHost: '127.0.0.1', listenPort: 0, allow: [], startWithApp: false, targetHost: '127.0.0.1', targetPort: 18500 });
    const { state, stop } = setup([forward('f1', { spec: tcpSpec('127.0.0.1:18500') }), forward('typed', { spec: tcpSpec('my web') })]);
    await tick();
    state.openEdit('f1');
    expect(state.form.name).toBe('');
    state.setForm({ targetHost: 'nosuchhost.invalid', targetPort: '18501' });
    expect(state.check.name).toBe('nosuchhost.invalid:18501');
    state.openEdit('typed');
    expect(state.form.name).toBe('my web');
    stop();
  });

  it('shows an INVALID_INPUT answer against its field, and refuses a name taken by another forward', async () => {
    const { state, stop } = setup([forward('web')], { 'forwards.create': () => fail('INVALID_INPUT', 'spec.targetHost: Give a host: an IP address or a name.') });
    await tick();
    state.openNew({ targetHost: 'x', targetPort: '1', name: 'web' });
    expect(state.check.errors.name).toMatch(/exists already/);
    expect(await state.submit()).toBeNull();
    state.setForm({ name: 'other' });
    await state.submit();
    expect(state.problemField).toBe('targetHost');
    // Editing "web" itself keeps its own name.
    state.openEdit('web');
    expect(state.check.errors.name).toBeUndefined();
    stop();
  });

  it('toggles, duplicates, and deletes only after confirmation', async () => {
    const { t, state, stop } = setup([forward('a')], {
      'forwards.duplicate': () => ok(forward('a2')),
      'forwards.delete': () => ok({ deleted: true }),
    });
    await tick();
    await state.toggle('a');
    expect(state.forwards[0]!.state).toBe('listening');
    await state.toggle('a');
    expect(t.callsOf('forwards.stop')).toEqual([{ id: 'a' }]);
    await state.duplicate('a');
    expect(state.forwards.map((f) => f.id)).toEqual(['a', 'a2']);
    state.askDelete('a2');
    state.cancelDelete();
    expect(t.callsOf('forwards.delete')).toEqual([]);
    state.askDelete('a2');
    await state.confirmDelete();
    expect(t.callsOf('forwards.delete')).toEqual([{ id: 'a2' }]);
    expect(state.forwards.map((f) => f.id)).toEqual(['a']);
    stop();
  });

  it('keeps a start failure on the card', async () => {
    const { state, stop } = setup([forward('a')], { 'forwards.start': () => fail('EADDRINUSE', BUSY) });
    await tick();
    await state.toggle('a');
    expect(state.problems.a).toEqual({ code: 'EADDRINUSE', message: BUSY });
    stop();
  });

  it('exports JSON and imports a file, with plain sentences for bad files', async () => {
    const doc = { format: 'portolan-forwards', version: 1, forwards: [forward('a').spec] };
    const { t, state, stop } = setup([forward('a')], {
      'forwards.export': () => ok(doc),
      'forwards.import': (input) => (input.format === 'portolan-forwards' ? ok({ imported: [forward('a (2)')] }) : fail('INVALID_INPUT', 'format: Invalid input')),
    });
    await tick();
    expect(JSON.parse((await state.exportJson())!)).toEqual(doc);
    expect(await state.importJson('{ nope', 'x.json')).toEqual([]);
    expect(state.notice).toMatchObject({ tone: 'bad', message: expect.stringMatching(/^x\.json is not JSON/) });
    expect(t.callsOf('forwards.import')).toEqual([]);
    await state.importJson('{"format":"other"}', 'y.json');
    expect(state.notice?.message).toBe('Could not import y.json: format: Invalid input');
    await state.importJson(JSON.stringify(doc), 'z.json');
    expect(state.notice).toEqual({ tone: 'ok', message: 'Imported 1 forward, stopped: a (2).' });
    expect(state.forwards.map((f) => f.id)).toEqual(['a', 'a (2)']);
    stop();
  });

  it('asks about unknown SSH host keys: accept sends the fingerprint, reject trusts nothing', async () => {
    const { t, state, stop } = setup([forward('s')], { 'forwards.hostKey.accept': ({ forwardId }) => ok(forward(forwardId, { state: 'connecting' })) });
    await tick();
    const prompt: HostKeyPrompt = { forwardId: 's', host: '127.0.0.1', port: 2222, fingerprint: 'SHA256:abcdefgh', keyType: 'ssh-ed25519', known: false };
    t.emit('forwards.hostKey', prompt);
    t.emit('forwards.hostKey', prompt);
    expect(state.hostKeys).toEqual([prompt]);
    state.rejectHostKey();
    expect(state.hostKeys).toEqual([]);
    expect(t.callsOf('forwards.hostKey.accept')).toEqual([]);
    t.emit('forwards.hostKey', prompt);
    await state.acceptHostKey();
    expect(t.callsOf('forwards.hostKey.accept')).toEqual([{ forwardId: 's', fingerprint: 'SHA256:abcdefgh' }]);
    expect(state.hostKeys).toEqual([]);
    expect(state.forwards[0]!.state).toBe('connecting');
    stop();
  });

  it("opens the new form from another view's link, and restores remembered defaults", async () => {
    const { state, stop } = setup();
    state.restore((key) => (key === REMEMBER_FORM ? '{"listenHost":"::1","kind":"udp"}' : ''));
    expect(state.form).toMatchObject({ listenHost: '::1', kind: 'udp' });
    state.openFromIntent({ targetHost: '10.0.0.2', targetPort: '22', listenPort: '2222', proto: 'tcp' });
    expect(state.formMode).toBe('new');
    expect(state.form).toMatchObject({ kind: 'tcp', listenHost: '::1', targetHost: '10.0.0.2', targetPort: '22', listenPort: '2222' });
    stop();
  });

  it("a notification's link (focus) names a forward to show, and opens no form", () => {
    const { state, stop } = setup();
    state.openFromIntent({ focus: 'fw-1' });
    expect([state.focusedId, state.formMode]).toEqual(['fw-1', 'closed']);
    stop();
  });

  it('reads the connection log when shown, and polls live bytes of open connections', async () => {
    let bytes = 10;
    const { t, state, stop } = setup([forward('a', { state: 'listening', activeConnections: 1 })], {
      'forwards.connections': () =>
        ok({ connections: [{ id: 'c1', forwardId: 'a', client: { address: '127.0.0.1', port: 5 }, target: { host: 'h', port: 7 }, bytesIn: (bytes += 10), bytesOut: 0, openedAt: 1 }] }),
    });
    await tick();
    await state.toggleConnections('a');
    expect(state.connectionsOf('a').open[0]!.bytesIn).toBe(20);
    state.tick(Date.now() + 5000);
    await tick();
    expect(state.connectionsOf('a').open[0]!.bytesIn).toBe(30);
    await state.toggleConnections('a');
    state.tick(Date.now() + 10000);
    await tick();
    expect(t.callsOf('forwards.connections')).toHaveLength(2);
    stop();
  });
});
