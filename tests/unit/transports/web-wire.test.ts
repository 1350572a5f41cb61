import { describe, expect, it } from 'vitest';
import { readWireMessage } from '../../../src-main/transports/web-wire.js';

const read = (text: string) => readWireMessage(Buffer.from(text), false);

describe('readWireMessage', () => {
  it('reads a call', () => {
    expect(read('{"id":3,"call":"system.info","input":{"a":1}}')).toEqual({ kind: 'call', id: 3, call: 'system.info', input: { a: 1 } });
    expect(readWireMessage([Buffer.from('{"id":1,'), Buffer.from('"call":"x"}')], false)).toMatchObject({ kind: 'call', call: 'x' });
  });

  it('closes on JSON that is not an object, saying what a call looks like', () => {
    for (const text of ['null', '42', 'true', '"x"', '[]', '[{"id":1,"call":"x"}]']) {
      const message = read(text);
      expect(message).toMatchObject({ kind: 'close', code: 1008 });
      expect(message.kind === 'close' && message.reason).toMatch(/"id": <integer>/);
    }
  });

  it('closes on a call without an integer id, on non-JSON and on binary', () => {
    for (const text of ['{}', '{"id":"1","call":"x"}', '{"id":1.5,"call":"x"}', '{"id":1e300,"call":"x"}']) {
      expect(read(text)).toMatchObject({ kind: 'close', code: 1008 });
    }
    expect(read('{"id":')).toMatchObject({ kind: 'close', code: 1007 });
    expect(readWireMessage(Buffer.from('{}'), true)).toMatchObject({ kind: 'close', code: 1003 });
  });

  it('answers a call with an id but no name with an error for that id', () => {
    expect(read('{"id":9,"call":5}')).toMatchObject({ kind: 'reply', reply: { id: 9, ok: false, error: { code: 'INVALID_INPUT' } } });
  });

  it('keeps close reasons within the 123 bytes a close frame allows', () => {
    for (const text of ['null', '{}', '{', '']) {
      const message = read(text);
      if (message.kind === 'close') expect(Buffer.byteLength(message.reason)).toBeLessThanOrEqual(123);
    }
  });
});
