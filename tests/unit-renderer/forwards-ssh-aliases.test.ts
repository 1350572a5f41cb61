/**
 * ~/.ssh/config aliases in the forward form: the form's state reads `ssh.hosts` once each time
 * the form opens (an answer for an earlier opening is dropped, a failed read leaves plain text
 * fields), choosing an alias fills what the form does not have yet, an alias is not looked up in
 * DNS, and the SshHostAliases component only shows what the state holds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { flushSync, mount, tick, unmount } from 'svelte';
import { ForwardSpec, type SshHosts } from '../../src-main/contract/forwards.js';
import type { CallResult } from '../../src-main/contract/channels.js';
import { Api } from '../../src-renderer/src/lib/api/client.js';
import { AppState } from '../../src-renderer/src/lib/state/app.svelte.js';
import { ForwardsState } from '../../src-renderer/src/lib/state/forwards.svelte.js';
import ForwardFormDialog from '../../src-renderer/src/views/forwards/ForwardFormDialog.svelte';
import { deferred, fail, FakeTransport, ok } from './fake-transport.js';
import { forward } from './forward-info.js';
import WithApp from './harness/WithApp.svelte';

const WORK = { alias: 'work', hostName: '10.0.0.5', user: 'admin', port: 2222, proxyJump: 'hop@bastion' };
const LAB = { alias: 'lab', hostName: '127.0.0.1' };
const HOSTS: SshHosts = { file: '/home/me/.ssh/config', hosts: [WORK, LAB], problems: ['/home/me/.ssh/extra: permission denied; the rest of the config is used.'] };

/** A saved tunnel whose SSH host is the alias "work", with its own user and port. */
const onAlias = forward('t1', {
  spec: ForwardSpec.parse({ kind: 'ssh-local', name: 't1', listenPort: 15432, targetHost: 'db', targetPort: 5432, ssh: { host: 'work', port: 2200, username: 'me' } }),
});

const settle = () => new Promise((r) => setTimeout(r, 0));

function setup(hosts: () => CallResult | Promise<CallResult> = () => ok(HOSTS)) {
  const t = new FakeTransport({
    'forwards.list': () => ok({ forwards: [onAlias], path: '/data/forwards.json' }),
    'ssh.hosts': hosts,
    'dns.resolve': ({ host }) => ok({ host, addresses: ['192.0.2.4'] }),
  });
  const state = new ForwardsState(new Api(t), { tickMs: 0 });
  const stop = state.start();
  return { t, editor: state.editor, stop };
}

describe('the forward form reads the aliases of ~/.ssh/config', () => {
  it('once each time it opens, whatever the kind and however often it changes', async () => {
    const { t, editor, stop } = setup();
    await settle();
    expect(t.callsOf('ssh.hosts')).toEqual([]);
    editor.openNew();
    await settle();
    expect(t.callsOf('ssh.hosts')).toHaveLength(1);
    expect(editor.sshHosts.map((h) => h.alias)).toEqual(['work', 'lab']);
    expect(editor.sshHostProblems).toEqual(HOSTS.problems);
    expect([...editor.sshAliases]).toEqual(['work', 'lab']);
    for (const kind of ['ssh-local', 'tcp', 'ssh-dynamic', 'udp', 'ssh-remote'] as const) editor.setForm({ kind });
    await settle();
    expect(t.callsOf('ssh.hosts')).toHaveLength(1);
    editor.close();
    editor.openEdit('t1');
    await settle();
    expect(t.callsOf('ssh.hosts')).toHaveLength(2);
    editor.close();
    editor.openFromIntent({ targetHost: '127.0.0.1', targetPort: '80' });
    await settle();
    expect(t.callsOf('ssh.hosts')).toHaveLength(3);
    stop();
  });

  it('takes only the answer for the opening it was read for', async () => {
    const answers = [deferred<CallResult>(), deferred<CallResult>()];
    let n = 0;
    const { editor, stop } = setup(() => answers[n++]!.promise);
    editor.openNew();
    editor.close();
    editor.openNew();
    answers[1]!.resolve(ok({ ...HOSTS, hosts: [LAB], problems: [] }));
    await settle();
    answers[0]!.resolve(ok(HOSTS));
    await settle();
    expect(editor.sshHosts).toEqual([LAB]);
    expect(editor.sshHostProblems).toEqual([]);
    // A form closed before its answer takes none.
    answers.push(deferred<CallResult>());
    editor.close();
    editor.openNew();
    editor.close();
    answers[2]!.resolve(ok({ ...HOSTS, hosts: [WORK] }));
    await settle();
    expect(n).toBe(3);
    expect(editor.sshHosts).toEqual([LAB]);
    stop();
  });

  it('keeps no list when the read fails, and the SSH host is then a plain name', async () => {
    const { editor, stop } = setup(() => fail('ENOENT', 'no engine'));
    editor.openNew({ kind: 'ssh-local', sshHost: 'work' });
    await settle();
    expect(editor.sshHosts).toEqual([]);
    expect(editor.sshHostProblems).toEqual([]);
    expect(editor.sshAlias).toBeUndefined();
    expect(editor.resolutions.sshHost).toMatchObject({ host: 'work', status: 'waiting' });
    editor.setForm({ sshHost: 'lab' });
    expect(editor.form).toMatchObject({ sshUser: '', sshPort: '22' });
    stop();
  });

  it('a list from an earlier opening goes when the next read fails', async () => {
    let failNext = false;
    const { editor, stop } = setup(() => (failNext ? fail('ENOENT', 'gone') : ok(HOSTS)));
    editor.openNew();
    await settle();
    expect(editor.sshHosts).toHaveLength(2);
    editor.close();
    failNext = true;
    editor.openNew();
    await settle();
    expect(editor.sshHosts).toEqual([]);
    expect(editor.sshHostProblems).toEqual([]);
    stop();
  });
});

