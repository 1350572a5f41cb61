/** `portolan listen` and `portolan connect` against real loopback peers, through runCli and as a real process. */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src-main/cli/run.js';
import { ASSETS_DIR } from '../../helpers/app.js';
import { until } from './helpers.js';

/** Starts a CLI invocation with piped stdin/stdout; stop() interrupts it like Ctrl+C. */
async function start(...argv: string[]) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let out = '';
  let err = '';
  const raw: Buffer[] = [];
  stdout.on('data', (d: Buffer) => {
    out += d;
    raw.push(d);
  });
  let interrupt = () => undefined as void;
  const interrupted = new Promise<void>((r) => (interrupt = r));
  const done = runCli(argv, {
    stdout: (t) => stdout.write(t),
    stderr: (t) => (err += t),
    assetsDir: ASSETS_DIR,
    staticDir: path.resolve('dist/renderer'),
    dataDir: await mkdtemp(path.join(os.tmpdir(), 'portolan-cli-')),
    interrupted,
    stdin,
    stdoutStream: stdout,
  });
  return { stdin, out: () => out, raw: () => Buffer.concat(raw), err: () => err, done, stop: () => (interrupt(), done) };
}

describe('portolan listen', () => {
  it('prints what a peer sends, sends what is typed, reports peers on stderr, and stops on Ctrl+C', async () => {
    const cli = await start('listen', '0');
    const port = Number((await until(() => /Listening on tcp 127\.0\.0\.1:(\d+) \(interactive\)/.exec(cli.err()), 5000, 'listening'))[1]);
    expect(cli.err()).toMatch(/Typed input goes to the most recent peer/);
    let got = '';
    const peer = net.connect(port, '127.0.0.1');
    peer.on('data', (d) => (got += d));
    await new Promise((r) => peer.once('connect', r));
    peer.write(Buffer.from([0x00, 0xff, 0x41, 0x0a]));
    // Binary bytes reach stdout unchanged.
    await until(() => cli.raw().equals(Buffer.from([0x00, 0xff, 0x41, 0x0a])), 5000, 'bytes on stdout');
    await until(() => /\+ 127\.0\.0\.1:\d+ connected \(S\d+\)/.test(cli.err()), 5000, 'connect line');
    cli.stdin.write('typed line\n');
    await until(() => got === 'typed line\n', 5000, 'typed input at the peer');
    peer.write('after\n');
    await until(() => cli.raw().toString('latin1').endsWith('after\n'), 5000, 'after on stdout');
    // stdout holds the peer's bytes only: what was typed is not printed back.
    expect(cli.raw().equals(Buffer.concat([Buffer.from([0x00, 0xff, 0x41, 0x0a]), Buffer.from('after\n')]))).toBe(true);
    peer.end();
    await until(() => /- 127\.0\.0\.1:\d+ disconnected/.test(cli.err()), 5000, 'disconnect line');
    expect(await cli.stop()).toBe(0);
  });

  it('--json prints listening, session and data lines; --echo answers by itself', async () => {
    const cli = await start('listen', '0', '--echo', '--json');
    const first = await until(() => cli.out().split('\n')[0] || undefined, 5000, 'first line');
    const { event, listener } = JSON.parse(first);
    expect(event).toBe('listening');
    expect(listener).toMatchObject({ responder: 'echo', protocol: 'tcp' });
    const peer = net.connect(listener.port, '127.0.0.1');
    let got = '';
    peer.on('data', (d) => (got += d));
    peer.write('echo?');
    await until(() => got === 'echo?', 5000, 'echo');
    await until(() => cli.out().includes('"event":"session"'), 5000, 'session line');
    peer.destroy();
    expect(await cli.stop()).toBe(0);
  });

  it('--json prints what was sent (the banner, typed input) as sent lines, in order with data lines', async () => {
    const cli = await start('listen', '0', '--banner', 'hello there', '--json');
    const first = await until(() => cli.out().split('\n')[0] || undefined, 5000, 'first line');
    const { listener } = JSON.parse(first);
    const peer = net.connect(listener.port, '127.0.0.1');
    let got = '';
    peer.on('data', (d) => (got += d));
    await until(() => got === 'hello there', 5000, 'banner at the peer');
    peer.write('question\n');
    await until(() => cli.out().includes('"event":"data"'), 5000, 'data line');
    cli.stdin.write('answer\n');
    await until(() => got === 'hello thereanswer\n', 5000, 'typed input at the peer');
    const lines = await until(() => {
      const parsed = cli.out().trim().split('\n').map((l) => JSON.parse(l));
      return parsed.filter((l) => l.event === 'sent').length === 2 ? parsed : undefined;
    }, 5000, 'sent lines');
    const said = lines.filter((l) => l.event === 'data' || l.event === 'sent').map((l) => `${l.event} ${Buffer.from(l.data, 'base64').toString('utf8')}`);
    expect(said).toEqual(['sent hello there', 'data question\n', 'sent answer\n']);
    peer.destroy();
    expect(await cli.stop()).toBe(0);
  });

  it('prints the engine sentence and exits non-zero for a busy port', async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as net.AddressInfo).port;
    const cli = await start('listen', String(port));
    expect(await cli.done).toBe(1);
    expect(cli.err()).toMatch(new RegExp(`portolan listen: Port ${port}/tcp on 127\\.0\\.0\\.1 is in use by .*\\(pid ${process.pid}\\)`));
    holder.close();
    expect(await (await start('listen')).done).toBe(2);
    expect(await (await start('listen', '1', '--echo', '--http')).done).toBe(2);
  });
});

describe('portolan connect', () => {
  it('relays both ways, half-closes at end of input and ends when the peer closes', async () => {
    let got = '';
    const server = net.createServer({ allowHalfOpen: true }, (s) => {
      s.write('hello\n');
      s.on('data', (d) => (got += d));
      s.on('end', () => s.end('bye\n'));
    });
    await new Promise<void>((r) => server.listen(0, '::1', r));
    const port = (server.address() as net.AddressInfo).port;
    const cli = await start('connect', '::1', String(port));
    await until(() => cli.out() === 'hello\n', 5000, 'greeting');
    expect(cli.err()).toMatch(/Connected to \[::1\]:\d+ \(tcp\)/);
    cli.stdin.end('ping\n');
    expect(await cli.done).toBe(0);
    expect(got).toBe('ping\n');
    expect(cli.out()).toBe('hello\nbye\n');
    expect(cli.err()).toMatch(/Closed by the peer/);
    server.close();
  });

  it('says connection refused and exits 1', async () => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    const cli = await start('connect', '127.0.0.1', String(port));
    expect(await cli.done).toBe(1);
    expect(cli.err()).toMatch(/portolan connect: Connection refused by 127\.0\.0\.1:\d+\/tcp/);
  });

  it('runs as a real process like nc: stdin to the peer, the answer on stdout, exit when done', async () => {
    const server = net.createServer({ allowHalfOpen: true }, (s) => {
      let got = '';
      s.on('data', (d) => (got += d));
      s.on('end', () => s.end(got.toUpperCase()));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src-main/cli/main.ts', 'connect', '127.0.0.1', String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.stdin.end('shout\n');
    const code = await new Promise((r) => child.on('exit', r));
    expect({ code, out }).toEqual({ code: 0, out: 'SHOUT\n' });
    expect(err).toMatch(/Connected to 127\.0\.0\.1/);
    server.close();
  });
});
