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
    'forwards.create': ({ spec, start }) => ok({ info: forward('f-new', { spec: { allow: [], startWithApp: false, ...spec }, ...(start ? { state: 'listening' as const, boundPort: 40001 } : {}) }) }),
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
    state.editor.openNew();
    state.editor.setForm({ kind: 'ssh-local', targetHost: 'db', targetPort: '5432', listenPort: '5432', sshHost: 'bastion', sshUser: 'me', sshAuth: 'password', password: 's3cret' });
    expect(state.editor.check.errors).toEqual({});
    const info = await state.editor.submit();
    expect(info?.state).toBe('listening');
    const [create] = t.callsOf('forwards.create');
    // Started and saved in one call, kept only if it starts.
    expect(create).toMatchObject({ start: true, save: true, onlyIfStarted: true, secrets: { password: 's3cret' }, spec: { kind: 'ssh-local', name: 'db:5432 via bastion' } });
    expect(JSON.stringify(create.spec)).not.toContain('s3cret');
    expect(t.callsOf('forwards.start')).toEqual([]);
    expect(state.editor.mode).toBe('closed');
    expect(state.editor.form.password).toBe('');
    expect(remembered[REMEMBER_FORM]).toBeDefined();
    expect(remembered[REMEMBER_FORM]).not.toContain('s3cret');
    // The next new form starts from what was remembered.
    state.editor.openNew();
    expect(state.editor.form).toMatchObject({ kind: 'ssh-local', sshHost: 'bastion', sshUser: 'me', sshAuth: 'password', password: '', targetHost: '' });
    stop();
  });

  it('saves only what starts: a busy port leaves the form "New" with the holder named and the port marked, and "Save anyway" saves it stopped', async () => {
    const { t, state, stop } = setup([], {
      // The engine's answer in one call: nothing kept (no info), and why, naming the field it concerns.
      'forwards.create': ({ spec, onlyIfStarted }) =>
        onlyIfStarted ? ok({ startError: { code: 'EADDRINUSE', message: BUSY, path: ['spec', 'listenPort'] } }) : ok({ info: forward('f-new', { spec }) }),
    });
    await tick();
    state.editor.openNew({ targetHost: '127.0.0.1', targetPort: '80', listenPort: '8080', name: 'web' });
    expect(await state.editor.submit()).toBeNull();
    expect(t.callsOf('forwards.create')).toHaveLength(1);
    expect(t.callsOf('forwards.start')).toEqual([]);
    expect(state.editor.mode).toBe('new');
    expect(state.editor.editingId).toBeNull();
    expect(state.forwards).toEqual([]);
    expect(state.editor.problem).toEqual({ code: 'EADDRINUSE', message: BUSY, path: ['spec', 'listenPort'], notStarted: true });
    expect(state.editor.problemField).toBe('listenPort');
    expect(await state.editor.saveAnyway()).toMatchObject({ id: 'f-new', state: 'stopped' });
    expect(t.callsOf('forwards.create').at(-1)).toMatchObject({ start: false, save: true, spec: { name: 'web', listenPort: 8080 } });
    expect(state.editor.mode).toBe('closed');
    expect(state.forwards.map((f) => f.spec.name)).toEqual(['web']);
    stop();
  });

  it('keeps an edited forward that could not start in the form, with the engine sentence naming the holder', async () => {
    const { t, state, stop } = setup([forward('web', { spec: { ...forward('web').spec, listenPort: 8000 } })], { 'forwards.start': () => fail('EADDRINUSE', BUSY) });
    await tick();
    state.editor.openEdit('web');
    state.editor.setForm({ listenPort: '8080', startNow: true });
    expect(await state.editor.submit()).toBeNull();
    expect(state.editor.mode).toBe('edit');
    expect(state.editor.problem).toEqual({ code: 'EADDRINUSE', message: BUSY, afterSave: true });
    t.handlers['forwards.start'] = ({ id }) => ok(forward(id, { state: 'listening' }));
    state.editor.setForm({ listenPort: '0' });
    expect(state.editor.problem).toBeNull();
    await state.editor.submit();
    expect(t.callsOf('forwards.create')).toHaveLength(0);
    expect(t.callsOf('forwards.update').at(-1)).toMatchObject({ id: 'web', spec: { listenPort: 0 } });
    expect(state.editor.mode).toBe('closed');
    stop();
  });

  it('checks the listen port while typing (a bind check here), names the holder and offers the next free port', async () => {
    const busy = new Set([8080, 8081]);
    const { t, state, stop } = setup([], {
      'dictionary.bindCheck': ({ port, protocol, host }) =>
        ok({ port, protocol, host, status: busy.has(port) ? 'in-use' : 'free', message: busy.has(port) ? `Port ${port}/${protocol} on ${host} is in use by nginx (pid 812).` : `Port ${port} is free.` }),
    }, { bindCheckDelayMs: 5 });
    await tick();
    state.editor.openNew({ targetHost: '127.0.0.1', targetPort: '80' });
    expect(state.editor.listenCheck).toBeNull(); // port 0: any free port, nothing to check
    state.editor.setForm({ listenPort: '80' });
    state.editor.setForm({ listenPort: '808' });
    state.editor.setForm({ listenPort: '8080' });
    expect(state.editor.listenCheck).toMatchObject({ status: 'checking' });
    await new Promise((r) => setTimeout(r, 30));
    // Only the last text was checked, then the ports above it until a free one.
    expect(t.callsOf('dictionary.bindCheck').map((c) => c.port)).toEqual([8080, 8081, 8082]);
    expect(t.callsOf('dictionary.bindCheck')[0]).toEqual({ port: 8080, protocol: 'tcp', host: '127.0.0.1' });
    expect(state.editor.listenCheck).toEqual({ key: 'tcp 127.0.0.1 8080', status: 'in-use', message: 'Port 8080/tcp on 127.0.0.1 is in use by nginx (pid 812).', nextFree: 8082 });
    state.editor.useListenPort(8082);
    await new Promise((r) => setTimeout(r, 30));
    expect(state.editor.form.listenPort).toBe('8082');
    expect(state.editor.listenCheck).toMatchObject({ status: 'free' });
    // UDP asks about UDP; SSH -R listens on the server: nothing to check here.
    state.editor.setForm({ kind: 'udp' });
    await new Promise((r) => setTimeout(r, 30));
    expect(t.callsOf('dictionary.bindCheck').at(-1)).toMatchObject({ port: 8082, protocol: 'udp' });
    state.editor.setForm({ kind: 'ssh-remote' });
    expect(state.editor.listenCheck).toBeNull();
    stop();
  });

  it('keeps generating the name of a forward whose name was never typed, also when editing it', async () => {
    const tcpSpec = (name: string) => ({ kind: 'tcp' as const, name, listenHost: '127.0.0.1', listenPort: 0, allow: [], startWithApp: false, targetHost: '127.0.0.1', targetPort: 18500 });
    const { state, stop } = setup([forward('f1', { spec: tcpSpec('127.0.0.1:18500') }), forward('typed', { spec: tcpSpec('my web') })]);
    await tick();
    state.editor.openEdit('f1');
    expect(state.editor.form.name).toBe('');
    state.editor.setForm({ targetHost: 'nosuchhost.invalid', targetPort: '18501' });
    expect(state.editor.check.name).toBe('nosuchhost.invalid:18501');
    state.editor.openEdit('typed');
    expect(state.editor.form.name).toBe('my web');
    stop();
  });

  it('shows an INVALID_INPUT answer against the field its path names, and refuses a name taken by another forward', async () => {
    const { state, stop } = setup([forward('web')], {
      'forwards.create': () => ({ ok: false, error: { code: 'INVALID_INPUT', message: 'spec.targetHost: Give a host: an IP address or a name.', path: ['spec', 'targetHost'] } }),
    });
    await tick();
    state.editor.openNew({ targetHost: 'x', targetPort: '1', name: 'web' });
    expect(state.editor.check.errors.name).toMatch(/exists already/);
    expect(await state.editor.submit()).toBeNull();
    state.editor.setForm({ name: 'other' });
    await state.editor.submit();
    expect(state.editor.problemField).toBe('targetHost');
    expect(state.editor.problem).toMatchObject({ code: 'INVALID_INPUT', path: ['spec', 'targetHost'] });
    expect(state.editor.problem?.notStarted).toBeUndefined();
    // Editing "web" itself keeps its own name.
    state.editor.openEdit('web');
    expect(state.editor.check.errors.name).toBeUndefined();
    stop();
  });

  it('a new forward kept though it did not start (no onlyIfStarted) turns the form into its edit: saving again does not make a second one', async () => {
    const { t, state, stop } = setup([], {
      'forwards.create': ({ spec }) => ok({ info: forward('f-kept', { spec, state: 'failed', error: { code: 'EADDRINUSE', message: BUSY } }), startError: { code: 'EADDRINUSE', message: BUSY, path: ['spec', 'listenPort'] } }),
    });
    await tick();
    state.editor.openNew({ targetHost: '127.0.0.1', targetPort: '80', listenPort: '8080', name: 'web' });
    // The answer a create without onlyIfStarted gets (kept, failed, and why): the form copes with it too.
    await state.editor.submit();
    expect(t.callsOf('forwards.create')).toHaveLength(1);
    expect(state.forwards.map((f) => f.id)).toEqual(['f-kept']);
    expect(state.editor.problem).toMatchObject({ code: 'EADDRINUSE', afterSave: true });
    expect(state.editor.mode).toBe('edit');
    expect(state.editor.editingId).toBe('f-kept');
    stop();
  });

  it('marks a field only from the path: a sentence that looks like one names none, a refused file names none', async () => {
    const answers = [
      { ok: false as const, error: { code: 'INVALID_INPUT', message: 'spec.listenPort: looks like a path, but the engine gave none' } },
      { ok: false as const, error: { code: 'INTERNAL', message: 'The forward could not be saved in /data/forwards.json: disk full.' } },
      { ok: false as const, error: { code: 'INVALID_INPUT', message: 'A forward named "x" exists already; choose another name.', path: ['spec', 'name'] } },
      { ok: false as const, error: { code: 'INVALID_INPUT', message: 'spec.allow.1: "x" is not an address block', path: ['spec', 'allow', 1] } },
    ];
    const { state, stop } = setup([], { 'forwards.create': () => answers.shift()! });
    await tick();
    state.editor.openNew({ targetHost: '127.0.0.1', targetPort: '80', name: 'x' });
    const fields = [];
    for (let i = 0; i < 4; i++) {
      expect(await state.editor.submit()).toBeNull();
      fields.push(state.editor.problemField);
      // A refusal is not a start failure: no "Save anyway".
      expect(state.editor.problem?.notStarted).toBeUndefined();
    }
    expect(fields).toEqual([undefined, undefined, 'name', 'allow']);
    expect(state.editor.mode).toBe('new');
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
    expect(state.hostKeys.waiting).toEqual([prompt]);
    state.hostKeys.reject();
    expect(state.hostKeys.waiting).toEqual([]);
    expect(t.callsOf('forwards.hostKey.accept')).toEqual([]);
    t.emit('forwards.hostKey', prompt);
    await state.hostKeys.accept();
    expect(t.callsOf('forwards.hostKey.accept')).toEqual([{ forwardId: 's', fingerprint: 'SHA256:abcdefgh' }]);
    expect(state.hostKeys.waiting).toEqual([]);
    expect(state.forwards[0]!.state).toBe('connecting');
    stop();
  });

  it("opens the new form from another view's link, and restores remembered defaults", async () => {
    const { state, stop } = setup();
    state.editor.restore((key) => (key === REMEMBER_FORM ? '{"listenHost":"::1","kind":"udp"}' : ''));
    expect(state.editor.form).toMatchObject({ listenHost: '::1', kind: 'udp' });
    state.editor.openFromIntent({ targetHost: '10.0.0.2', targetPort: '22', listenPort: '2222', proto: 'tcp' });
    expect(state.editor.mode).toBe('new');
    expect(state.editor.form).toMatchObject({ kind: 'tcp', listenHost: '::1', targetHost: '10.0.0.2', targetPort: '22', listenPort: '2222' });
    stop();
  });

  it("a notification's link (focus) names a forward to show, and opens no form", () => {
    const { state, stop } = setup();
    state.openFromIntent({ focus: 'fw-1' });
    expect([state.focusedId, state.editor.mode]).toEqual(['fw-1', 'closed']);
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
