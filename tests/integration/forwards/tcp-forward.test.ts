/**
 * The TCP forward against real sockets on 127.0.0.1: byte-exact under load (64 parallel
 * connections, 1 GiB in total, both directions), half-close, a target that is down then up,
 * 1,000 idle connections, allowlist refusals and a busy listen port.
 */
import { execSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../../helpers/app.js';
import { call, chunks, closeServer, connect, infoOf, receiveHashed, sendHashed, server, tcpForward, until } from './helpers.js';

let ctx: Awaited<ReturnType<typeof testApp>>;
beforeAll(async () => {
  ctx = await testApp();
});
afterAll(() => ctx.dispose());

describe('TCP forward', () => {
  it('carries 1 GiB over 64 parallel connections byte-exact, both directions, with half-close', async () => {
    const CONNECTIONS = 64;
    const MIB_PER_DIRECTION = 8; // 64 x (8 + 8) MiB = 1 GiB through the forward
    const base = randomBytes(1 << 20);
    const received = new Map<number, string>();
    // The target reads the client's upload to its end (the client's FIN), then answers with its own data.
    const target = await server((sock) => {
      let seed = -1;
      const hashed = receiveHashed(sock);
      sock.once('data', (d: Buffer) => (seed = d.readUInt32BE(0)));
      void hashed.then(async ({ sha }) => {
        received.set(seed, sha);
        await sendHashed(sock, chunks(seed + 1000, MIB_PER_DIRECTION, base));
      });
    });
    const fwd = await tcpForward(ctx.app, target.port);
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, i) => {
        const sock = await connect(fwd.boundPort!);
        const answer = receiveHashed(sock);
        const sent = await sendHashed(sock, chunks(i, MIB_PER_DIRECTION, base));
        const got = await answer;
        return { i, sent, got };
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    // The expected answer of connection i is the hash of chunks(i + 1000).
    const expected = (seed: number) => {
      const h = createHash('sha256');
      for (const c of chunks(seed, MIB_PER_DIRECTION, base)) h.update(c);
      return h.digest('hex');
    };
    for (const { i, sent, got } of results) {
      expect(received.get(i), `upload of connection ${i}`).toBe(sent);
      expect(got.bytes).toBe(MIB_PER_DIRECTION << 20);
      expect(got.sha, `download of connection ${i}`).toBe(expected(i + 1000));
    }
    await until(async () => (await infoOf(ctx.app, fwd.id)).activeConnections === 0, 5000, 'connections to close');
    const info = await infoOf(ctx.app, fwd.id);
    expect(info.bytesIn).toBe(CONNECTIONS * (MIB_PER_DIRECTION << 20));
    expect(info.bytesOut).toBe(CONNECTIONS * (MIB_PER_DIRECTION << 20));
    expect(info.totalConnections).toBe(CONNECTIONS);
    console.log(`[forwards] 1 GiB through the TCP forward (64 connections, test process does all three sides) in ${seconds.toFixed(1)} s`);
    await call(ctx.app, 'forwards.delete', { id: fwd.id });
    await closeServer(target);
  }, 120000);

  it('carries half-close: a client that ends its side still receives the whole answer', async () => {
    const answer = randomBytes(5 << 20);
    const target = await server((sock) => {
      let request = '';
      sock.on('data', (d) => (request += d));
      sock.on('end', () => sock.end(Buffer.concat([Buffer.from(`${request.length}:`), answer])));
    });
    const fwd = await tcpForward(ctx.app, target.port);
    const sock = await connect(fwd.boundPort!);
    const got: Buffer[] = [];
    sock.on('data', (d) => got.push(d));
    sock.end('GET / HTTP/1.0\r\n\r\n');
    await new Promise((r) => sock.once('end', r));
    const all = Buffer.concat(got);
    expect(all.subarray(0, 3).toString()).toBe('18:');
    expect(all.subarray(3).equals(answer)).toBe(true);
    const log = await call(ctx.app, 'forwards.connections', { id: fwd.id });
    expect(log.connections[0]).toMatchObject({ bytesIn: 18, bytesOut: answer.length + 3, target: { host: '127.0.0.1', port: target.port } });
    expect(log.connections[0]!.localTargetSide?.port).toBeGreaterThan(0);
    await call(ctx.app, 'forwards.delete', { id: fwd.id });
    await closeServer(target);
  });

  it('holds a fast sender back when the target reads slowly (backpressure: no unbounded buffering)', async () => {
    let targetSock: net.Socket | undefined;
    const target = await server((s) => {
      targetSock = s;
      s.pause(); // a reader that reads nothing for now
    });
    const fwd = await tcpForward(ctx.app, target.port);
    const client = await connect(fwd.boundPort!);
    const chunk = Buffer.alloc(1 << 20, 1);
    let offered = 0;
    const pump = () => {
      while (offered < 256 << 20 && client.write(chunk)) offered += chunk.length;
    };
    client.on('drain', pump);
    pump();
    await new Promise((r) => setTimeout(r, 1000));
    const info = await infoOf(ctx.app, fwd.id);
    // What the forward took in is bounded by the kernel's socket buffers plus one chunk, not by what the client offered.
    expect(info.bytesIn).toBeLessThan(32 << 20);
    expect(offered).toBeLessThan(64 << 20);
    // Once the target reads, everything flows.
    let got = 0;
    targetSock!.on('data', (d) => (got += d.length));
    targetSock!.resume();
    await until(() => got >= 8 << 20, 5000, 'the target to receive');
    client.destroy();
    targetSock!.destroy();
    await call(ctx.app, 'forwards.delete', { id: fwd.id });
    await closeServer(target);
  });

  it('refuses clients cleanly while the target is down, keeps listening, and works once it is up', async () => {
    const probe = await server(() => undefined);
    const port = probe.port;
    await closeServer(probe);
    const fwd = await tcpForward(ctx.app, port);
    for (let i = 0; i < 3; i++) {
      const sock = await connect(fwd.boundPort!);
      // Refused cleanly: the client reads end-of-stream at once (it is half-open, so it sees 'end').
      await new Promise<void>((resolve) => {
        sock.on('error', () => resolve());
        sock.once('end', () => resolve());
        sock.resume();
      });
      sock.destroy();
    }
    let info = await infoOf(ctx.app, fwd.id);
    expect(info.state).toBe('listening');
    expect(info.targetErrors).toBe(3);
    const log = await call(ctx.app, 'forwards.connections', { id: fwd.id });
    expect(log.connections.every((c) => c.error?.code === 'ECONNREFUSED')).toBe(true);

    const target = await server((s) => s.on('data', (d) => s.end(d)), port);
    const sock = await connect(fwd.boundPort!);
    sock.write('ping');
    const reply = await new Promise<string>((r) => sock.once('data', (d) => r(String(d))));
    expect(reply).toBe('ping');
    info = await infoOf(ctx.app, fwd.id);
    expect(info.targetErrors).toBe(3);
    sock.destroy();
    await call(ctx.app, 'forwards.delete', { id: fwd.id });
    await closeServer(target);
  });

  it('holds 1,000 idle connections', async (t) => {
    const fdLimit = Number(execSync('ulimit -n', { shell: '/bin/sh' }).toString().trim());
    // 4,000 sockets in this process (client, forward's two ends, target) plus the app's own.
    if (fdLimit < 4200) return t.skip(`the fd limit is ${fdLimit}; 4,200 are needed (raise ulimit -n)`);
    const accepted: net.Socket[] = [];
    const target = await server((s) => accepted.push(s));
    const fwd = await tcpForward(ctx.app, target.port);
    global.gc?.();
    const before = process.memoryUsage();
    const clients: net.Socket[] = [];
    for (let i = 0; i < 1000; i += 100) clients.push(...(await Promise.all(Array.from({ length: 100 }, () => connect(fwd.boundPort!)))));
    await until(() => accepted.length === 1000, 10000, '1,000 connections at the target');
    await until(async () => (await infoOf(ctx.app, fwd.id)).activeConnections === 1000, 5000, 'the engine to count them');
    const after = process.memoryUsage();
    console.log(
      `[forwards] 1,000 idle connections through one forward (4,000 sockets in this process): rss +${((after.rss - before.rss) / 1e6).toFixed(1)} MB, heap +${((after.heapUsed - before.heapUsed) / 1e6).toFixed(1)} MB`,
    );
    // All still work.
    clients[999]!.write('x');
    await until(() => accepted.some((s) => s.bytesRead > 0), 2000, 'a byte through');
    for (const c of clients) c.destroy();
    for (const s of accepted) s.destroy();
    await until(async () => (await infoOf(ctx.app, fwd.id)).activeConnections === 0, 10000, 'all to close');
    await call(ctx.app, 'forwards.delete', { id: fwd.id });
    await closeServer(target);
  }, 60000);

  it('refuses clients outside the allowlist and counts them', async () => {
    const target = await server((s) => s.end('hello'));
    const closedRefused: string[] = [];
    const off = ctx.app.bus.on('forwards.connection', ({ connection }) => connection.error?.code === 'ALLOWLIST' && closedRefused.push(connection.client.address));
    const denied = await tcpForward(ctx.app, target.port, { allow: ['10.0.0.0/8', 'fd00::/8'] });
    const sock = await connect(denied.boundPort!);
    const got = await new Promise<string>((resolve) => {
      let text = '';
      sock.on('data', (d) => (text += d));
      sock.on('error', () => resolve(text));
      sock.once('end', () => resolve(text));
    });
    expect(got).toBe('');
    await until(async () => (await infoOf(ctx.app, denied.id)).refused === 1, 2000, 'the refusal to be counted');
    expect(closedRefused).toEqual(['127.0.0.1']);
    sock.destroy();

    const allowed = await tcpForward(ctx.app, target.port, { allow: ['127.0.0.0/8'] });
    const ok = await connect(allowed.boundPort!);
    expect(await new Promise<string>((r) => ok.once('data', (d) => r(String(d))))).toBe('hello');
    ok.destroy();
    off();
    await call(ctx.app, 'forwards.delete', { id: denied.id });
    await call(ctx.app, 'forwards.delete', { id: allowed.id });
    await closeServer(target);
  });

  it('serves IPv6 clients on ::1 and applies IPv6 allowlists', async () => {
    const target = await server((s) => s.end('six'));
    const fwd = await tcpForward(ctx.app, target.port, { listenHost: '::1', allow: ['::1/128'] });
    const sock = await connect(fwd.boundPort!, '::1');
    expect(await new Promise<string>((r) => sock.once('data', (d) => r(String(d))))).toBe('six');
    await call(ctx.app, 'forwards.delete', { id: fwd.id });
    await closeServer(target);
  });

  it('names this process when the listen port is busy, and keeps the forward stopped as failed', async () => {
    const holder = await server(() => undefined);
    const result = await ctx.app.invoke('forwards.create', {
      spec: { kind: 'tcp', name: 'busy', listenPort: holder.port, targetHost: '127.0.0.1', targetPort: 9 },
      save: false,
    });
    // The call succeeds with the forward and why it did not start (one answer, no second call).
    if (!result.ok) throw new Error(result.error.message);
    const { info, startError } = result.value as { info?: { id: string; state: string }; startError?: { code: string; message: string; path?: unknown } };
    expect(startError).toMatchObject({ code: 'EADDRINUSE', path: ['spec', 'listenPort'] });
    expect(startError!.message).toContain(`(pid ${process.pid})`);
    expect(info?.state).toBe('failed');
    const failed = (await call(ctx.app, 'forwards.list', {})).forwards.find((f) => f.spec.name === 'busy')!;
    expect(failed.id).toBe(info?.id);
    expect(failed.state).toBe('failed');
    expect(failed.error?.code).toBe('EADDRINUSE');
    await call(ctx.app, 'forwards.delete', { id: failed.id });
    await closeServer(holder);
  });
});
