import { describe, expect, it } from 'vitest';
import { allowedHosts, checkHostAndOrigin, isWildcardAddress, readCookie, sameSecret } from '../../../src-main/transports/web-guard.js';

describe('web guard', () => {
  const hosts = allowedHosts('127.0.0.1', 8123);

  it('accepts only our own host:port', () => {
    expect([...hosts].sort()).toEqual(['127.0.0.1:8123', 'localhost:8123']);
    expect([...allowedHosts('::1', 9)].sort()).toEqual(['[::1]:9', 'localhost:9']);
    expect(checkHostAndOrigin({ host: '127.0.0.1:8123' }, hosts)).toBeUndefined();
    expect(checkHostAndOrigin({ host: 'evil.example:8123' }, hosts)?.status).toBe(421);
    expect(checkHostAndOrigin({}, hosts)?.status).toBe(421);
  });

  it('refuses a foreign Origin but accepts our own or none', () => {
    expect(checkHostAndOrigin({ host: '127.0.0.1:8123', origin: 'http://127.0.0.1:8123' }, hosts)).toBeUndefined();
    expect(checkHostAndOrigin({ host: '127.0.0.1:8123', origin: 'http://evil.example' }, hosts)?.status).toBe(403);
    expect(checkHostAndOrigin({ host: '127.0.0.1:8123', origin: 'null' }, hosts)?.status).toBe(403);
  });

  it('compares secrets exactly', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abd', 'abc')).toBe(false);
    expect(sameSecret('ab', 'abc')).toBe(false);
    expect(sameSecret(undefined, 'abc')).toBe(false);
  });

  it('reads cookies', () => {
    expect(readCookie({ cookie: 'a=1; portolan_session=xyz=; b=2' }, 'portolan_session')).toBe('xyz=');
    expect(readCookie({}, 'portolan_session')).toBeUndefined();
  });

  it('on a wildcard bind accepts the machine own addresses and localhost, never the wildcard itself', () => {
    const nic = (address: string, family: 'IPv4' | 'IPv6') => ({ address, family, netmask: '', mac: '', internal: false, cidr: null, scopeid: 0 }) as never;
    const interfaces = { lo: [nic('127.0.0.1', 'IPv4'), nic('::1', 'IPv6')], eth0: [nic('192.0.2.2', 'IPv4'), nic('FD00::2', 'IPv6')] };
    expect([...allowedHosts('0.0.0.0', 80, interfaces)].sort()).toEqual(['127.0.0.1:80', '192.0.2.2:80', 'localhost:80']);
    const both = allowedHosts('::', 80, interfaces);
    expect([...both].sort()).toEqual(['127.0.0.1:80', '192.0.2.2:80', '[::1]:80', '[fd00::2]:80', 'localhost:80']);
    expect(checkHostAndOrigin({ host: '0.0.0.0:80' }, allowedHosts('0.0.0.0', 80, interfaces))?.status).toBe(421);
    expect(checkHostAndOrigin({ host: '[::]:80' }, both)?.status).toBe(421);
    expect(checkHostAndOrigin({ host: '[FD00::2]:80', origin: 'http://[fd00::2]:80' }, both)).toBeUndefined();
    expect(isWildcardAddress('0.0.0.0') && isWildcardAddress('::') && !isWildcardAddress('127.0.0.2')).toBe(true);
  });
});
