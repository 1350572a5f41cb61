/**
 * ssh command lines and the forward form: many real-looking lines read (IPv6, clustered flags,
 * -o options, several forwards, ssh:// destinations, autossh), clear refusals, the form filled
 * from a line, and forwards written back as ssh or socat lines that read back to the same spec.
 */
import { describe, expect, it } from 'vitest';
import { ForwardSpec, type ForwardSpecInput } from '../../src-main/contract/forwards.js';
import { formatSocatCommand, formatSshCommand, parseSshCommand, shellWords, type SshCommand } from '../../src-main/contract/ssh-command.js';
import { checkForm, DEFAULT_FORM, formFromInfo } from '../../src-renderer/src/lib/forwards/form.js';
import { routeOf } from '../../src-renderer/src/lib/forwards/format.js';
import { aliasFill, aliasNote, commandOf, commandSummary, formFromCommand } from '../../src-renderer/src/lib/forwards/ssh-command.js';
import { forward } from './forward-info.js';

const ok = (line: string): SshCommand => {
  const r = parseSshCommand(line);
  if (!r.ok) throw new Error(`${line}: ${r.error}`);
  return r.command;
};
const bad = (line: string): string => {
  const r = parseSshCommand(line);
  if (r.ok) throw new Error(`${line} was taken`);
  return r.error;
};

