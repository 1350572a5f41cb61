import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../../src-main/engine/dictionary/query.js';

describe('parseQuery', () => {
  it('reads single ports, with or without a protocol suffix', () => {
    expect(parseQuery('443')).toEqual({ kind: 'number', port: 443 });
    expect(parseQuery(' 53/udp ')).toEqual({ kind: 'number', port: 53 });
    expect(parseQuery('0')).toEqual({ kind: 'number', port: 0 });
  });

  it('reads closed and open ranges', () => {
    expect(parseQuery('0-1023')).toEqual({ kind: 'range', low: 0, high: 1023 });
    expect(parseQuery('49152-')).toEqual({ kind: 'range', low: 49152, high: 65535 });
    expect(parseQuery('-1023')).toEqual({ kind: 'range', low: 0, high: 1023 });
    expect(parseQuery('8000..8100')).toEqual({ kind: 'range', low: 8000, high: 8100 });
  });

  it('splits words for text search', () => {
    expect(parseQuery('Network  Time')).toEqual({ kind: 'words', words: ['network', 'time'] });
    expect(parseQuery('ssh')).toEqual({ kind: 'words', words: ['ssh'] });
  });

  it('refuses numbers outside 0-65535 and reversed ranges with a sentence that says what to do', () => {
    expect(() => parseQuery('70000')).toThrow(/ports go from 0 to 65535/);
    expect(() => parseQuery('2000-1000')).toThrow(/reversed.*1000-2000/);
  });
});
