/**
 * An in-process SSH server (ssh2's Server) on 127.0.0.1 for tests without root: password or key
 * login, direct-tcpip (-L, -D) and tcpip-forward (-R) on loopback only. It can be stopped and
 * started again on the same port with the same host key (to test reconnects), or with a new host
 * key (to test a mismatch).
 */
import net from 'node:net';
import ssh2, { type Connection } from 'ssh2';

const { Server, utils } = ssh2;
import { fingerprintOf, knownHostsLine } from '../../../../src-main/engine/forwards/known-hosts.js';

export const SSH_USER = 'tester';
export const SSH_PASSWORD = 'correct horse';

export interface TestSshServer {
  port: number;
  /** The host key's SSH blob and its fingerprint. */
  hostKey: Buffer;
  fingerprint: string;
  /** A known_hosts line for this server. */
  knownHostsLine(): string;
  /** Where the server's clients asked it to connect (direct-tcpip: -L, -D, and jump hosts' channels), in order. */
  readonly tcpipRequests: readonly { destIP: string; destPort: number }[];
  /** Drops every session and stops listening (the port stays reserved for restart). */
  stop(): Promise<void>;
  /** Listens again on the same port; newHostKey: with a different key. */
  restart(newHostKey?: boolean): Promise<void>;
  close(): Promise<void>;
}

/** A host key pair that ssh2 can parse: its private key and public SSH blob. */
export function newKey(type: 'ed25519' | 'ecdsa' = 'ed25519'): { priv: string; blob: Buffer } {
  // ssh2's generator now and then writes a key its own parser refuses ("Malformed OpenSSH private key"): try again.
  for (let i = 0; ; i++) {
    const pair = type === 'ecdsa' ? utils.generateKeyPairSync('ecdsa', { bits: 256 }) : utils.generateKeyPairSync('ed25519');
    let parsed: ReturnType<typeof utils.parseKey>;
    try {
      parsed = utils.parseKey(pair.private);
    } catch (err) {
      parsed = err as Error;
    }
    if (parsed instanceof Error) {
      if (i < 10) continue;
      throw parsed;
    }
    const key = Array.isArray(parsed) ? parsed[0]! : parsed;
    return { priv: pair.private, blob: key.getPublicSSH() };
  }
}

/**
 * Starts the server; `authorizedKey` (an OpenSSH public key line) also allows key login;
 * `hostKeyType` is the type of its only host key (ed25519 unless said).
 */
export async function startTestSshServer(options: { authorizedKey?: string; port?: number; hostKeyType?: 'ed25519' | 'ecdsa' } = {}): Promise<TestSshServer> {
  let key = newKey(options.hostKeyType);
  const allowed = options.authorizedKey ? utils.parseKey(options.authorizedKey) : undefined;
  const allowedBlob = allowed && !(allowed instanceof Error) ? (Array.isArray(allowed) ? allowed[0]! : allowed).getPublicSSH() : undefined;
  let server: InstanceType<typeof Server> | undefined;
  const clients = new Set<Connection>();
  const sockets = new Set<net.Socket>();
  const remoteListeners = new Set<net.Server>();
  let port = options.port ?? 0;
  const tcpipRequests: { destIP: string; destPort: number }[] = [];

  const onClient = (client: Connection) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.username !== SSH_USER) return ctx.reject();
      if (ctx.method === 'password' && ctx.password === SSH_PASSWORD) return ctx.accept();
      if (ctx.method === 'publickey' && allowedBlob && ctx.key.data.equals(allowedBlob)) {
        if (!ctx.signature) return ctx.accept();
        const pub = utils.parseKey(options.authorizedKey!);
        const k = Array.isArray(pub) ? pub[0]! : pub;
        if (!(k instanceof Error) && ctx.blob && k.verify(ctx.blob, ctx.signature, ctx.hashAlgo)) return ctx.accept();
      }
      ctx.reject(['password', 'publickey']);
    });
    client.on('ready', () => {
      client.on('tcpip', (accept, reject, info) => {
        tcpipRequests.push({ destIP: info.destIP, destPort: info.destPort });
        const target = net.connect({ host: info.destIP, port: info.destPort, allowHalfOpen: true });
        sockets.add(target);
        target.once('close', () => sockets.delete(target));
        target.once('error', () => reject?.());
        target.once('connect', () => {
          target.removeAllListeners('error');
          target.on('error', () => undefined);
          const channel = accept();
          channel.pipe(target).pipe(channel);
          channel.on('error', () => target.destroy());
        });
      });
      client.on('request', (accept, reject, name, info) => {
        if (name !== 'tcpip-forward') return accept?.();
        const bind = info as { bindAddr: string; bindPort: number };
        const listener = net.createServer({ allowHalfOpen: true }, (sock) => {
          sockets.add(sock);
          sock.once('close', () => sockets.delete(sock));
          sock.on('error', () => undefined);
          sock.pause();
          const bound = (listener.address() as net.AddressInfo).port;
          client.forwardOut(bind.bindAddr, bound, sock.remoteAddress ?? '', sock.remotePort ?? 0, (err, channel) => {
            if (err) return void sock.destroy();
            sock.pipe(channel).pipe(sock);
            channel.on('error', () => sock.destroy());
          });
        });
        listener.once('error', () => reject?.());
        listener.listen(bind.bindPort, '127.0.0.1', () => {
          remoteListeners.add(listener);
          client.once('close', () => {
            listener.close();
            remoteListeners.delete(listener);
          });
          accept?.((listener.address() as net.AddressInfo).port);
        });
      });
    });
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = new Server({ hostKeys: [key.priv] }, onClient);
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const stop = async () => {
    for (const c of clients) c.end();
    for (const s of sockets) s.destroy();
    for (const l of remoteListeners) l.close();
    remoteListeners.clear();
    const s = server;
    server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  };
  await listen();
  const handle: TestSshServer = {
    get port() {
      return port;
    },
    get hostKey() {
      return key.blob;
    },
    get fingerprint() {
      return fingerprintOf(key.blob);
    },
    knownHostsLine: () => knownHostsLine('127.0.0.1', port, key.blob),
    tcpipRequests,
    stop,
    async restart(newHostKey = false) {
      if (newHostKey) key = newKey(options.hostKeyType);
      await listen();
    },
    close: stop,
  };
  return handle;
}
