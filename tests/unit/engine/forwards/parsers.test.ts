import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CidrAllowlist, cidrProblem, parseCidr, parseIp } from '../../../../src-main/contract/cidr.js';
import { ForwardSpec } from '../../../../src-main/contract/forwards.js';
import { forwardExposure as exposureSentence } from '../../../../src-main/contract/net-notes.js';
import { BACKOFF_MAX_MS, BACKOFF_MIN_MS, backoffDelay } from '../../../../src-main/engine/forwards/backoff.js';
import { checkHostKey, fingerprintOf, hostToken, knownHostsLine, parseKnownHosts, sshKeyType } from '../../../../src-main/engine/forwards/known-hosts.js';
import { greetingReply, parseGreeting, parseRequest, requestReply, SocksReply } from '../../../../src-main/engine/forwards/socks5.js';

describe('CIDR allowlist', () => {
  it('parses IPv4, IPv6, compressed and IPv4-mapped addresses', () => {
    expect(parseIp('10.1.2.3')).toEqual(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 10, 1, 2, 3]));
    expect(parseIp('::ffff:10.1.2.3')).toEqual(parseIp('10.1.2.3'));
    expect(parseIp('::1')![15]).toBe(1);
    expect(parseIp('fe80::1%eth0')![0]).toBe(0xfe);
    expect(parseIp('2001:db8::8a2e:370:7334')).toBeDefined();
    for (const bad of ['1.2.3', '256.1.1.1', '1:2:3:4:5:6:7:8:9', '::1::', 'abc', '1.2.3.4.5', 'gggg::1']) expect(parseIp(bad), bad).toBeUndefined();
  });

  it('matches blocks, single hosts, and IPv4 clients seen on dual-stack sockets', () => {
    const list = new CidrAllowlist(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', '::1']);
    expect(list.allows('10.200.3.4')).toBe(true);
    expect(list.allows('::ffff:10.9.9.9')).toBe(true);
    expect(list.allows('11.0.0.1')).toBe(false);
    expect(list.allows('192.168.1.7')).toBe(true);
    expect(list.allows('192.168.1.8')).toBe(false);
    expect(list.allows('fd12:3456::1')).toBe(true);
    expect(list.allows('fe80::1')).toBe(false);
    expect(list.allows('::1')).toBe(true);
    expect(list.allows('127.0.0.1')).toBe(false);
    expect(list.allows(undefined)).toBe(false);
    expect(new CidrAllowlist([]).allows('8.8.8.8')).toBe(true);
    expect(new CidrAllowlist(['0.0.0.0/0']).allows('::1')).toBe(false);
    expect(new CidrAllowlist(['::/0']).allows('1.2.3.4')).toBe(true);
  });

  it('normalizes host bits and explains bad blocks', () => {
    expect(parseCidr('10.1.2.3/8')!.text).toBe('10.1.2.3/8');
    expect(new CidrAllowlist(['10.1.2.3/8']).allows('10.250.0.1')).toBe(true);
    expect(cidrProblem('10.0.0.0/33')).toMatch(/not an address block/);
    expect(cidrProblem('::/129')).toBeDefined();
    expect(cidrProblem('10.0.0.0/8')).toBeUndefined();
  });

  it('is checked by the ForwardSpec schema with a readable message', () => {
    const r = ForwardSpec.safeParse({ kind: 'tcp', name: 'x', listenPort: 1, targetHost: 'h', targetPort: 2, allow: ['10.0.0.0/99'] });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toMatch(/not an address block/);
    expect(exposureSentence('tcp', '127.0.0.1', 80)).toBeUndefined();
    expect(exposureSentence('tcp', '0.0.0.0', 80)).toMatch(/exposes this forward to every network/);
    expect(exposureSentence('ssh-remote', '0.0.0.0', 80)).toMatch(/on the SSH server/);
  });
});

describe('SOCKS5 parser (RFC 1928)', () => {
  it('reads the greeting in pieces and picks "no authentication"', () => {
    expect(parseGreeting(Uint8Array.from([5]))).toEqual({ need: 'more' });
    expect(parseGreeting(Uint8Array.from([5, 2, 0]))).toEqual({ need: 'more' });
    expect(parseGreeting(Uint8Array.from([5, 2, 0, 2, 99]))).toEqual({ ok: true, value: { methods: [0, 2] }, used: 4 });
    expect([...greetingReply([0, 2])]).toEqual([5, 0]);
    expect([...greetingReply([2])]).toEqual([5, 0xff]);
    expect(parseGreeting(Uint8Array.from([4, 1, 0]))).toMatchObject({ ok: false });
  });

  it('reads CONNECT to IPv4, IPv6 and domain names, and leaves the bytes after it', () => {
    expect(parseRequest(Uint8Array.from([5, 1, 0, 1, 127, 0, 0, 1, 0x1f, 0x90, 42]))).toEqual({
      ok: true,
      value: { command: 1, host: '127.0.0.1', port: 8080, addressType: 'ipv4' },
      used: 10,
    });
    const v6 = Uint8Array.from([5, 1, 0, 4, ...new Array(15).fill(0), 1, 0, 80]);
    expect(parseRequest(v6)).toMatchObject({ ok: true, value: { host: '0:0:0:0:0:0:0:1', port: 80, addressType: 'ipv6' } });
    const name = Buffer.from('example.test');
    expect(parseRequest(Uint8Array.from([5, 1, 0, 3, name.length, ...name, 1, 187]))).toMatchObject({ ok: true, value: { host: 'example.test', port: 443 } });
    expect(parseRequest(Uint8Array.from([5, 1, 0, 3, name.length, ...name]))).toEqual({ need: 'more' });
  });

  it('refuses BIND and UDP ASSOCIATE and unknown address types with the right reply codes', () => {
    expect(parseRequest(Uint8Array.from([5, 2, 0, 1, 1, 2, 3, 4, 0, 80]))).toMatchObject({ ok: false, reply: SocksReply.commandNotSupported });
    expect(parseRequest(Uint8Array.from([5, 3, 0, 1, 1, 2, 3, 4, 0, 80]))).toMatchObject({ ok: false, reply: SocksReply.commandNotSupported });
    expect(parseRequest(Uint8Array.from([5, 1, 0, 9, 1, 2]))).toMatchObject({ ok: false, reply: SocksReply.addressTypeNotSupported });
    expect([...requestReply(SocksReply.connectionRefused)]).toEqual([5, 5, 0, 1, 0, 0, 0, 0, 0, 0]);
  });
});

