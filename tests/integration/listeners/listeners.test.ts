/**
 * Listeners and client sessions against real loopback peers (node sockets and socat): TCP and
 * UDP, IPv4 and IPv6, every responder, TLS, and the error sentences.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SocketSnapshot } from '../../../src-main/contract/index.js';
import { testApp } from '../../helpers/app.js';
import { call, callError, follow, haveSocat, socat, until } from './helpers.js';

let ctx: Awaited<ReturnType<typeof testApp>>;
let hasSocat = false;
const cleanups: (() => unknown)[] = [];
beforeAll(async () => {
  ctx = await testApp();
  hasSocat = await haveSocat();
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
afterAll(() => ctx.dispose());

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const bracket = (host: string) => (host.includes(':') ? `[${host}]` : host);

function tcpClient(host: string, port: number): Promise<{ socket: net.Socket; text: () => string; ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = net.connect({ host, port }, () => resolve({ socket, text: () => text, ended }));
    const ended = new Promise<void>((r) => socket.on('end', () => r()));
    socket.on('data', (d) => (text += d));
    socket.on('error', reject);
    cleanups.push(() => socket.destroy());
  });
}

async function udpClient(host: string): Promise<{ socket: dgram.Socket; received: string[] }> {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const received: string[] = [];
  socket.on('message', (m) => received.push(m.toString()));
  await new Promise<void>((r) => socket.bind(0, host, () => r()));
  cleanups.push(() => socket.close());
  return { socket, received };
}

describe.each(['127.0.0.1', '::1'])('listeners on %s', (host) => {
  it('accepts a TCP peer as a session: its bytes reach the console and the console answers', async () => {
    const f = follow(ctx.app);
    cleanups.push(() => f.stop());
    const listener = await call(ctx.app, 'listeners.open', { host, port: 0 });
    cleanups.push(() => ctx.app.invoke('listeners.close', { id: listener.id }));
    expect(listener).toMatchObject({ protocol: 'tcp', host, family: host.includes(':') ? 'IPv6' : 'IPv4', exposed: false, responder: 'interactive' });
    expect(listener.port).toBeGreaterThan(0);

    const client = await tcpClient(host, listener.port);
    client.socket.write('hello\n');
    const session = await until(() => f.find((s) => s.listenerId === listener.id), 5000, 'session');
    expect(session).toMatchObject({ kind: 'accepted', protocol: 'tcp', remoteAddress: host, remotePort: client.socket.localPort, localPort: listener.port, state: 'open' });
    await until(() => f.text(session.id) === 'hello\n', 5000, 'data');
    expect(f.order).toEqual([]);

    expect(await call(ctx.app, 'sessions.send', { id: session.id, data: b64('hi there') })).toEqual({ bytes: 8 });
    await until(() => client.text() === 'hi there', 5000, 'reply');

    const list = await call(ctx.app, 'listeners.list', {});
    expect(list.listeners.find((l) => l.id === listener.id)).toMatchObject({ activePeers: 1, totalPeers: 1 });

    await call(ctx.app, 'sessions.close', { id: session.id });
    await client.ended;
    const closed = await until(() => f.sessions.get(session.id)?.state === 'closed' && f.sessions.get(session.id), 5000, 'closed');
    expect(closed).toMatchObject({ bytesIn: 6, bytesOut: 8 });
    // Closing a closed session forgets it.
    await call(ctx.app, 'sessions.close', { id: session.id });
    expect((await call(ctx.app, 'listeners.list', {})).sessions.find((s) => s.id === session.id)).toBeUndefined();
  });

  it('talks to socat as a TCP peer', async (t) => {
    if (!hasSocat) return t.skip('socat is not installed (apt-get install socat)');
    const f = follow(ctx.app);
    cleanups.push(() => f.stop());
    const listener = await call(ctx.app, 'listeners.open', { host, port: 0 });
    cleanups.push(() => ctx.app.invoke('listeners.close', { id: listener.id }));
    const peer = socat(['-', `${host.includes(':') ? 'TCP6' : 'TCP4'}:${bracket(host)}:${listener.port}`]);
    cleanups.push(() => peer.child.kill());
    peer.child.stdin!.write('from socat\n');
    const session = await until(() => f.find((s) => s.listenerId === listener.id), 5000, 'session');
    await until(() => f.text(session.id) === 'from socat\n', 5000, 'data from socat');
    await call(ctx.app, 'sessions.send', { id: session.id, data: b64('to socat\n') });
    await until(() => peer.out() === 'to socat\n', 5000, 'data to socat');
    // Closing the listener closes its peers: socat sees the end and exits.
    await call(ctx.app, 'listeners.close', { id: listener.id });
    expect(await peer.exited).toBe(0);
    await until(() => f.sessions.get(session.id)?.state === 'closed', 5000, 'session closed');
  });

  it('keys UDP peers by address:port and replies to each', async () => {
    const f = follow(ctx.app);
    cleanups.push(() => f.stop());
    const listener = await call(ctx.app, 'listeners.open', { protocol: 'udp', host, port: 0 });
    cleanups.push(() => ctx.app.invoke('listeners.close', { id: listener.id }));
    const a = await udpClient(host);
    const b = await udpClient(host);
    a.socket.send('ping a', listener.port, host);
    b.socket.send('ping b', listener.port, host);
    const sa = await until(() => f.find((s) => s.remotePort === a.socket.address().port), 5000, 'session a');
    const sb = await until(() => f.find((s) => s.remotePort === b.socket.address().port), 5000, 'session b');
    expect(sa.id).not.toBe(sb.id);
    expect(sa).toMatchObject({ protocol: 'udp', kind: 'accepted', remoteAddress: host });
    await until(() => f.text(sa.id) === 'ping a' && f.text(sb.id) === 'ping b', 5000, 'datagrams');
    await call(ctx.app, 'sessions.send', { id: sa.id, data: b64('pong a') });
    await call(ctx.app, 'sessions.send', { id: sb.id, data: b64('pong b') });
    await until(() => a.received[0] === 'pong a' && b.received[0] === 'pong b', 5000, 'replies');
    a.socket.send('again', listener.port, host);
    await until(() => f.text(sa.id) === 'ping aagain', 5000, 'same session');
    expect((await call(ctx.app, 'listeners.list', {})).listeners.find((l) => l.id === listener.id)).toMatchObject({ activePeers: 2, totalPeers: 2 });
  });

  it('talks to socat as a UDP peer, and echoes datagrams', async (t) => {
    if (!hasSocat) return t.skip('socat is not installed');
    const f = follow(ctx.app);
    cleanups.push(() => f.stop());
    const listener = await call(ctx.app, 'listeners.open', { protocol: 'udp', host, port: 0 });
    cleanups.push(() => ctx.app.invoke('listeners.close', { id: listener.id }));
    const peer = socat(['-', `${host.includes(':') ? 'UDP6' : 'UDP4'}:${bracket(host)}:${listener.port}`]);
    cleanups.push(() => peer.child.kill());
    peer.child.stdin!.write('udp from socat\n');
    const session = await until(() => f.find((s) => s.listenerId === listener.id), 5000, 'session');
    await until(() => f.text(session.id) === 'udp from socat\n', 5000, 'datagram');
    await call(ctx.app, 'sessions.send', { id: session.id, data: b64('udp to socat\n') });
    await until(() => peer.out() === 'udp to socat\n', 5000, 'reply');

    const echo = await call(ctx.app, 'listeners.open', { protocol: 'udp', host, port: 0, responder: 'echo' });
    cleanups.push(() => ctx.app.invoke('listeners.close', { id: echo.id }));
    const client = await udpClient(host);
    client.socket.send(Buffer.from('echo me'), echo.port, host);
    await until(() => client.received[0] === 'echo me', 5000, 'udp echo');
  });

  it('opens TCP and UDP client sessions to node servers', async () => {
    const f = follow(ctx.app);
    cleanups.push(() => f.stop());
    let got = '';
    const server = net.createServer((s) => {
      s.write('220 ready\r\n');
      s.on('data', (d) => (got += d));
    });
    await new Promise<void>((r) => server.listen(0, host, r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const port = (server.address() as net.AddressInfo).port;
    const session = await call(ctx.app, 'sessions.connect', { host, port });
    expect(session).toMatchObject({ kind: 'client', protocol: 'tcp', state: 'open', remoteAddress: host, remotePort: port, remoteHost: host });
    await until(() => f.text(session.id) === '220 ready\r\n', 5000, 'greeting');
    await call(ctx.app, 'sessions.send', { id: session.id, data: b64('QUIT\r\n') });
    await until(() => got === 'QUIT\r\n', 5000, 'sent');
    await call(ctx.app, 'sessions.close', { id: session.id });
    await until(() => f.sessions.get(session.id)?.state === 'closed', 5000, 'closed');

    const udpServer = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    udpServer.on('message', (m, r) => udpServer.send(Buffer.concat([Buffer.from('re: '), m]), r.port, r.address));
    await new Promise<void>((r) => udpServer.bind(0, host, () => r()));
    cleanups.push(() => udpServer.close());
    const udp = await call(ctx.app, 'sessions.connect', { protocol: 'udp', host, port: udpServer.address().port });
    expect(udp).toMatchObject({ kind: 'client', protocol: 'udp', state: 'open' });
    await call(ctx.app, 'sessions.send', { id: udp.id, data: b64('question') });
    await until(() => f.text(udp.id) === 're: question', 5000, 'udp answer');
    await call(ctx.app, 'sessions.close', { id: udp.id });
  });

  it('connects to a socat TCP listener', async (t) => {
    if (!hasSocat) return t.skip('socat is not installed');
    const f = follow(ctx.app);
    cleanups.push(() => f.stop());
    const port = await freePort(host);
    const peer = socat([`${host.includes(':') ? 'TCP6' : 'TCP4'}-LISTEN:${port},bind=${bracket(host)},reuseaddr`, '-']);
    cleanups.push(() => peer.child.kill());
    const session = await connectRetry(host, port);
    peer.child.stdin!.write('hello from socat listener\n');
    await until(() => f.text(session.id) === 'hello from socat listener\n', 5000, 'data');
    await call(ctx.app, 'sessions.send', { id: session.id, data: b64('and back\n') });
    await until(() => peer.out() === 'and back\n', 5000, 'reply');
    peer.child.stdin!.end();
    await until(() => f.sessions.get(session.id)?.state === 'closed', 5000, 'closed when socat ends');
  });

  it('answers a real HTTP request with the http responder', async () => {
    const listener = await call(ctx.app, 'listeners.open', { host, port: 0, responder: 'http' });
    cleanups.push(() => ctx.app.invoke('listeners.close', { id: listener.id }));
    const res = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      http
        .get({ host, port: listener.port, path: '/probe?x=1', headers: { 'X-Probe': '<script>alert(1)</script>' } }, (r) => {
          let body = '';
          r.on('data', (d) => (body += d));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, type: String(r.headers['content-type']), body }));
        })
        .on('error', reject);
    });
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/text\/html/);
    expect(res.body).toContain('GET /probe?x=1 HTTP/1.1');
    expect(res.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.body).not.toContain('<script>');
    expect(res.body).toContain(bracket(host));
  });
});

describe('responders', () => {
  it('sends the banner on connect, then behaves as interactive', async () => {
    const f = follow(ctx.app);
    cleanups.push(() => f.stop());
    const listener = await call(ctx.app, 'listeners.open', { responder: 'banner', banner: 'SSH-2.0-Portolan\r\n' });
    cleanups.push(() => ctx.app.invoke('listeners.close', { id: listener.id }));
    const client = await tcpClient('127.0.0.1', listener.port);
    await until(() => client.text() === 'SSH-2.0-Portolan\r\n', 5000, 'banner');
    client.socket.write('SSH-2.0-client\r\n');
    const session = await until(() => f.find((s) => s.listenerId === listener.id), 5000, 'session');
    await until(() => f.text(session.id) === 'SSH-2.0-client\r\n', 5000, 'interactive data');
  });

  it('discards but counts', async () => {
    const f = follow(ctx.app);
    cleanups.push(() => f.stop());
    const listener = await call(ctx.app, 'listeners.open', { responder: 'discard' });
    cleanups.push(() => ctx.app.invoke('listeners.close', { id: listener.id }));
    const client = await tcpClient('127.0.0.1', listener.port);
    client.socket.end(Buffer.alloc(100000, 1));
    await client.ended;
    const s = await until(() => f.find((x) => x.listenerId === listener.id && x.state === 'closed'), 5000, 'closed');
    expect(s.bytesIn).toBe(100000);
    expect(f.bytes(s.id).length).toBe(0);
  });

  it('answers fetch() over the http responder', async () => {
    const listener = await call(ctx.app, 'listeners.open', { responder: 'http' });
    cleanups.push(() => ctx.app.invoke('listeners.close', { id: listener.id }));
    const res = await fetch(`http://127.0.0.1:${listener.port}/hello`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/GET \/hello HTTP\/1\.1/);
  });

  it('refuses an HTTP responder on UDP and a banner responder without text', async () => {
    expect(await callError(ctx.app, 'listeners.open', { protocol: 'udp', responder: 'http' })).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/HTTP responder needs TCP/) });
    expect(await callError(ctx.app, 'listeners.open', { responder: 'banner' })).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/banner text/) });
  });

  it('forgets an idle UDP peer after udpIdleMs', async () => {
    const f = follow(ctx.app);
    cleanups.push(() => f.stop());
    const listener = await call(ctx.app, 'listeners.open', { protocol: 'udp', udpIdleMs: 1000 });
    cleanups.push(() => ctx.app.invoke('listeners.close', { id: listener.id }));
    const client = await udpClient('127.0.0.1');
    client.socket.send('x', listener.port, '127.0.0.1');
    const s = await until(() => f.find((x) => x.listenerId === listener.id), 5000, 'session');
    const closed = await until(() => f.sessions.get(s.id)?.state === 'closed' && f.sessions.get(s.id), 5000, 'idle close');
    expect(closed.error).toMatchObject({ code: 'IDLE' });
    expect(closed.closedAt! - closed.openedAt).toBeGreaterThanOrEqual(1000);
  });

  it('tags its listener and session sockets in the socket table', async (t) => {
    if (process.platform !== 'linux') return t.skip('socket table tags are checked on Linux');
    const f = follow(ctx.app);
    cleanups.push(() => f.stop());
    const listener = await call(ctx.app, 'listeners.open', {});
    cleanups.push(() => ctx.app.invoke('listeners.close', { id: listener.id }));
    const client = await call(ctx.app, 'sessions.connect', { host: '127.0.0.1', port: listener.port });
    await until(() => f.find((x) => x.listenerId === listener.id), 5000, 'accepted');
    const snap = (await call(ctx.app, 'sockets.snapshot', {})) as SocketSnapshot;
    const mine = snap.rows.filter((r) => r.pid === process.pid);
    expect(mine.find((r) => r.state === 'LISTEN' && r.localPort === listener.port)?.ownedBy).toBe('listener');
    const pair = mine.filter(
      (r) =>
        r.state === 'ESTABLISHED' &&
        ((r.localPort === listener.port && r.remotePort === client.localPort) || (r.localPort === client.localPort && r.remotePort === listener.port)),
    );
    expect(pair.map((r) => r.ownedBy)).toEqual(['session', 'session']);
  });
});

describe('TLS client sessions', () => {
  let key = '';
  let cert = '';
  beforeAll(() => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'portolan-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=portolan.test/O=Portolan Tests',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
    key = readFileSync(path.join(dir, 'key.pem'), 'utf8');
    cert = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
  });

  async function tlsServer(): Promise<number> {
    const server = tls.createServer({ key, cert, ALPNProtocols: ['http/1.1'] }, (s) => s.end('secret hello\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    return (server.address() as net.AddressInfo).port;
  }

  it('reports the certificate, the protocol and ALPN, and that a self-signed one is not trusted', async () => {
    const f = follow(ctx.app);
    cleanups.push(() => f.stop());
    const port = await tlsServer();
    const s = await call(ctx.app, 'sessions.connect', { host: '127.0.0.1', port, tls: true, servername: 'portolan.test', alpn: ['h2', 'http/1.1'] });
    expect(s.tls).toMatchObject({
      subject: expect.stringContaining('CN=portolan.test'),
      issuer: expect.stringContaining('O=Portolan Tests'),
      protocol: expect.stringMatching(/^TLSv1\.[23]$/),
      alpn: 'http/1.1',
      authorized: false,
      authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
    expect(new Date(s.tls!.validTo).getTime()).toBeGreaterThan(Date.now());
    await until(() => f.text(s.id) === 'secret hello\n', 5000, 'decrypted data');
  });

  it('fails with TLS_FAILED when untrusted certificates are refused', async () => {
    const port = await tlsServer();
    const err = await callError(ctx.app, 'sessions.connect', { host: '127.0.0.1', port, tls: true, rejectUnauthorized: true });
    expect(err).toMatchObject({ code: 'TLS_FAILED', message: expect.stringMatching(/TLS handshake with 127\.0\.0\.1:\d+\/tcp failed \(DEPTH_ZERO_SELF_SIGNED_CERT\)/) });
  });
});

describe('errors', () => {
  it.each(['tcp', 'udp'] as const)('names this process as the holder of a busy %s port and proposes the next free one', async (protocol) => {
    const first = await call(ctx.app, 'listeners.open', { protocol });
    cleanups.push(() => ctx.app.invoke('listeners.close', { id: first.id }));
    const err = await callError(ctx.app, 'listeners.open', { protocol, port: first.port });
    expect(err.code).toBe('EADDRINUSE');
    expect(err.message).toContain(`Port ${first.port}/${protocol} on 127.0.0.1 is in use by`);
    expect(err.message).toContain(`(pid ${process.pid})`);
    const offered = Number(/Port (\d+) is free/.exec(err.message)?.[1]);
    expect(offered).toBeGreaterThan(first.port);
    const second = await call(ctx.app, 'listeners.open', { protocol, port: offered });
    cleanups.push(() => ctx.app.invoke('listeners.close', { id: second.id }));
  });

  it('explains an address that is not on this machine and an invalid port', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never a local address; binding sends nothing.
    expect(await callError(ctx.app, 'listeners.open', { host: '192.0.2.1' })).toMatchObject({ code: 'EADDRNOTAVAIL', message: expect.stringMatching(/not an address of this machine/) });
    expect(await callError(ctx.app, 'listeners.open', { port: 70000 })).toEqual({ code: 'INVALID_INPUT', message: 'port: Ports go from 0 (any free port) to 65535.', path: ['port'] });
    expect(await callError(ctx.app, 'sessions.connect', { host: '127.0.0.1', port: 0 })).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/port 0 cannot be connected to/) });
  });

  it('says connection refused, and timeout, with distinct codes', async () => {
    const port = await freePort('127.0.0.1');
    expect(await callError(ctx.app, 'sessions.connect', { host: '127.0.0.1', port })).toMatchObject({ code: 'ECONNREFUSED', message: expect.stringMatching(/Connection refused by 127\.0\.0\.1:\d+\/tcp/) });
    // A TCP server that never speaks TLS: the handshake times out.
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanups.push(() => {
      silent.close();
    });
    const silentPort = (silent.address() as net.AddressInfo).port;
    const started = Date.now();
    expect(await callError(ctx.app, 'sessions.connect', { host: '127.0.0.1', port: silentPort, tls: true, timeoutMs: 300 })).toMatchObject({ code: 'ETIMEDOUT', message: expect.stringMatching(/within 0\.3 s \(timeout\)/) });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('reports a closed session and an unknown one', async () => {
    expect(await callError(ctx.app, 'sessions.send', { id: 'S999999', data: 'aGk=' })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await callError(ctx.app, 'listeners.close', { id: 'L999999' })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await callError(ctx.app, 'sessions.send', { id: 'S1', data: 'not base64!' })).toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('explains a privileged port when run without privileges', (t) => {
    if (process.platform !== 'linux') return t.skip('Linux only');
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
    if (process.getuid?.() !== 0) return t.skip('needs root to start a child as an unprivileged user');
    if (start <= 80) return t.skip(`ip_unprivileged_port_start is ${start}: port 80 is not privileged here`);
    const script = `import { ListenerEngine } from ${JSON.stringify(path.resolve('src-main/engine/listeners/listener-engine.ts'))};
      const engine = new ListenerEngine({ emit: () => undefined });
      try { await engine.open({ protocol: 'tcp', host: '127.0.0.1', port: 80, responder: 'interactive', udpIdleMs: 60000 }); console.log('{}'); }
      catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }
      await engine.close();`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: '/tmp' },
    });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toMatchObject({ code: 'EACCES', message: expect.stringMatching(/Port 80\/tcp is a privileged port.*CAP_NET_BIND_SERVICE/) });
  });
});

/** A port that was free a moment ago. */
async function freePort(host: string): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** Connects, retrying while a just-started peer is not listening yet. */
async function connectRetry(host: string, port: number) {
  const end = Date.now() + 5000;
  for (;;) {
    const result = await ctx.app.invoke('sessions.connect', { host, port });
    if (result.ok) return result.value as { id: string };
    if (Date.now() > end || result.error.code !== 'ECONNREFUSED') throw new Error(result.error.message);
    await new Promise((r) => setTimeout(r, 50));
  }
}
