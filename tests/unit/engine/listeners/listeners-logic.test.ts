/** The listener engine's pure parts: watermarks, the UDP peer table, the HTTP page (the sentences: tests/unit/engine/net). */
import { describe, expect, it } from 'vitest';
import { FlowCredit } from '../../../../src-main/engine/listeners/flow-credit.js';
import { buildHttpPage, buildHttpResponse, headEnd, parseHead } from '../../../../src-main/engine/listeners/http-responder.js';
import { UdpPeerTable, peerKey } from '../../../../src-main/engine/listeners/udp-peers.js';

describe('FlowCredit (watermarks)', () => {
  it('pauses once at the high watermark and resumes once at the low one', () => {
    const c = new FlowCredit(100, 25);
    expect(c.receive(60)).toBe(false);
    c.emit(60);
    expect(c.receive(39)).toBe(false);
    expect(c.receive(30)).toBe(true); // 129 >= 100: pause now
    expect(c.receive(10)).toBe(false); // already paused: no second signal
    c.emit(79);
    expect(c.outstanding).toBe(139);
    expect(c.ack(100)).toBe(false); // 39 > 25: still paused
    expect(c.paused).toBe(true);
    expect(c.ack(14)).toBe(true); // 25: resume
    expect(c.paused).toBe(false);
    expect(c.ack(14)).toBe(false);
  });

  it('ignores acknowledgements beyond what was emitted (several consoles may ack the same bytes)', () => {
    const c = new FlowCredit(100, 25);
    c.receive(50);
    c.emit(30);
    c.ack(1000);
    expect(c.unacked).toBe(0);
    expect(c.queued).toBe(20);
    expect(c.outstanding).toBe(20);
  });

  it('tells UDP when a datagram would overflow the budget', () => {
    const c = new FlowCredit(100, 25);
    c.receive(90);
    expect(c.wouldOverflow(10)).toBe(false);
    expect(c.wouldOverflow(11)).toBe(true);
    expect(() => new FlowCredit(10, 10)).toThrow(RangeError);
  });
});

describe('UdpPeerTable (session expiry)', () => {
  it('forgets peers idle for idleMs, keeps the ones that were touched', () => {
    const t = new UdpPeerTable<string>(1000);
    t.add(peerKey('127.0.0.1', 5000), 'a', 0);
    t.add(peerKey('::1', 5000), 'b', 0);
    expect(t.get(peerKey('::1', 5000))).toBe('b');
    t.touch(peerKey('::1', 5000), 900);
    expect(t.expire(999)).toEqual([]);
    expect(t.expire(1000)).toEqual(['a']);
    expect(t.size).toBe(1);
    expect(t.expire(1899)).toEqual([]);
    expect(t.expire(1900)).toEqual(['b']);
    expect(t.values()).toEqual([]);
  });

  it('keys by address and port', () => {
    const t = new UdpPeerTable<number>(10);
    t.add(peerKey('127.0.0.1', 1), 1, 0);
    t.add(peerKey('127.0.0.1', 2), 2, 0);
    expect(t.size).toBe(2);
    expect(t.delete(peerKey('127.0.0.1', 1))).toBe(true);
    expect(t.get(peerKey('127.0.0.1', 1))).toBeUndefined();
  });
});

describe('HTTP responder page', () => {
  const ends = { peer: { address: '::1', port: 41000 }, local: { address: '127.0.0.1', port: 8080 } };

  it('finds the end of a request head with CRLF or LF', () => {
    expect(headEnd(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\nbody'))).toBe(27);
    expect(headEnd(Buffer.from('GET / HTTP/1.0\n\n'))).toBe(16);
    expect(headEnd(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n'))).toBe(-1);
  });

  it('shows the request line, the headers (escaped) and the peer', () => {
    const head = parseHead('GET /a?b=1 HTTP/1.1\r\nHost: localhost:8080\r\nX-Evil: <img src=x onerror=alert(1)>');
    expect(head).toMatchObject({ method: 'GET', requestLine: 'GET /a?b=1 HTTP/1.1', headers: [['Host', 'localhost:8080'], ['X-Evil', '<img src=x onerror=alert(1)>']] });
    const page = buildHttpPage(head, ends, new Date(0));
    expect(page).toContain('<code>GET /a?b=1 HTTP/1.1</code>');
    expect(page).toContain('<tr><th>Host</th><td>localhost:8080</td></tr>');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).not.toContain('<img');
    expect(page).toContain('[::1]:41000');
    expect(page).toContain('1970-01-01T00:00:00.000Z');
  });

  it('answers 200 with a length, closes, and sends no body to HEAD', () => {
    const get = buildHttpResponse(parseHead('GET / HTTP/1.1'), ends).toString();
    const [headers, body] = get.split('\r\n\r\n');
    expect(headers).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(headers).toContain(`Content-Length: ${Buffer.byteLength(body!)}`);
    expect(headers).toContain('Connection: close');
    const head = buildHttpResponse(parseHead('HEAD / HTTP/1.1'), ends).toString();
    expect(head.endsWith('\r\n\r\n')).toBe(true);
    expect(head).toMatch(/Content-Length: [1-9]/);
  });

  it('says when the head was truncated', () => {
    expect(buildHttpPage(parseHead('GET / HTTP/1.1', true), ends)).toMatch(/only the start is shown/);
  });
});
