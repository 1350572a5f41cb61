import { describe, expect, it } from 'vitest';
import { FLOW_CONTROL, MAX_DATAGRAM as CONTRACT_MAX_DATAGRAM } from '../../src-main/contract/sessions.js';
import { base64Length, ByteRing, formatBytes, formatDuration, fromBase64, toBase64 } from '../../src-renderer/src/lib/consoles/bytes.js';
import { hexDump, hexLine, HexStream } from '../../src-renderer/src/lib/consoles/hexdump.js';
import { encodeLine, encodeText, LineEditor } from '../../src-renderer/src/lib/consoles/input.js';
import { MAX_DATAGRAM, SEND_CHUNK } from '../../src-renderer/src/lib/state/consoles.svelte.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('hex dumps', () => {
  it('formats a line with offset, hex (gap after 8) and the ASCII column', () => {
    expect(hexLine(bytes('hello'), 0)).toMatch(/^00000000 {2}68 65 6c 6c 6f {36}\|hello\|$/);
    const full = hexLine(Uint8Array.from([0, 1, 0x41, 0x7f, 0x80, 0xff, 0x20, 0x7e, 9, 10, 13, 0x61, 0x62, 0x63, 0x64, 0x65]), 0x10);
    expect(full).toBe('00000010  00 01 41 7f 80 ff 20 7e  09 0a 0d 61 62 63 64 65  |..A... ~...abcde|');
    expect(hexLine(bytes('hello'), 0)).toHaveLength(full.length - 11);
  });

  it('keeps the ASCII column aligned on a short last line', () => {
    const lines = hexDump(bytes('hello\nworld https://example.org/ ok\n')).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('00000000  68 65 6c 6c 6f 0a 77 6f  72 6c 64 20 68 74 74 70  |hello.world http|');
    expect(lines[2]!.indexOf('|')).toBe(lines[0]!.indexOf('|'));
  });

  it('streams: completes the partial line in place, and after an interruption on a new line', () => {
    const stream = new HexStream();
    expect(stream.reset(bytes('abc'), 32)).toBe(hexLine(bytes('abc'), 32));
    const more = stream.push(bytes('defghijklmnopqrs'));
    expect(more.startsWith('\r\x1b[2K' + hexLine(bytes('abcdefghijklmnop'), 32) + '\r\n')).toBe(true);
    expect(more.endsWith(hexLine(bytes('qrs'), 48))).toBe(true);
    expect(stream.interrupt()).toBe('\r\n');
    expect(stream.interrupt()).toBe('');
    expect(stream.push(bytes('t'))).toBe(hexLine(bytes('qrst'), 48));
  });
});

describe('bytes', () => {
  it('round-trips base64 and knows decoded lengths', () => {
    const data = Uint8Array.from({ length: 70000 }, (_, i) => (i * 7) & 0xff);
    const b64 = toBase64(data);
    expect(b64).toBe(btoa(Array.from(data, (b) => String.fromCharCode(b)).join('')));
    expect(fromBase64(b64)).toEqual(data);
    for (const n of [0, 1, 2, 3, 4, 5]) expect(base64Length(btoa('x'.repeat(n)))).toBe(n);
  });

  it('keeps the last bytes of a stream with absolute offsets', () => {
    const ring = new ByteRing(10);
    ring.push(bytes('01234'));
    ring.push(bytes('56789abc'));
    expect(ring.length).toBe(10);
    expect(ring.start).toBe(3);
    expect(ring.end).toBe(13);
    expect(new TextDecoder().decode(ring.slice())).toBe('3456789abc');
    expect(new TextDecoder().decode(ring.slice(8))).toBe('89abc');
    expect(ring.slice(0).length).toBe(10);
  });

  it('formats sizes and durations', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50 MiB');
    expect(formatDuration(7_000)).toBe('0:07');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
  });

  it('mirrors the contract limits it cannot import at run time', () => {
    expect(MAX_DATAGRAM).toBe(CONTRACT_MAX_DATAGRAM);
    expect(Math.ceil((SEND_CHUNK.tcp * 4) / 3)).toBeLessThan(1_000_000);
    expect(FLOW_CONTROL.maxChunk).toBeGreaterThan(0);
  });
});

describe('input modes', () => {
  it('encodes lines with LF or CRLF, in UTF-8', () => {
    expect([...encodeLine('hi', 'lf')]).toEqual([0x68, 0x69, 0x0a]);
    expect([...encodeLine('hi', 'crlf')]).toEqual([0x68, 0x69, 0x0d, 0x0a]);
    expect([...encodeLine('é', 'lf')]).toEqual([0xc3, 0xa9, 0x0a]);
    expect([...encodeText('\r')]).toEqual([0x0d]);
  });

  it('edits a line locally: echo, backspace, Enter, Ctrl+C, Ctrl+D, escape sequences', () => {
    const ed = new LineEditor();
    expect(ed.feed('hel')).toEqual({ echo: 'hel', lines: [], eof: false });
    expect(ed.feed('p\x7f\x7flo')).toEqual({ echo: 'p\b \b\b \blo', lines: [], eof: false });
    expect(ed.feed('\x15')).toEqual({ echo: '\b \b'.repeat(4), lines: [], eof: false });
    ed.feed('hello');
    expect(ed.feed('\x1b[A\x1bOP')).toEqual({ echo: '', lines: [], eof: false });
    expect(ed.feed('\r')).toEqual({ echo: '\r\n', lines: ['hello'], eof: false });
    expect(ed.feed('one\r\ntwo\rthree').lines).toEqual(['one', 'two']);
    expect(ed.line).toBe('three');
    expect(ed.feed('\x04').eof).toBe(false);
    expect(ed.feed('\x03').echo).toBe('^C\r\n');
    expect(ed.line).toBe('');
    expect(ed.feed('\x04').eof).toBe(true);
  });
});