describe('choosing an alias in the form', () => {
  it('fills the user, port and jump host the form does not have yet, once the host changes to it', async () => {
    const { editor, stop } = setup();
    editor.openNew({ kind: 'ssh-local', sshUser: '', sshPort: '22', jump: '' });
    await settle();
    editor.setForm({ sshHost: 'wor' });
    expect(editor.form).toMatchObject({ sshUser: '', sshPort: '22', jump: '' });
    editor.setForm({ sshHost: 'work' });
    expect(editor.sshAlias).toEqual(WORK);
    expect(editor.form).toMatchObject({ sshHost: 'work', sshUser: 'admin', sshPort: '2222', jump: 'hop@bastion' });
    // Fields typed afterwards stay; choosing the same alias again (spaces around it) fills nothing.
    editor.setForm({ sshUser: 'me', sshPort: '22', jump: '' });
    editor.setForm({ sshHost: ' work ' });
    expect(editor.form).toMatchObject({ sshUser: 'me', sshPort: '22', jump: '' });
    // What the form has is kept: another alias fills only what is missing.
    editor.setForm({ sshHost: 'lab' });
    editor.setForm({ sshHost: 'work' });
    expect(editor.form).toMatchObject({ sshUser: 'me', sshPort: '2222', jump: 'hop@bastion' });
    stop();
  });

  it('a form opened on an alias (editing) keeps what it holds', async () => {
    const { editor, stop } = setup();
    await settle();
    editor.openEdit('t1');
    await settle();
    expect(editor.sshAlias).toEqual(WORK);
    expect(editor.form).toMatchObject({ sshHost: 'work', sshUser: 'me', sshPort: '2200', jump: '' });
    editor.setForm({ name: 'renamed' });
    expect(editor.form).toMatchObject({ sshUser: 'me', sshPort: '2200', jump: '' });
    stop();
  });

  it('does not look an alias up in DNS, and looks up a host that is none', async () => {
    const { t, editor, stop } = setup();
    editor.openNew({ kind: 'ssh-local', sshHost: 'work' });
    await settle();
    expect(editor.resolutions.sshHost).toBeUndefined();
    await editor.resolveField('sshHost');
    expect(t.callsOf('dns.resolve')).toEqual([]);
    editor.setForm({ sshHost: 'server.example' });
    await editor.resolveField('sshHost');
    expect(t.callsOf('dns.resolve')).toEqual([{ host: 'server.example' }]);
    stop();
  });
});

describe('SshHostAliases in the form dialog', () => {
  let shown: ReturnType<typeof mount> | undefined;
  afterEach(() => {
    if (shown) unmount(shown);
    shown = undefined;
    document.body.innerHTML = '';
  });

  it('shows the state’s aliases, where the chosen one leads and what could not be read, and reads nothing itself', async () => {
    const t = new FakeTransport({ 'ssh.hosts': () => ok(HOSTS), 'dns.resolve': ({ host }) => ok({ host, addresses: ['192.0.2.4'] }) });
    const app = new AppState(new Api(t));
    const editor = app.forwards.editor;
    editor.openNew({ kind: 'ssh-local', sshHost: '' });
    shown = mount(WithApp, { target: document.body, props: { app, view: ForwardFormDialog } });
    await settle();
    flushSync();
    const options = () => [...document.querySelectorAll<HTMLOptionElement>('#fwd-ssh-hosts option')].map((o) => [o.value, o.textContent]);
    expect(options()).toEqual([
      ['work', 'admin@10.0.0.5:2222'],
      ['lab', '127.0.0.1'],
    ]);
    expect(document.body.textContent).toContain('⚠ /home/me/.ssh/extra: permission denied');
    expect(document.querySelector('[data-testid="ssh-alias"]')).toBeNull();

    const host = document.querySelector<HTMLInputElement>('input[aria-label="SSH host"]')!;
    host.value = 'work';
    host.dispatchEvent(new Event('input', { bubbles: true }));
    flushSync();
    expect(document.querySelector('[data-testid="ssh-alias"]')?.textContent).toBe('~/.ssh/config: work is admin@10.0.0.5:2222, through hop@bastion');
    expect(document.querySelector<HTMLInputElement>('input[aria-label="SSH user"]')!.value).toBe('admin');
    expect(document.querySelector<HTMLInputElement>('input[aria-label="SSH port"]')!.value).toBe('2222');

    // The SSH fields come and go with the kind; the component that shows the aliases asks for nothing.
    editor.setForm({ kind: 'tcp' });
    flushSync();
    expect(document.getElementById('fwd-ssh-hosts')).toBeNull();
    editor.setForm({ kind: 'ssh-dynamic' });
    flushSync();
    await tick();
    expect(options()).toHaveLength(2);
    expect(t.callsOf('ssh.hosts')).toHaveLength(1);
  });
});
