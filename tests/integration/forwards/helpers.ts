/** Helpers for forward tests: calls that must succeed, target servers, and clients that hash what they get. */
import { createHash } from 'node:crypto';
import net from 'node:net';
import type { PortolanApp } from '../../../src-main/app/create-app.js';
import { runCli } from '../../../src-main/cli/run.js';
import type { CallInput, CallName, CallOutput, ForwardInfo } from '../../../src-main/contract/index.js';
import { ASSETS_DIR } from '../../helpers/app.js';

/** Runs a call and returns its value, or throws its error sentence. */
export async function call<K extends CallName>(app: PortolanApp, name: K, input: CallInput<K>): Promise<CallOutput<K>> {
  const result = await app.invoke(name, input);
  if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code });
  return result.value as CallOutput<K>;
}

/** forwards.create, answering the forward; a start failure throws the engine's error (code and sentence), as a failed call does. */
export async function createForward(app: PortolanApp, input: CallInput<'forwards.create'>): Promise<ForwardInfo> {
  const { info, startError } = await call(app, 'forwards.create', input);
  if (startError) throw Object.assign(new Error(startError.message), { code: startError.code, path: startError.path });
  if (!info) throw new Error('forwards.create answered neither the forward nor a start error');
  return info;
}

/** Creates and starts an unsaved TCP forward on any free port. */
export async function tcpForward(app: PortolanApp, targetPort: number, extra: Record<string, unknown> = {}): Promise<ForwardInfo> {
  return createForward(app, {
    spec: { kind: 'tcp', name: `t${Math.random()}`, listenPort: 0, targetHost: '127.0.0.1', targetPort, ...extra } as never,
    save: false,
  });
}

/** A TCP server on 127.0.0.1 (any free port). */
export async function server(onConnection: (s: net.Socket) => void, port = 0): Promise<net.Server & { port: number }> {
  const s = net.createServer({ allowHalfOpen: true }, onConnection);
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve());
  });
  return Object.assign(s, { port: (s.address() as net.AddressInfo).port });
}

export const closeServer = (s: net.Server) => new Promise<void>((r) => s.close(() => r()));

/** Deterministic data: `chunks` chunks of 1 MiB derived from a seed (each chunk is distinct). */
export function* chunks(seed: number, count: number, base: Buffer): Generator<Buffer> {
  for (let j = 0; j < count; j++) {
    const b = Buffer.from(base);
    b.writeUInt32BE(seed, 0);
    b.writeUInt32BE(j, 4);
    yield b;
  }
}

/** Writes chunks with backpressure, hashing them; ends the socket; returns the SHA-256. */
export async function sendHashed(sock: net.Socket, data: Iterable<Buffer>): Promise<string> {
  const h = createHash('sha256');
  for (const c of data) {
    h.update(c);
    if (!sock.write(c)) await new Promise((r) => sock.once('drain', r));
  }
  sock.end();
  return h.digest('hex');
}

/** Reads until end, hashing; returns the SHA-256 and the byte count. */
export function receiveHashed(sock: net.Socket): Promise<{ sha: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    let bytes = 0;
    sock.on('data', (d: Buffer) => {
      bytes += d.length;
      h.update(d);
    });
    sock.once('end', () => resolve({ sha: h.digest('hex'), bytes }));
    sock.once('error', reject);
  });
}

/** Connects to 127.0.0.1:port with half-open allowed. */
export function connect(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host, allowHalfOpen: true }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Waits until check() is true (polling every 20 ms), or throws after ms. */
export async function until(check: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The forward's info now. */
export async function infoOf(app: PortolanApp, id: string): Promise<ForwardInfo> {
  const { forwards } = await call(app, 'forwards.list', {});
  const f = forwards.find((x) => x.id === id);
  if (!f) throw new Error(`no forward ${id}`);
  return f;
}

/** Opens a connection through a SOCKS5 proxy (no auth, CONNECT) to host:port; resolves once the proxy says it is connected. */
export async function socksConnect(proxyPort: number, host: string, port: number): Promise<net.Socket> {
  const sock = await connect(proxyPort);
  const read = (n: number) =>
    new Promise<Buffer>((resolve, reject) => {
      let buf = Buffer.alloc(0);
      const onData = (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= n) {
          sock.off('data', onData);
          sock.pause();
          if (buf.length > n) sock.unshift(buf.subarray(n));
          resolve(buf.subarray(0, n));
        }
      };
      sock.on('data', onData);
      sock.resume();
      sock.once('end', () => reject(new Error('SOCKS proxy closed')));
    });
  sock.write(Buffer.from([5, 1, 0]));
  const method = await read(2);
  if (method[1] !== 0) throw new Error('SOCKS proxy refused no-auth');
  const name = Buffer.from(host);
  sock.write(Buffer.concat([Buffer.from([5, 1, 0, 3, name.length]), name, Buffer.from([port >> 8, port & 0xff])]));
  const reply = await read(10);
  if (reply[1] !== 0) throw Object.assign(new Error(`SOCKS reply ${reply[1]}`), { reply: reply[1] });
  return sock;
}

/** Sends `text`, ends, and reads the whole answer. */
export async function exchange(sock: net.Socket, text: string): Promise<string> {
  const chunks: Buffer[] = [];
  sock.on('data', (d: Buffer) => chunks.push(d));
  sock.resume();
  sock.end(text);
  await new Promise((r) => sock.once('end', r));
  return Buffer.concat(chunks).toString();
}

/** The next forwards.changed info of `id` that satisfies `check`. */
export function nextState(app: PortolanApp, id: string, check: (f: ForwardInfo) => boolean, ms = 10000): Promise<ForwardInfo> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error(`timed out waiting for forward ${id}'s state`))), ms);
    const off = app.bus.on('forwards.changed', ({ forwards }) => {
      const f = forwards.find((x) => x.id === id);
      if (f && check(f)) {
        clearTimeout(timer);
        off();
        resolve(f);
      }
    });
  });
}

/** Starts a CLI command in-process on `dataDir`; `stop()` interrupts it (Ctrl+C) and resolves with its exit code and output. */
export function startCli(dataDir: string, argv: string[]) {
  let stop: () => void = () => undefined;
  const interrupted = new Promise<void>((r) => (stop = r));
  const io = { out: '', err: '' };
  const done = runCli(argv, {
    stdout: (t) => (io.out += t),
    stderr: (t) => (io.err += t),
    assetsDir: ASSETS_DIR,
    staticDir: '/nonexistent',
    dataDir,
    interrupted,
  });
  return { io, done, stop: async () => (stop(), { code: await done, ...io }) };
}