describe('reading ssh command lines', () => {
  it.each([
    ['ssh -L 8080:db:5432 me@bastion', { flag: 'L', kind: 'ssh-local', listenHost: '127.0.0.1', listenPort: 8080, targetHost: 'db', targetPort: 5432 }, { host: 'bastion', user: 'me' }],
    ['ssh -N -f -L 0.0.0.0:8080:db.internal:5432 me@bastion.example.com', { listenHost: '0.0.0.0', listenPort: 8080, targetHost: 'db.internal' }, { host: 'bastion.example.com' }],
    ['ssh -NfL 8080:localhost:80 host', { flag: 'L', listenPort: 8080, targetHost: 'localhost', targetPort: 80 }, { host: 'host' }],
    ['ssh -L8080:localhost:80 -p2222 -lroot host', { listenPort: 8080 }, { host: 'host', port: 2222, user: 'root' }],
    ['ssh -R 9000:localhost:3000 me@server', { flag: 'R', kind: 'ssh-remote', listenHost: '127.0.0.1', listenPort: 9000, targetHost: 'localhost', targetPort: 3000 }, { host: 'server' }],
    ['ssh -R 0.0.0.0:9000:127.0.0.1:3000 me@server', { kind: 'ssh-remote', listenHost: '0.0.0.0', listenPort: 9000 }, {}],
    ['ssh -D 1080 me@proxy', { flag: 'D', kind: 'ssh-dynamic', listenHost: '127.0.0.1', listenPort: 1080 }, { host: 'proxy' }],
    ['ssh -D [::1]:1080 me@proxy', { kind: 'ssh-dynamic', listenHost: '::1', listenPort: 1080 }, {}],
    ['ssh -D *:1080 me@proxy', { kind: 'ssh-dynamic', listenHost: '0.0.0.0' }, {}],
    ['ssh -L [::1]:8080:[fe80::1]:80 me@[2001:db8::5]', { listenHost: '::1', listenPort: 8080, targetHost: 'fe80::1', targetPort: 80 }, { host: '2001:db8::5', user: 'me' }],
    ['ssh -L 8080:[2001:db8::10]:443 me@2001:db8::5', { listenHost: '127.0.0.1', targetHost: '2001:db8::10', targetPort: 443 }, { host: '2001:db8::5' }],
    ['ssh -L :8080:db:5432 me@h', { listenHost: '0.0.0.0' }, {}],
    ['ssh -L 0:db:5432 me@h', { listenPort: 0 }, {}],
    ['ssh -p 2222 -i ~/.ssh/work_ed25519 -L 5432:db:5432 admin@10.0.0.5', {}, { host: '10.0.0.5', port: 2222, user: 'admin', identityFile: '~/.ssh/work_ed25519' }],
    ['ssh -J jump@bastion:2200 -L 5432:db:5432 admin@internal', {}, { jump: { host: 'bastion', port: 2200, username: 'jump' } }],
    ['ssh -J bastion -L 5432:db:5432 internal', {}, { jump: { host: 'bastion' }, host: 'internal' }],
    ['ssh -J [2001:db8::1]:2222 -D 1080 h', {}, { jump: { host: '2001:db8::1', port: 2222 } }],
    ['ssh -o ProxyJump=me@b -o Port=2201 -o User=deploy -o IdentityFile=/keys/id -L 1:x:2 h', {}, { jump: { host: 'b', username: 'me' }, port: 2201, user: 'deploy', identityFile: '/keys/id' }],
    ['ssh -o "ProxyJump me@b" -o "Port 2201" -L 1:x:2 h', {}, { jump: { host: 'b', username: 'me' }, port: 2201 }],
    ['ssh -oServerAliveInterval=30 -oExitOnForwardFailure=yes -L 1:x:2 h', {}, { keepaliveSec: 30 }],
    ['ssh -o LocalForward="8080 db:5432" h', { flag: 'L', listenPort: 8080, targetHost: 'db', targetPort: 5432 }, {}],
    ['ssh -o "DynamicForward 1080" h', { flag: 'D', listenPort: 1080 }, {}],
    ['ssh ssh://deploy@server.example:2222 -L 8080:localhost:80', { listenPort: 8080 }, { host: 'server.example', port: 2222, user: 'deploy' }],
    ['ssh me@host -L 8080:localhost:80 -p 2222', { listenPort: 8080 }, { host: 'host', port: 2222 }],
    ['$ ssh -L 8080:db:5432 me@h', { listenPort: 8080 }, {}],
    ['/usr/bin/ssh -L 8080:db:5432 me@h', { listenPort: 8080 }, {}],
    ['autossh -M 0 -N -L 8080:db:5432 me@h', { listenPort: 8080 }, { host: 'h' }],
    ['ssh -4 -C -T -q -v -L 8080:db:5432 me@h', { listenPort: 8080 }, {}],
    ["ssh -i '/home/me/My Keys/id' -L 8080:db:5432 me@h", {}, { identityFile: '/home/me/My Keys/id' }],
    ['ssh \\\n  -L 8080:db:5432 \\\n  me@h', { listenPort: 8080 }, { host: 'h' }],
    ['-L 8080:db:5432 me@h', { listenPort: 8080 }, {}],
    ['ssh -l first -L 1:x:2 second@h', {}, { user: 'first' }],
  ] as const)('%s', (line, fwd, rest) => {
    const c = ok(line);
    expect(c.forwards[0]).toMatchObject(fwd);
    expect(c).toMatchObject(rest);
  });

  it('keeps every forward of a line and says that the form takes one', () => {
    const c = ok('ssh -L 8080:web:80 -L 8443:web:443 -R 9000:localhost:3000 me@h');
    expect(c.forwards.map((f) => `${f.flag} ${f.text}`)).toEqual(['L 8080:web:80', 'L 8443:web:443', 'R 9000:localhost:3000']);
    expect(c.notes.join(' ')).toMatch(/3 forwards; a Portolan forward is one of them/);
  });

  it('names what it does not carry over', () => {
    expect(ok('ssh -L 1:x:2 h uptime').notes.join(' ')).toMatch(/remote command \(uptime\) is not run/);
    expect(ok('ssh -o StrictHostKeyChecking=no -L 1:x:2 h').notes.join(' ')).toMatch(/always checks the host key/);
    expect(ok('ssh -g -L 1:x:2 h').notes.join(' ')).toMatch(/0\.0\.0\.0/);
    expect(ok('ssh -A -L 1:x:2 h').notes.join(' ')).toMatch(/agent forwarding/);
    expect(ok('ssh -i a -i b -L 1:x:2 h').notes.join(' ')).toMatch(/first key file \(a\)/);
    expect(ok('ssh -o Ciphers=aes128-ctr -L 1:x:2 h').notes).toEqual(['-o Ciphers is not carried over.']);
    expect(ok('ssh -o ExitOnForwardFailure=yes -L 1:x:2 h').notes).toEqual([]);
    expect(ok('ssh -o HostName=10.0.0.9 -L 1:x:2 alias')).toMatchObject({ host: '10.0.0.9' });
  });

  it('refuses what cannot be a forward, saying why', () => {
    expect(bad('')).toMatch(/Paste an ssh command line/);
    expect(bad('ssh me@h')).toMatch(/no -L, -R or -D/);
    expect(bad('ssh -L 8080:db:5432')).toMatch(/server is missing/);
    expect(bad('ssh -L 8080:db me@h')).toMatch(/-L takes \[bind:\]port:host:hostport/);
    expect(bad('ssh -L 70000:db:80 me@h')).toMatch(/listen port must be a port from 0 to 65535, not "70000"/);
    expect(bad('ssh -L 8080:db:0 me@h')).toMatch(/target port must be a port from 1 to 65535/);
    expect(bad('ssh -L 8080:/run/db.sock me@h')).toMatch(/Unix socket/);
    expect(bad('ssh -L /tmp/s:db:80 me@h')).toMatch(/Unix socket/);
    expect(bad('ssh -R 1080 me@h')).toMatch(/remote SOCKS proxy/);
    expect(bad('ssh -D 1:2:3 me@h')).toMatch(/-D takes \[bind:\]port/);
    expect(bad('ssh -J a,b -L 1:x:2 h')).toMatch(/chain of jump hosts is not supported.*first would be a/);
    expect(bad('ssh -o ProxyCommand="nc %h %p" -L 1:x:2 h')).toMatch(/ProxyCommand is not supported; use a jump host/);
    expect(bad('ssh -L [::1:8080:db:80 me@h')).toMatch(/\[ is not closed/);
    expect(bad("ssh -L '8080:db:80 me@h")).toMatch(/quote .* is not closed/);
    expect(bad('ssh -Z -L 1:x:2 h')).toMatch(/-Z is not an ssh option/);
    expect(bad('ssh -p')).toMatch(/-p needs a value/);
    expect(bad('ssh -p 0 -L 1:x:2 h')).toMatch(/SSH port must be a port from 1/);
    expect(bad('scp file me@h:')).toMatch(/scp command/);
    expect(bad('ssh -o ServerAliveInterval=abc -L 1:x:2 h')).toMatch(/seconds from 0 to 3600/);
  });

  it('reads -p, -l, -i, -J, -L, -R and -D as their -o options: the first given wins, whichever spelling', () => {
    expect(ok('ssh -p 2201 -o Port=2202 -l first -o User=second -J a -o ProxyJump=b -L 1:x:2 h')).toMatchObject({ port: 2201, user: 'first', jump: { host: 'a' } });
    expect(ok('ssh -o Port=2202 -p 2201 -o User=second -l first -o ProxyJump=b -J a -L 1:x:2 h')).toMatchObject({ port: 2202, user: 'second', jump: { host: 'b' } });
    // "none" is a ProxyJump that was given: no jump host, and a later one is not taken.
    expect(ok('ssh -o ProxyJump=none -J a -L 1:x:2 h')).not.toHaveProperty('jump');
    expect(ok('ssh -J none -o ProxyJump=a -L 1:x:2 h')).not.toHaveProperty('jump');
    const keys = ok('ssh -o IdentityFile=/k/one -i /k/two -L 1:x:2 h');
    expect(keys.identityFile).toBe('/k/one');
    expect(keys.notes.join(' ')).toMatch(/first key file \(\/k\/one\)/);
    const both = ok('ssh -o "RemoteForward 9000 localhost:3000" -L 8080:db:5432 -o DynamicForward=1080 -R 9001:localhost:3001 -D 1081 h');
    expect(both.forwards.map((f) => `${f.flag} ${f.kind} ${f.text}`)).toEqual([
      'R ssh-remote 9000 localhost:3000',
      'L ssh-local 8080:db:5432',
      'D ssh-dynamic 1080',
      'R ssh-remote 9001:localhost:3001',
      'D ssh-dynamic 1081',
    ]);
    // A value is taken as written after a flag; after -o Key= its spaces around are not part of it.
    expect(ok("ssh -l ' me ' -L 1:x:2 h").user).toBe(' me ');
    expect(ok("ssh -o 'User= me ' -L 1:x:2 h").user).toBe('me');
    expect(ok("ssh -o 'Port= 2201 ' -L 1:x:2 h").port).toBe(2201);
    // Each error names the spelling the line used.
    expect(bad('ssh -p 0 -L 1:x:2 h')).toBe('-p 0: the SSH port must be a port from 1 to 65535, not "0".');
    expect(bad('ssh -o Port=0 -L 1:x:2 h')).toBe('-o Port=0: the SSH port must be a port from 1 to 65535, not "0".');
    expect(bad("ssh -p ' 22' -L 1:x:2 h")).toBe('-p  22: the SSH port must be a port from 1 to 65535, not " 22".');
    expect(bad('ssh -o LocalForward=8080 h')).toMatch(/^-L takes \[bind:\]port:host:hostport/);
    expect(bad('ssh -o ProxyJump=a,b -L 1:x:2 h')).toMatch(/^-J a,b: a chain of jump hosts/);
  });

  it('splits words as a shell does', () => {
    expect(shellWords(`a "b c" 'd e' f\\ g "h\\"i" j;k`)).toEqual(['a', 'b c', 'd e', 'f g', 'h"i', 'j;k']);
    expect(shellWords('ssh -L 1:x:2 h && echo done')).toEqual(['ssh', '-L', '1:x:2', 'h']);
  });
});

describe('filling the form from a line', () => {
  it('fills kind, listen, target, server, key, jump and keep-alive, and the form is valid', () => {
    const c = ok('ssh -p 2222 -i ~/.ssh/work -J hop@bastion:2200 -o ServerAliveInterval=30 -L 0.0.0.0:15432:db.internal:5432 admin@10.0.0.5');
    const form = formFromCommand(c, 0, { ...DEFAULT_FORM, name: 'old name' });
    expect(form).toMatchObject({
      kind: 'ssh-local',
      name: '',
      listenHost: '0.0.0.0',
      listenPort: '15432',
      targetHost: 'db.internal',
      targetPort: '5432',
      sshHost: '10.0.0.5',
      sshPort: '2222',
      sshUser: 'admin',
      sshAuth: 'key',
      keyPath: '~/.ssh/work',
      jump: 'hop@bastion:2200',
      keepaliveSec: '30',
    });
    expect(checkForm(form).spec).toMatchObject({ kind: 'ssh-local', ssh: { host: '10.0.0.5', port: 2222, jump: { host: 'bastion', port: 2200, username: 'hop' } } });
  });

  it('takes the forward the user chose, and keeps a typed user when the line has none', () => {
    const c = ok('ssh -L 8080:web:80 -D 1080 bastion');
    const form = formFromCommand(c, 1, { ...DEFAULT_FORM, sshUser: 'typed', sshAuth: 'agent' });
    expect(form).toMatchObject({ kind: 'ssh-dynamic', listenPort: '1080', sshUser: 'typed', sshAuth: 'agent', sshPort: '22', jump: '' });
    expect(commandSummary(c, 1)).toBe('-D 1080 via bastion');
    expect(commandSummary(ok('ssh -J j -p 2 -L 1:x:2 u@h'), 0)).toBe('-L 1:x:2 via u@h:2 through j');
  });

  it('checks the jump host field', () => {
    const base = { ...DEFAULT_FORM, kind: 'ssh-dynamic' as const, sshHost: 'h', sshUser: 'u' };
    expect(checkForm({ ...base, jump: 'a,b' }).errors.jump).toMatch(/chain of jump hosts/);
    expect(checkForm({ ...base, jump: 'bad host!' }).errors.jump).toBeDefined();
    expect(checkForm({ ...base, jump: 'j:99999' }).errors.jump).toMatch(/port from 1 to 65535/);
    expect(checkForm({ ...base, jump: '' }).spec).not.toHaveProperty('ssh.jump');
    expect(checkForm({ ...base, jump: 'none' }).spec).not.toHaveProperty('ssh.jump');
  });
});

/** Specs worth writing as a command, each as the engine would store it (defaults filled in). */
const TUNNELS: ForwardSpecInput[] = [
  { kind: 'ssh-local', name: 'a', listenPort: 8080, targetHost: 'db', targetPort: 5432, ssh: { host: 'bastion', username: 'me' } },
  { kind: 'ssh-local', name: 'b', listenHost: '0.0.0.0', listenPort: 0, targetHost: 'fe80::1', targetPort: 80, ssh: { host: '2001:db8::5', port: 2222, username: 'me', auth: 'key', keyPath: '/home/me/My Keys/id' } },
  { kind: 'ssh-local', name: 'c', listenHost: '::1', listenPort: 15432, targetHost: 'db.internal', targetPort: 5432, ssh: { host: 'h', username: 'u', keepaliveSec: 30, jump: { host: 'bastion', port: 2200, username: 'hop' } } },
  { kind: 'ssh-remote', name: 'd', listenHost: '0.0.0.0', listenPort: 9000, targetHost: '127.0.0.1', targetPort: 3000, ssh: { host: 'server', username: 'me', keepaliveSec: 0 } },
  { kind: 'ssh-remote', name: 'e', listenPort: 9000, targetHost: 'localhost', targetPort: 3000, ssh: { host: 'server', username: 'me', jump: { host: '2001:db8::1', port: 22 } } },
  { kind: 'ssh-dynamic', name: 'f', listenPort: 1080, ssh: { host: 'proxy', username: 'me', auth: 'key', keyPath: '~/.ssh/id_ed25519' } },
  { kind: 'ssh-dynamic', name: 'g', listenHost: '::', listenPort: 1080, ssh: { host: 'proxy', port: 443, username: 'me', jump: { host: 'j', port: 2222 } } },
];

describe('copy as command', () => {
  it.each(TUNNELS.map((s) => [s.name, s] as const))('%s: the ssh line reads back to the same spec', (_name, input) => {
    const spec = ForwardSpec.parse(input);
    const line = formatSshCommand(spec);
    const base = formFromInfo(forward('x', { spec }));
    const form = formFromCommand(ok(line), 0, { ...DEFAULT_FORM, sshAuth: base.sshAuth, name: spec.name });
    const back = ForwardSpec.parse({ ...checkForm({ ...form, name: spec.name }).spec });
    expect(back).toEqual(spec);
  });

  it('writes plain, quoted and bracketed words as a shell needs them', () => {
    const [a, b, c] = TUNNELS.map((s) => formatSshCommand(ForwardSpec.parse(s)));
    expect(a).toBe('ssh -N -o ExitOnForwardFailure=yes -L 8080:db:5432 me@bastion');
    expect(b).toBe("ssh -N -p 2222 -i '/home/me/My Keys/id' -o ExitOnForwardFailure=yes -L '0.0.0.0:0:[fe80::1]:80' me@2001:db8::5");
    expect(c).toBe("ssh -N -J hop@bastion:2200 -o ServerAliveInterval=30 -o ExitOnForwardFailure=yes -L '[::1]:15432:db.internal:5432' u@h");
  });

  it("shows the jump host in a card's route", () => {
    expect(routeOf(ForwardSpec.parse(TUNNELS[2]!)).via).toEqual({ user: 'u', host: 'h', port: 22, jump: 'hop@bastion:2200' });
    expect(routeOf(ForwardSpec.parse(TUNNELS[0]!)).via).not.toHaveProperty('jump');
  });

  it('writes local TCP and UDP forwards as socat lines', () => {
    const tcp = ForwardSpec.parse({ kind: 'tcp', name: 't', listenPort: 8080, targetHost: 'example.com', targetPort: 80 });
    expect(formatSocatCommand(tcp)).toBe('socat TCP-LISTEN:8080,bind=127.0.0.1,reuseaddr,fork TCP:example.com:80');
    const udp = ForwardSpec.parse({ kind: 'udp', name: 'u', listenHost: '::1', listenPort: 5353, targetHost: '2001:db8::53', targetPort: 53 });
    expect(formatSocatCommand(udp)).toBe("socat 'UDP6-LISTEN:5353,bind=[::1],reuseaddr,fork' 'UDP6:[2001:db8::53]:53'");
    expect(commandOf(tcp).tool).toBe('socat');
    expect(commandOf(ForwardSpec.parse(TUNNELS[0]!)).tool).toBe('ssh');
    expect(() => formatSshCommand(tcp)).toThrow(/Only SSH tunnels/);
  });
});

describe('~/.ssh/config aliases in the form', () => {
  const alias = { alias: 'work', hostName: '10.0.0.5', user: 'admin', port: 2222, identityFile: '/home/me/.ssh/work', proxyJump: 'hop@bastion' };
  it('fills the user, port and jump host the form does not have yet', () => {
    expect(aliasFill({ ...DEFAULT_FORM, sshHost: 'work' }, alias)).toEqual({ sshUser: 'admin', sshPort: '2222', jump: 'hop@bastion' });
    expect(aliasFill({ ...DEFAULT_FORM, sshHost: 'work', sshUser: 'me', sshPort: '2200', jump: 'x' }, alias)).toBeNull();
    expect(aliasFill(DEFAULT_FORM, undefined)).toBeNull();
    expect(aliasFill({ ...DEFAULT_FORM, sshHost: 'work' }, { ...alias, proxyJump: 'a,b' })).not.toHaveProperty('jump');
  });
  it('says where an alias leads', () => {
    expect(aliasNote(alias)).toBe('~/.ssh/config: work is admin@10.0.0.5:2222, through hop@bastion, key /home/me/.ssh/work');
    expect(aliasNote({ alias: 'db', hostName: 'db' })).toBe('~/.ssh/config: db is db');
  });
});
