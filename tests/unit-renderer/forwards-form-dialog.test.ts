/**
 * The forward form dialog in jsdom: an engine error marks the field its `path` names (Field:
 * aria-invalid, the sentence under it named by aria-describedby), a start failure stays in the box
 * with "Save anyway" and marks the port, and the SSH fields are their own fieldset.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { flushSync, mount, tick, unmount } from 'svelte';
import { Api } from '../../src-renderer/src/lib/api/client.js';
import { AppState } from '../../src-renderer/src/lib/state/app.svelte.js';
import ForwardFormDialog from '../../src-renderer/src/views/forwards/ForwardFormDialog.svelte';
import { FakeTransport, ok } from './fake-transport.js';
import { forward } from './forward-info.js';
import WithApp from './harness/WithApp.svelte';

const BUSY = 'Port 8080/tcp on 127.0.0.1 is in use by nginx (pid 812). Stop that program, or choose another listen port for this forward.';
let shown: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (shown) unmount(shown);
  shown = undefined;
  document.body.innerHTML = '';
});

function open(create: (input: any) => any) {
  const t = new FakeTransport({ 'forwards.create': create, 'dns.resolve': ({ host }) => ok({ host, addresses: ['127.0.0.1'] }) });
  const app = new AppState(new Api(t));
  const editor = app.forwards.editor;
  editor.openNew({ targetHost: '127.0.0.1', targetPort: '80', listenPort: '8080', name: 'web' });
  shown = mount(WithApp, { target: document.body, props: { app, view: ForwardFormDialog } });
  flushSync();
  const input = (name: string) => document.querySelector<HTMLInputElement>(`input[aria-label="${name}"]`)!;
  const describedText = (el: HTMLElement) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent?.trim())
      .filter(Boolean);
  return { t, app, editor, input, describedText };
}

describe('ForwardFormDialog', () => {
  it('marks the field an INVALID_INPUT path names, with the sentence under it and not in a box', async () => {
    const { editor, input, describedText } = open(() => ({
      ok: false,
      error: { code: 'INVALID_INPUT', message: 'spec.targetHost: A host is an IP address or a name, without spaces or slashes.', path: ['spec', 'targetHost'] },
    }));
    expect(input('Target host').getAttribute('aria-invalid')).toBe('false');
    await editor.submit();
    await tick();
    flushSync();
    const host = input('Target host');
    expect(host.getAttribute('aria-invalid')).toBe('true');
    expect(describedText(host)).toContain('A host is an IP address or a name, without spaces or slashes.');
    expect(document.getElementById('fwd-targetHost-error')?.className).toContain('invalid');
    expect(input('Listen port').getAttribute('aria-invalid')).toBe('false');
    expect(document.querySelector('[role="alert"]')).toBeNull();
    // Typing clears the engine's answer.
    editor.setForm({ targetHost: '127.0.0.2' });
    flushSync();
    expect(input('Target host').getAttribute('aria-invalid')).toBe('false');
  });

  it('keeps a start failure in the box with "Save anyway", and marks the listen port it names', async () => {
    const { t, editor, input, describedText } = open(({ spec, onlyIfStarted }) =>
      onlyIfStarted ? ok({ startError: { code: 'EADDRINUSE', message: BUSY, path: ['spec', 'listenPort'] } }) : ok({ info: forward('f-new', { spec }) }),
    );
    await editor.submit();
    await tick();
    flushSync();
    expect(t.callsOf('forwards.create')).toHaveLength(1);
    const port = input('Listen port');
    expect(port.getAttribute('aria-invalid')).toBe('true');
    const alert = document.querySelector('[role="alert"]')!;
    expect(alert.textContent).toMatch(/It could not start, so it was not saved:\s*Port 8080\/tcp on 127\.0\.0\.1 is in use by nginx/);
    expect(describedText(port).join(' ')).toContain('It could not start');
    expect([...alert.querySelectorAll('button')].map((b) => b.textContent)).toEqual(['Save anyway (stopped)']);
  });

  it('shows the SSH fields in their own fieldset, each labelled, and the field checks there too', async () => {
    const { editor, input } = open(() => ok({}));
    editor.setForm({ kind: 'ssh-local', sshHost: '', sshUser: 'me', sshAuth: 'password' });
    flushSync();
    const fieldset = document.querySelector('fieldset')!;
    expect(fieldset.querySelector('legend')?.textContent).toBe('SSH server');
    for (const name of ['SSH user', 'SSH host', 'SSH port', 'Keep-alive seconds', 'Password']) expect(fieldset.contains(input(name)), name).toBe(true);
    expect((document.querySelector('label[for="fwd-sshHost"]') as HTMLLabelElement).textContent).toBe('Host');
    // A save attempt with an empty SSH host shows its error under it.
    document.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await tick();
    flushSync();
    expect(input('SSH host').getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById('fwd-sshHost-error')?.textContent).toMatch(/\S/);
  });
});
