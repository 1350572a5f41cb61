/** Peers for scanner tests on loopback: an HTTP server, an SSH-like banner server, a TLS server, a UDP responder. */
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { PortolanApp } from '../../../src-main/app/create-app.js';
import type { ScanResults } from '../../../src-main/contract/index.js';

/** Something listening, and how to stop it. */
export interface Peer {
  port: number;
  close(): Promise<void>;
}

const listen = (server: net.Server): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
const sockets = new WeakMap<net.Server, Set<net.Socket>>();
/** Closes a server and every connection still open on it (a peer must never hold the test up). */
const closer = (server: net.Server) => () =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    for (const socket of sockets.get(server) ?? []) socket.destroy();
  });
const tracked = <S extends net.Server>(server: S): S => {
  const set = new Set<net.Socket>();
  sockets.set(server, set);
  server.on(server instanceof tls.Server ? 'secureConnection' : 'connection', (socket: net.Socket) => {
    set.add(socket);
    socket.on('close', () => set.delete(socket));
  });
  if (server instanceof tls.Server) server.on('connection', (socket: net.Socket) => {
    set.add(socket);
    socket.on('close', () => set.delete(socket));
  });
  return server;
};

export async function httpPeer(): Promise<Peer> {
  const server = tracked(http.createServer((_req, res) => {
    res.setHeader('Server', 'nginx/1.22.1');
    res.end('hello');
  }));
  return { port: await listen(server), close: closer(server) };
}

export async function bannerPeer(banner: string): Promise<Peer> {
  const server = tracked(
    net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.end(banner);
    }),
  );
  return { port: await listen(server), close: closer(server) };
}

/** A self-signed certificate made with the openssl CLI, or the reason it could not be. */
export function selfSignedCert(): { key: string; cert: string } | string {
  if (spawnSync('openssl', ['version']).error) return 'openssl is not installed';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portolan-cert-'));
  try {
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=scan.test/O=Portolan Test'], { stdio: 'pipe' });
    if (r.status !== 0) return `openssl req failed: ${r.stderr.toString()}`;
    return { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function tlsPeer(creds: { key: string; cert: string }): Promise<Peer> {
  const server = tracked(
    tls.createServer({ ...creds, ALPNProtocols: ['http/1.1'] }, (socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nServer: Caddy\r\nContent-Length: 0\r\n\r\n'));
    }),
  );
  return { port: await listen(server), close: closer(server) };
}

export async function udpPeer(reply: string): Promise<Peer> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (_msg, rinfo) => socket.send(reply, rinfo.port, rinfo.address));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return { port: socket.address().port, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}

/** A TCP port that was free a moment ago (so nothing listens: closed). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await closer(server)();
  return port;
}

async function call(app: PortolanApp, name: string, input: unknown): Promise<any> {
  const r = await app.invoke(name, input);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** Starts a scan through the contract and waits for it to end (scan.wait); returns its results. */
export async function scanToEnd(app: PortolanApp, spec: Record<string, unknown>): Promise<ScanResults> {
  const { id } = await call(app, 'scan.start', spec);
  await call(app, 'scan.wait', { id });
  return call(app, 'scan.results', { id });
}

export { call };
