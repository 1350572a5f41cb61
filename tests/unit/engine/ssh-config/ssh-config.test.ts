/**
 * The user's ssh config read from fixture files: aliases (Include followed, at its place),
 * first-value-wins resolution with wildcards and negations, %-tokens and ~, a Match exec that must
 * never run, an Include loop and missing files; and how a tunnel's route takes what it says.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sshHosts } from '../../../../src-main/app/forwards-service.js';
import { sshRoute } from '../../../../src-main/engine/forwards/ssh-tunnel.js';
import { readSshConfig } from '../../../../src-main/engine/ssh-config/ssh-config.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const HOME = '/home/me';
const config = () => readSshConfig(path.join(FIXTURES, 'config'), HOME);
const EXEC_MARK = '/tmp/portolan-ssh-config-must-not-run';

describe('~/.ssh/config', () => {
  it('lists the aliases without wildcards, Include files at their place', () => {
    expect(config().aliases).toEqual(['lab', 'lab-inner', 'looped', 'work', 'bastion', 'db', 'db-replica', 'legacy']);
  });

  it('resolves an alias: HostName, User, Port, IdentityFile (~ expanded), ProxyJump', () => {
    expect(config().resolve('work')).toEqual({
      alias: 'work',
      hostName: '10.0.0.5',
      user: 'admin',
      port: 2222,
      identityFiles: ['/home/me/.ssh/work_ed25519', '/home/me/.ssh/id_default'],
      proxyJump: 'hop@bastion:2200',
    });
    expect(config().resolve('bastion')).toMatchObject({ hostName: 'bastion.example.com', user: 'hop' });
  });

  it('applies Host * and wildcard blocks after the specific ones (first value wins), with negations', () => {
    expect(config().resolve('web-1')).toMatchObject({ hostName: 'web-1', user: 'www', identityFiles: ['/keys/with space/www@web-1', '/home/me/.ssh/id_default'] });
    expect(config().resolve('web-skip')).toMatchObject({ user: 'everyone' });
    expect(config().resolve('plain.example.org')).toEqual({ alias: 'plain.example.org', hostName: 'plain.example.org', user: 'everyone', identityFiles: ['/home/me/.ssh/id_default'] });
  });

  it('expands %h in HostName and follows Include inside a Host block', () => {
    expect(config().resolve('db-replica')).toMatchObject({ hostName: 'db-replica.internal.example', proxyJump: 'bastion' });
    expect(config().resolve('lab')).toMatchObject({ hostName: '192.168.50.10', port: 2200 });
    expect(config().resolve('lab-inner')).toMatchObject({ hostName: '192.168.50.11', user: 'inner' });
  });

  it('runs nothing the file names: Match exec never matches, CanonicalizeHostName is dropped', () => {
    rmSync(EXEC_MARK, { force: true });
    const c = config();
    for (const alias of c.aliases) expect(c.resolve(alias).user).not.toBe('exec-ran');
    expect(existsSync(EXEC_MARK)).toBe(false);
    expect(c.resolve('legacy')).not.toHaveProperty('proxyJump');
    expect(c.resolve('legacy').hostName).toBe('legacy');
  });

  it('reports an Include loop and still reads the rest; a missing Include target is ignored, as ssh does', () => {
    const c = config();
    expect(c.problems).toEqual([expect.stringMatching(/20-loop\.conf: Include of .*20-loop\.conf again \(a loop\)/)]);
    expect(c.resolve('looped').hostName).toBe('192.0.2.99');
  });

  it('has no aliases and no problem when the file does not exist', () => {
    const c = readSshConfig(path.join(FIXTURES, 'no-such-config'), HOME);
    expect(c.aliases).toEqual([]);
    expect(c.problems).toEqual([]);
    expect(c.resolve('h')).toEqual({ alias: 'h', hostName: 'h', identityFiles: [] });
  });

  it('answers ssh.hosts with each alias and what it leads to', () => {
    const answer = sshHosts(config());
    expect(answer.file).toBe(path.join(FIXTURES, 'config'));
    expect(answer.hosts.find((h) => h.alias === 'work')).toEqual({
      alias: 'work',
      hostName: '10.0.0.5',
      user: 'admin',
      port: 2222,
      identityFile: '/home/me/.ssh/work_ed25519',
      proxyJump: 'hop@bastion:2200',
    });
  });
});

describe("a tunnel's route through the config", () => {
  const ssh = { host: 'work', port: 22, username: 'me', auth: 'agent' as const, keepaliveSec: 15 };

  it('connects to the HostName, takes the Port when the spec says 22, and the ProxyJump (itself an alias)', () => {
    const route = sshRoute(ssh, config());
    expect(route.server).toMatchObject({ host: '10.0.0.5', port: 2222, username: 'me', label: 'the SSH server work (10.0.0.5:2222)' });
    expect(route.jump).toMatchObject({ host: 'bastion.example.com', port: 2200, username: 'hop' });
    expect(route.identityFiles[0]).toBe('/home/me/.ssh/work_ed25519');
  });

  it("keeps the spec's own port and jump host over the config's", () => {
    const route = sshRoute({ ...ssh, port: 2022, jump: { host: '127.0.0.1', port: 2300 } }, config());
    expect(route.server).toMatchObject({ host: '10.0.0.5', port: 2022 });
    expect(route.jump).toMatchObject({ host: '127.0.0.1', port: 2300, username: 'everyone' });
  });

  it('takes names as they are without a config', () => {
    const route = sshRoute({ ...ssh, host: '127.0.0.1', jump: { host: '127.0.0.2', port: 22 } }, undefined);
    expect(route).toEqual({
      server: { host: '127.0.0.1', port: 22, username: 'me', label: 'the SSH server 127.0.0.1:22' },
      jump: { host: '127.0.0.2', port: 22, username: 'me', label: 'the jump host 127.0.0.2:22' },
      identityFiles: [],
    });
  });
});
