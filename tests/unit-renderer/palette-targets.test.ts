import { describe, expect, it } from 'vitest';
import { hostPort, looksLikeHost } from '../../src-renderer/src/lib/ui/targets.js';

describe('palette targets', () => {
  it('reads host:port for IPv4, names and bracketed IPv6', () => {
    expect(hostPort('10.0.0.5:8080')).toEqual({ host: '10.0.0.5', port: 8080 });
    expect(hostPort('db.lan:5432')).toEqual({ host: 'db.lan', port: 5432 });
    expect(hostPort('[::1]:22')).toEqual({ host: '::1', port: 22 });
    expect(hostPort('localhost:3000')).toEqual({ host: 'localhost', port: 3000 });
  });

  it('refuses a bad port or a word', () => {
    expect(hostPort('10.0.0.5:70000')).toBeNull();
    expect(hostPort('10.0.0.5:0')).toBeNull();
    expect(hostPort('mysql:3306')).toBeNull();
    expect(hostPort('443')).toBeNull();
  });

  it('tells hosts and networks from dictionary words', () => {
    expect(looksLikeHost('192.168.1.0/24')).toBe(true);
    expect(looksLikeHost('fe80::1')).toBe(true);
    expect(looksLikeHost('example.com')).toBe(true);
    expect(looksLikeHost('ssh')).toBe(false);
    expect(looksLikeHost('0-1023')).toBe(false);
  });
});
