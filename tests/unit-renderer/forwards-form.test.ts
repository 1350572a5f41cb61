import { describe, expect, it } from 'vitest';
import { calls } from '../../src-main/contract/api.js';
import { ForwardSpec, type ForwardInfo } from '../../src-main/contract/forwards.js';
import { forwardExposure as exposureSentence } from '../../src-main/contract/net-notes.js';
import {
  checkForm,
  decodeRemembered,
  DEFAULT_FORM,
  encodeRemembered,
  exposureOf,
  fieldOfPath,
  sentenceUnderField,
  formFromInfo,
  formFromIntent,
  hostProblem,
  suggestName,
  type ForwardForm,
} from '../../src-renderer/src/lib/forwards/form.js';

const tcp = (over: Partial<ForwardForm> = {}): ForwardForm => ({ ...DEFAULT_FORM, targetHost: '127.0.0.1', targetPort: '7000', ...over });
const ssh = (kind: ForwardForm['kind'], over: Partial<ForwardForm> = {}): ForwardForm =>
  tcp({ kind, sshHost: 'server.example', sshUser: 'me', ...over });

describe('the forward form', () => {
  it('checks ports as the user types, with clear sentences', () => {
    expect(checkForm(tcp({ listenPort: '70000' })).errors.listenPort).toBe('Listen ports go from 0 (any free port) to 65535.');
    expect(checkForm(tcp({ listenPort: 'abc' })).errors.listenPort).toMatch(/0 \(any free port\) to 65535/);
    expect(checkForm(tcp({ listenPort: '' })).spec).toMatchObject({ listenPort: 0 });
    expect(checkForm(tcp({ listenPort: '0' })).errors.listenPort).toBeUndefined();
    expect(checkForm(tcp({ targetPort: '0' })).errors.targetPort).toBe('Target ports go from 1 to 65535.');
    expect(checkForm(tcp({ targetPort: '' })).errors.targetPort).toBe('Give the target port (1 to 65535).');
    expect(checkForm(ssh('ssh-local', { sshPort: '0' })).errors.sshPort).toMatch(/1 to 65535/);
    expect(checkForm(tcp({ targetHost: '192.0.2.7', targetPort: '65535', listenPort: '65535' })).spec).toMatchObject({ targetPort: 65535, listenPort: 65535 });
  });

  it('checks addresses and names', () => {
    expect(hostProblem('', 'the target host')).toBe('Give the target host: an IP address or a name.');
    expect(hostProblem('10.0.0.256', 'x')).toMatch(/not a valid IPv4 address/);
    expect(hostProblem('fe80::1::2', 'x')).toMatch(/not a valid IPv6 address/);
    expect(hostProblem('my host', 'the target host')).toMatch(/without spaces or slashes/);
    expect(hostProblem('bad_host!', 'x')).toMatch(/not a host name/);
    for (const ok of ['127.0.0.1', '::1', '[::1]', 'example.com', 'db-1.internal', 'localhost', '0.0.0.0', '::']) expect(hostProblem(ok, 'x')).toBeUndefined();
    expect(checkForm(tcp({ listenHost: '[::1]' })).spec).toMatchObject({ listenHost: '::1' });
  });

  it('checks the CIDR allowlist entry by entry', () => {
    expect(checkForm(tcp({ allow: '10.0.0.0/8, 192.168.1.7\n::1 fd00::/8' })).spec).toMatchObject({ allow: ['10.0.0.0/8', '192.168.1.7', '::1', 'fd00::/8'] });
    expect(checkForm(tcp({ allow: '10.0.0.0/33' })).errors.allow).toMatch(/"10\.0\.0\.0\/33" is not an address block/);
    expect(checkForm(tcp({ allow: 'example.com' })).errors.allow).toMatch(/not an address block/);
    expect(checkForm(tcp({ allow: '' })).spec).toMatchObject({ allow: [] });
  });

  it('asks for the SSH login of tunnels, and a password only when none is stored', () => {
    const bare = checkForm(ssh('ssh-local', { sshHost: '', sshUser: '' }));
    expect(bare.errors.sshHost).toMatch(/Give the SSH server/);
    expect(bare.errors.sshUser).toBe('Give the user name to log in as.');
    expect(checkForm(ssh('ssh-local', { sshAuth: 'password' })).errors.password).toMatch(/Give the password/);
    expect(checkForm(ssh('ssh-local', { sshAuth: 'password' }), { secretStored: true }).errors.password).toBeUndefined();
    expect(checkForm(ssh('ssh-dynamic', { targetHost: '', targetPort: '' })).errors).toEqual({});
  });

  it('sends secrets separately: typed ones go, an empty field keeps the stored one, agent auth forgets it', () => {
    expect(checkForm(ssh('ssh-local', { sshAuth: 'password', password: 'pw' })).secrets).toEqual({ password: 'pw' });
    expect(checkForm(ssh('ssh-local', { sshAuth: 'key', passphrase: 'pp', keyPath: '~/.ssh/k' })).secrets).toEqual({ passphrase: 'pp' });
    expect(checkForm(ssh('ssh-local', { sshAuth: 'password' }), { secretStored: true }).secrets).toBeUndefined();
    expect(checkForm(ssh('ssh-local', { sshAuth: 'agent' }), { secretStored: true }).secrets).toEqual({});
    const spec = checkForm(ssh('ssh-local', { sshAuth: 'password', password: 'pw' })).spec;
    expect(JSON.stringify(spec)).not.toContain('pw');
  });

  it('makes specs the contract accepts, for every kind', () => {
    const forms: ForwardForm[] = [
      tcp({ name: 'web', allow: '10.0.0.0/8', startWithApp: true }),
      tcp({ kind: 'udp', udpIdleSec: '30' }),
      ssh('ssh-local', { sshAuth: 'key', keyPath: '~/.ssh/id_ed25519' }),
      ssh('ssh-remote', { listenHost: '0.0.0.0', listenPort: '8080' }),
      ssh('ssh-dynamic', { listenPort: '1080', keepaliveSec: '0' }),
    ];
    for (const form of forms) {
      const { spec, errors } = checkForm(form);
      expect(errors).toEqual({});
      const parsed = ForwardSpec.safeParse(spec);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    }
    expect(checkForm(tcp({ kind: 'udp', udpIdleSec: '30' })).spec).toMatchObject({ kind: 'udp', udpIdleMs: 30000 });
    expect(checkForm(ssh('ssh-dynamic')).spec).not.toHaveProperty('targetHost');
  });

  it('flags a forward that points at itself', () => {
    const loop = { ...DEFAULT_FORM, listenPort: '8080', targetPort: '8080' };
    for (const [listenHost, targetHost] of [['127.0.0.1', '127.0.0.1'], ['0.0.0.0', '127.0.0.1'], ['127.0.0.1', 'localhost'], ['::', '::1'], ['192.0.2.1', '192.0.2.1']]) {
      const checked = checkForm({ ...loop, listenHost: listenHost!, targetHost: targetHost! });
      expect(checked.errors.targetPort, `${listenHost} -> ${targetHost}`).toMatch(/^This forward points at itself: it listens on .*:8080 and sends to .*:8080/);
      expect(checked.spec).toBeNull();
    }
    // Another port, another address, or any free port: no loop.
    expect(checkForm({ ...loop, targetHost: '127.0.0.1', targetPort: '8081' }).errors).toEqual({});
    expect(checkForm({ ...loop, targetHost: '192.0.2.7' }).errors).toEqual({});
    expect(checkForm({ ...loop, listenPort: '0', targetHost: '127.0.0.1' }).errors).toEqual({});
    // SSH -L: the target is as the server sees it.
    expect(checkForm({ ...loop, kind: 'ssh-local', targetHost: '127.0.0.1', sshHost: 'b', sshUser: 'me' }).errors).toEqual({});
  });

  it('suggests a unique name when none is typed, and refuses a taken one', () => {
    expect(suggestName(tcp())).toBe('127.0.0.1:7000');
    expect(suggestName(tcp({ kind: 'udp' }))).toBe('127.0.0.1:7000 (UDP)');
    expect(suggestName(ssh('ssh-local'))).toBe('127.0.0.1:7000 via server.example');
    expect(suggestName(ssh('ssh-dynamic'))).toBe('SOCKS via server.example');
    expect(checkForm(tcp(), { takenNames: ['127.0.0.1:7000'] }).name).toBe('127.0.0.1:7000 (2)');
    expect(checkForm(tcp({ name: 'web' }), { takenNames: ['web'] }).errors.name).toBe('A forward named "web" exists already; choose another name.');
  });

  it('warns with the contract sentence when the listen address is exposed', () => {
    for (const [kind, host] of [
      ['tcp', '0.0.0.0'],
      ['tcp', '::'],
      ['udp', '192.168.1.20'],
      ['ssh-remote', '0.0.0.0'],
      ['tcp', '127.0.0.1'],
      ['tcp', '::1'],
      ['tcp', 'localhost'],
    ] as const) {
      expect(exposureOf(kind, host, 8080)).toBe(exposureSentence(kind, host, 8080));
    }
    expect(exposureOf('tcp', '0.0.0.0', 80)).toMatch(/exposes this forward to every network/);
    expect(exposureOf('tcp', '127.0.0.1', 80)).toBeUndefined();
  });

  it('fills from a saved forward, without secrets', () => {
    const info = {
      id: 'f-1',
      spec: ForwardSpec.parse({ kind: 'ssh-local', name: 'db', listenPort: 5432, targetHost: '127.0.0.1', targetPort: 5432, ssh: { host: 'h', username: 'u', auth: 'password' } }),
      state: 'listening',
      saved: true,
      secretStored: true,
    } as ForwardInfo;
    const form = formFromInfo(info);
    expect(form).toMatchObject({ kind: 'ssh-local', name: 'db', listenPort: '5432', targetPort: '5432', sshHost: 'h', sshPort: '22', sshAuth: 'password', password: '' });
    expect(checkForm(form, { secretStored: true, takenNames: [] }).spec).toMatchObject({ ssh: { host: 'h', username: 'u', auth: 'password', port: 22 } });
  });

  it("fills from another view's link", () => {
    expect(formFromIntent({ targetHost: '10.0.0.5', targetPort: '22', listenPort: '2222' })).toMatchObject({
      kind: 'tcp',
      targetHost: '10.0.0.5',
      targetPort: '22',
      listenPort: '2222',
      listenHost: '127.0.0.1',
    });
    expect(formFromIntent({ targetHost: 'h', targetPort: '53', proto: 'udp' }).kind).toBe('udp');
    // A remembered SOCKS default has no target: a link with one becomes TCP.
    expect(formFromIntent({ targetHost: 'h', targetPort: '80' }, { ...DEFAULT_FORM, kind: 'ssh-dynamic' }).kind).toBe('tcp');
  });

  it('remembers the kind, listen address and SSH login, never a secret', () => {
    const form = ssh('ssh-local', { sshAuth: 'password', password: 'hunter2', passphrase: 'open sesame', listenHost: '::1', name: 'x' });
    const text = encodeRemembered(form);
    expect(text).not.toMatch(/hunter2|open sesame/);
    expect(Object.keys(JSON.parse(text))).not.toContain('password');
    expect(Object.keys(JSON.parse(text))).not.toContain('passphrase');
    expect(decodeRemembered(text)).toMatchObject({ kind: 'ssh-local', listenHost: '::1', sshHost: 'server.example', sshUser: 'me', sshAuth: 'password', password: '', name: '' });
    expect(decodeRemembered('{broken')).toEqual(DEFAULT_FORM);
    expect(decodeRemembered('{"kind":"nope","sshAuth":"x"}')).toMatchObject({ kind: 'tcp', sshAuth: 'agent' });
    expect(decodeRemembered('')).toEqual(DEFAULT_FORM);
  });

  it('maps the path of an engine error to its form field, and the contract\'s own paths to the fields that edit them', () => {
    expect(fieldOfPath(['spec', 'listenPort'])).toBe('listenPort');
    expect(fieldOfPath(['spec', 'name'])).toBe('name');
    expect(fieldOfPath(['spec', 'allow', 0])).toBe('allow');
    expect(fieldOfPath(['spec', 'ssh', 'username'])).toBe('sshUser');
    expect(fieldOfPath(['spec', 'udpIdleMs'])).toBe('udpIdleSec');
    expect(fieldOfPath(['secrets', 'password'])).toBe('password');
    // Not one of the form's fields, or no path at all: no field.
    expect(fieldOfPath(['spec', 'ssh'])).toBeUndefined();
    expect(fieldOfPath(['spec', 'kind'])).toBeUndefined();
    expect(fieldOfPath([])).toBeUndefined();
    expect(fieldOfPath(undefined)).toBeUndefined();
    // The paths zod gives for the contract's own schema, as dispatch sends them, land on the field that edits them.
    const ssh = { host: 'bastion', port: 22, username: 'me', auth: 'password' };
    const wrong: [Record<string, unknown>, string][] = [
      [{ kind: 'tcp', name: 'x', listenPort: 70000, targetHost: 'h', targetPort: 1 }, 'listenPort'],
      [{ kind: 'tcp', name: 'x', listenPort: 0, targetHost: 'a b', targetPort: 1 }, 'targetHost'],
      [{ kind: 'tcp', name: 'x', listenPort: 0, targetHost: 'h', targetPort: 0 }, 'targetPort'],
      [{ kind: 'tcp', name: 'x', listenPort: 0, targetHost: 'h', targetPort: 1, allow: ['10.0.0.0/8', 'nope/99'] }, 'allow'],
      [{ kind: 'udp', name: 'x', listenPort: 0, targetHost: 'h', targetPort: 1, udpIdleMs: 5 }, 'udpIdleSec'],
      [{ kind: 'ssh-dynamic', name: 'x', listenPort: 0, ssh: { ...ssh, port: 0 } }, 'sshPort'],
      [{ kind: 'ssh-dynamic', name: 'x', listenPort: 0, ssh: { ...ssh, host: '' } }, 'sshHost'],
      [{ kind: 'ssh-dynamic', name: 'x', listenPort: 0, ssh: { ...ssh, username: '' } }, 'sshUser'],
    ];
    for (const [spec, field] of wrong) {
      const parsed = calls['forwards.create'].input.safeParse({ spec });
      expect(parsed.success, JSON.stringify(spec)).toBe(false);
      expect(fieldOfPath(parsed.error!.issues[0]!.path as (string | number)[]), JSON.stringify(spec)).toBe(field);
    }
  });

  it('shows an engine sentence under its field without the path it starts with', () => {
    expect(sentenceUnderField({ message: 'spec.listenPort: Ports go from 1 to 65535.', path: ['spec', 'listenPort'] })).toBe('Ports go from 1 to 65535.');
    expect(sentenceUnderField({ message: 'Port 8080/tcp is in use.', path: ['spec', 'listenPort'] })).toBe('Port 8080/tcp is in use.');
    expect(sentenceUnderField({ message: 'spec.name: taken' })).toBe('spec.name: taken');
  });
});