describe('known_hosts', () => {
  const keyBlob = (type: string, body: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, type.length]), Buffer.from(type), body]);
  const key = keyBlob('ssh-ed25519', randomBytes(36));
  const other = keyBlob('ssh-ed25519', randomBytes(36));
  const rsa = keyBlob('ssh-rsa', randomBytes(64));
  const hashed = (token: string) => {
    const salt = randomBytes(20);
    return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(token).digest('base64')}`;
  };

  it('finds plain, [host]:port, wildcard and hashed entries', () => {
    const text = [
      '# comment',
      `server.example,10.0.0.5 ssh-ed25519 ${key.toString('base64')}`,
      `[127.0.0.1]:2222 ssh-ed25519 ${key.toString('base64')} laptop`,
      `${hashed('[hashed.example]:2200')} ssh-ed25519 ${key.toString('base64')}`,
      `*.lab.example,!bad.lab.example ssh-ed25519 ${key.toString('base64')}`,
      'garbage line',
    ].join('\n');
    const entries = parseKnownHosts(text);
    expect(entries).toHaveLength(4);
    expect(checkHostKey(entries, 'server.example', 22, key).status).toBe('known');
    expect(checkHostKey(entries, '10.0.0.5', 22, key).status).toBe('known');
    expect(checkHostKey(entries, '127.0.0.1', 2222, key).status).toBe('known');
    expect(checkHostKey(entries, '127.0.0.1', 22, key).status).toBe('unknown');
    expect(checkHostKey(entries, 'hashed.example', 2200, key).status).toBe('known');
    expect(checkHostKey(entries, 'hashed.example', 22, key).status).toBe('unknown');
    expect(checkHostKey(entries, 'a.lab.example', 22, key).status).toBe('known');
    expect(checkHostKey(entries, 'bad.lab.example', 22, key).status).toBe('unknown');
  });

  it('reports a different key of the same type as a mismatch, and revoked keys', () => {
    const entries = parseKnownHosts(`${hashed('server.example')} ssh-ed25519 ${key.toString('base64')}\n@revoked * ssh-ed25519 ${other.toString('base64')}\n`);
    expect(checkHostKey(entries, 'server.example', 22, other).status).toBe('revoked');
    const plain = parseKnownHosts(`server.example ssh-ed25519 ${key.toString('base64')}\n`);
    const verdict = checkHostKey(plain, 'server.example', 22, other);
    expect(verdict.status).toBe('mismatch');
    // A key of another type is unknown (asked about), not silently accepted.
    expect(checkHostKey(plain, 'server.example', 22, rsa).status).toBe('unknown');
  });

  it('prints fingerprints as OpenSSH does and writes lines it can read back', () => {
    expect(fingerprintOf(key)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(sshKeyType(rsa)).toBe('ssh-rsa');
    expect(hostToken('h', 22)).toBe('h');
    expect(hostToken('::1', 2222)).toBe('[::1]:2222');
    const back = parseKnownHosts(knownHostsLine('127.0.0.1', 2222, key));
    expect(checkHostKey(back, '127.0.0.1', 2222, key).status).toBe('known');
  });
});

describe('reconnect backoff', () => {
  it('doubles from 1 s to at most 60 s, with jitter within 20 %', () => {
    const mid = (a: number) => backoffDelay(a, () => 0.5);
    expect([0, 1, 2, 3, 4, 5, 6, 7, 20].map(mid)).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    expect(backoffDelay(0, () => 0)).toBe(BACKOFF_MIN_MS);
    expect(backoffDelay(3, () => 0)).toBe(6400);
    expect(backoffDelay(3, () => 0.999)).toBeCloseTo(9598, -1);
    expect(backoffDelay(10, () => 0.999)).toBe(BACKOFF_MAX_MS);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(i % 10);
      expect(d).toBeGreaterThanOrEqual(BACKOFF_MIN_MS);
      expect(d).toBeLessThanOrEqual(BACKOFF_MAX_MS);
    }
  });
});
