import { describe, expect, it } from 'vitest';
import { allowedHosts, checkHostAndOrigin, readCookie, sameSecret } from '../../../src-main/transports/web-guard.js';

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
});
