/**
 * SSH tunnels through ssh2's Client: -L (a local listener; each connection is a direct-tcpip
 * channel), -R (the server listens; each 'tcp connection' is connected to the local target) and
 * -D (a local SOCKS5 proxy; each CONNECT is a direct-tcpip channel to what the client asked for).
 *
 * The server's host key is checked against ~/.ssh/known_hosts and Portolan's own known_hosts: an
 * unknown key fails with HOSTKEY_UNKNOWN and asks the user (trust on first use); a different key
 * fails with HOSTKEY_MISMATCH and is never accepted. A lost session is retried with exponential
 * backoff (1 s .. 60 s, jitter); keep-alives find silent servers.
 *
 * The server's host may be an alias of ~/.ssh/config (HostName, Port, IdentityFile, ProxyJump are
 * taken from it at each connect). With a jump host (ssh -J), a first session logs in to the jump
 * host (its host key checked the same way) and the tunnel's session runs over a direct-tcpip
 * channel from it to the server (ssh2's `sock`).
 */
import { readFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Client, ClientChannel, ConnectConfig } from 'ssh2';
import type { ConnectionInfo, ForwardSecrets, ForwardSpec } from '../../contract/forwards.js';
import { parseJump, type JumpHost } from '../../contract/ssh-command.js';
import { readSshConfig, type SshConfigView } from '../ssh-config/ssh-config.js';
import { backoffDelay } from './backoff.js';
import { checkHostKey, fingerprintOf, readKnownHostsFiles, sshKeyType } from './known-hosts.js';
import { hostPort, plainAddress } from '../net/address.js';
import { ClientAdmission } from './admission.js';
import { closeServer, listenTcp } from './listen.js';
import { countIn, countOut, pump } from './relay.js';
import { greetingReply, parseGreeting, parseRequest, requestReply, SocksReply } from './socks5.js';
import { connectionId, socketError, type ForwardError, type ForwardOwner, type ForwardRunner } from './types.js';

/**
 * ssh2, loaded by the first tunnel that connects: it is a large CommonJS package (and its crypto
 * set-up) that every other command and an app without SSH forwards would load for nothing.
 */
let ssh2Client: typeof Client | undefined;
const newClient = (): Client => new (ssh2Client ??= (createRequire(import.meta.url)('ssh2') as typeof import('ssh2')).Client)();

type SshSpec = Extract<ForwardSpec, { kind: 'ssh-local' | 'ssh-remote' | 'ssh-dynamic' }>;

/** How a tunnel finds its secrets and known hosts. */
export interface SshTunnelOptions {
  /** known_hosts files to trust, in order (the user's, then Portolan's own). */
  knownHostsFiles: string[];
  secrets?: ForwardSecrets;
  /** For tests: jitter source of the backoff. */
  random?: () => number;
  /** For tests: how long the SSH handshake and login may take (ms). */
  readyTimeoutMs?: number;
  /** The user's ssh config (~/.ssh/config), read at each connect; none: host names are taken as they are. */
  sshConfigFile?: string;
}

/** One SSH login on the way: the jump host or the server, after ~/.ssh/config. */
interface Hop {
  host: string;
  port: number;
  username: string;
  /** For messages: "the SSH server bastion (10.0.0.5:22)" or "the jump host 127.0.0.1:2222". */
  label: string;
}

/** Where a connect goes: the server, the jump host if any, and key files named by the config. */
interface Route {
  server: Hop;
  jump?: Hop;
  identityFiles: string[];
}

/** Expands a leading ~ to the home folder. */
export function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/**
 * Where a tunnel's SSH server (and jump host) are, after the user's ssh config: the alias's
 * HostName; its Port when the spec's is the default 22; its User for a jump host without one; its
 * ProxyJump when the spec has no jump. What the spec says otherwise wins, as ssh's command line
 * wins over its config. Throws an Error with a sentence for a ProxyJump Portolan cannot follow.
 */
export function sshRoute(ssh: SshSpec['ssh'], config: SshConfigView | undefined): Route {
  const hop = (host: string, port: number | undefined, username: string | undefined, what: string): Hop => {
    const c = config?.resolve(host);
    const hostName = c?.hostName ?? host;
    const p = port !== undefined && port !== 22 ? port : (c?.port ?? 22);
    const where = hostPort(hostName, p);
    return { host: hostName, port: p, username: username ?? c?.user ?? ssh.username, label: hostName === host ? `${what} ${where}` : `${what} ${host} (${where})` };
  };
  const server = hop(ssh.host, ssh.port, ssh.username, 'the SSH server');
  const fromConfig = config?.resolve(ssh.host);
  let jump: JumpHost | undefined = ssh.jump;
  if (!jump && fromConfig?.proxyJump) {
    try {
      jump = parseJump(fromConfig.proxyJump);
    } catch (err) {
      throw new Error(`ProxyJump of ${ssh.host} in ${config!.file}: ${(err as Error).message}`);
    }
  }
  return {
    server,
    ...(jump ? { jump: hop(jump.host, jump.port, jump.username, 'the jump host') } : {}),
    identityFiles: fromConfig?.identityFiles ?? [],
  };
}

/** A running SSH tunnel. */
export class SshTunnel implements ForwardRunner {
  private server: net.Server | undefined;
  private client: Client | undefined;
  /** The jump host's session (ssh -J), while there is one. */
  private jumpClient: Client | undefined;
  /** With a jump host: the server's session was started over the jump host's channel. */
  private clientConnected = true;
  /** Where the last connect went (after ~/.ssh/config). */
  private route: Route | undefined;
  private up = false;
  private stopping = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private fatal: ForwardError | undefined;
  private lastError: ForwardError | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly admission: ClientAdmission;
  boundPort: number | undefined;

  constructor(
    private readonly spec: SshSpec,
    private readonly owner: ForwardOwner,
    private readonly options: SshTunnelOptions,
  ) {
    this.admission = new ClientAdmission(spec.allow, owner);
  }

  /** The server for messages: as resolved by the last connect, else as the spec names it. */
  private get sshServer(): string {
    return this.route ? this.route.server.label.replace(/^the SSH server /, '') : hostPort(this.spec.ssh.host, this.spec.ssh.port);
  }

  async start(): Promise<void> {
    if (this.spec.kind !== 'ssh-remote') {
      const onConnection = this.spec.kind === 'ssh-local' ? (s: net.Socket) => this.acceptLocal(s) : (s: net.Socket) => this.acceptSocks(s);
      this.server = await listenTcp(this.spec.listenHost, this.spec.listenPort, onConnection);
      this.boundPort = (this.server.address() as net.AddressInfo).port;
    }
    this.connect();
  }

  /** Authentication settings, or a fatal error that retrying cannot fix. */
  private auth(identityFiles: readonly string[]): Partial<ConnectConfig> | ForwardError {
    const { ssh } = this.spec;
    const secrets = this.options.secrets ?? {};
    if (ssh.auth === 'password') {
      if (!secrets.password) return { code: 'AUTH_FAILED', message: `A password is needed to log in to ${this.sshServer} as ${ssh.username}; give it when starting the forward.` };
      return { password: secrets.password };
    }
    if (ssh.auth === 'agent') {
      const agent = process.env.SSH_AUTH_SOCK;
      if (!agent) return { code: 'AUTH_FAILED', message: 'No ssh-agent is running (SSH_AUTH_SOCK is not set): start one and add your key (ssh-add), or log in with a key file.' };
      return { agent };
    }
    const candidates = ssh.keyPath ? [expandHome(ssh.keyPath)] : [...identityFiles, ...DEFAULT_KEYS.map((k) => path.join(os.homedir(), '.ssh', k))];
    const file = candidates.find((f) => existsSync(f));
    if (!file) return { code: 'AUTH_FAILED', message: `No private key file found (${candidates.join(', ')}): give the key file's path.` };
    try {
      return { privateKey: readFileSync(file), ...(secrets.passphrase ? { passphrase: secrets.passphrase } : {}) };
    } catch (err) {
      return { code: 'AUTH_FAILED', message: `The key file ${file} could not be read: ${(err as Error).message}.` };
    }
  }

  private connect(): void {
    if (this.stopping) return;
    this.fatal = undefined;
    this.lastError = undefined;
    let route: Route;
    try {
      route = sshRoute(this.spec.ssh, this.options.sshConfigFile ? readSshConfig(this.options.sshConfigFile) : undefined);
    } catch (err) {
      this.fail({ code: 'SSH_CONFIG', message: (err as Error).message });
      return;
    }
    this.route = route;
    const auth = this.auth(route.identityFiles);
    if ('code' in auth) {
      this.fail(auth as ForwardError);
      return;
    }
    this.owner.setState('connecting');
    const { ssh } = this.spec;
    const client = newClient();
    const jumpClient = route.jump ? newClient() : undefined;
    this.client = client;
    this.jumpClient = jumpClient;
    const common = {
      ...auth,
      keepaliveInterval: ssh.keepaliveSec * 1000,
      keepaliveCountMax: 3,
      readyTimeout: this.options.readyTimeoutMs ?? 20000,
    };
    const config = (hop: Hop): ConnectConfig => ({ ...common, host: hop.host, port: hop.port, username: hop.username, hostVerifier: (key: Buffer) => this.verifyHostKey(key, hop) }) as ConnectConfig;
    client.on('ready', () => this.onReady(client));
    client.on('error', (err: Error & { level?: string }) => this.onError(err, route.server));
    client.on('close', () => this.onClose(client));
    client.on('tcp connection', (info, accept, reject) => this.acceptRemote(info, accept, reject));
    try {
      if (!jumpClient || !route.jump) {
        client.connect(config(route.server));
        return;
      }
      const jump = route.jump;
      jumpClient.on('error', (err: Error & { level?: string }) => this.onError(err, jump));
      // The jump session carries the server's: when it goes, the tunnel's session goes with it.
      jumpClient.on('close', () => {
        if (jumpClient !== this.jumpClient) return;
        this.jumpClient = undefined;
        if (this.client === client && !this.clientConnected) this.onClose(client);
        else client.end();
      });
      jumpClient.on('ready', () => {
        if (jumpClient !== this.jumpClient) return;
        jumpClient.forwardOut('127.0.0.1', 0, route.server.host, route.server.port, (err, stream) => {
          if (jumpClient !== this.jumpClient) return;
          if (err) {
            this.lastError = { code: 'ECONNREFUSED', message: `${capital(jump.label)} could not reach ${route.server.label}: ${err.message}.` };
            jumpClient.end();
            return;
          }
          this.clientConnected = true;
          try {
            client.connect({ ...config(route.server), sock: stream } as ConnectConfig);
          } catch (e) {
            this.fatal = { code: 'AUTH_FAILED', message: `The SSH login could not be prepared: ${(e as Error).message}.` };
            jumpClient.end();
          }
        });
      });
      this.clientConnected = false;
      jumpClient.connect(config(jump));
    } catch (err) {
      this.client = undefined;
      this.jumpClient = undefined;
      this.fail({ code: 'AUTH_FAILED', message: `The SSH login could not be prepared: ${(err as Error).message}.` });
    }
  }

  /** Sorts an ssh2 error: a refused login or an unusable key is fatal; anything else is retried. */
  private onError(err: Error & { level?: string }, hop: Hop): void {
    if (this.fatal) return;
    if (err.level === 'client-authentication') {
      this.fatal = { code: 'AUTH_FAILED', message: `${capital(hop.label)} refused the login of ${hop.username} (${this.spec.ssh.auth === 'password' ? 'wrong password?' : 'is the key in its authorized_keys?'}).` };
    } else if (/passphrase|privateKey|parse/i.test(err.message) && !err.level) {
      this.fatal = { code: 'AUTH_FAILED', message: `The private key could not be used: ${err.message}. Give its passphrase, or another key.` };
    } else {
      this.lastError = socketError(err, `SSH ${hop.label.replace(/^the (SSH server|jump host) /, '')}`);
    }
  }

  private verifyHostKey(key: Buffer, hop: Hop): boolean {
    const { host, port } = hop;
    const verdict = checkHostKey(readKnownHostsFiles(this.options.knownHostsFiles), host, port, key);
    const fingerprint = fingerprintOf(key);
    if (verdict.status === 'known') return true;
    if (verdict.status === 'unknown') {
      // As OpenSSH: a key of another type on record is said, since a server that no longer offers it is worth a question.
      const otherKnownKeys = verdict.others.map((e) => ({ keyType: e.keyType, fingerprint: fingerprintOf(e.key), source: e.source }));
      const onRecord = otherKnownKeys.length
        ? ` A key of another type is on record for this server: ${otherKnownKeys.map((k) => `${k.keyType} ${k.fingerprint} (${k.source})`).join(', ')}; it did not offer that one.`
        : '';
      this.fatal = {
        code: 'HOSTKEY_UNKNOWN',
        message: `${capital(hop.label)} is not known yet. Its ${sshKeyType(key)} key has the fingerprint ${fingerprint}: accept it only if it is the one the server's administrator gives.${onRecord}`,
      };
      this.owner.hostKey({ forwardId: this.owner.id, host, port, fingerprint, keyType: sshKeyType(key), known: false, ...(otherKnownKeys.length ? { otherKnownKeys } : {}) }, key);
      return false;
    }
    this.fatal = {
      code: 'HOSTKEY_MISMATCH',
      message:
        verdict.status === 'revoked'
          ? `${capital(hop.label)} presented a revoked key (${fingerprint}, ${verdict.entry.source}). Refused.`
          : `WARNING: ${hop.label} presented a different host key (${fingerprint}) than the one on record in ${verdict.entry.source}. ` +
            'Someone could be intercepting the connection, or the server was reinstalled. Refused: check with its administrator, then remove the old line.',
    };
    return false;
  }

  private onReady(client: Client): void {
    if (client !== this.client) return;
    this.attempt = 0;
    if (this.spec.kind !== 'ssh-remote') {
      this.up = true;
      this.owner.setState('up');
      return;
    }
    client.forwardIn(this.spec.listenHost, this.spec.listenPort, (err, port) => {
      if (client !== this.client) return;
      if (err) {
        this.lastError = { code: 'EADDRINUSE', message: `The SSH server did not listen on ${hostPort(this.spec.listenHost, this.spec.listenPort)}: ${err.message}.` };
        client.end();
        return;
      }
      this.boundPort = port || this.spec.listenPort;
      this.up = true;
      this.owner.setState('up');
    });
  }

  private onClose(client: Client): void {
    if (client !== this.client) return;
    this.client = undefined;
    const jump = this.jumpClient;
    this.jumpClient = undefined;
    jump?.end();
    this.up = false;
    if (this.stopping) return;
    if (this.fatal) {
      this.fail(this.fatal);
      return;
    }
    const delay = backoffDelay(this.attempt++, this.options.random);
    const error = this.lastError ?? { code: 'DISCONNECTED', message: `The SSH session with ${this.sshServer} ended.` };
    this.owner.setState('retrying', { retryInMs: delay, error });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, delay);
  }

  private fail(error: ForwardError): void {
    this.owner.setState('failed', { error });
  }

  private newConnection(sock: { address: string; port: number }, local: { address: string; port: number } | undefined, target: { host: string; port: number }): ConnectionInfo {
    return {
      id: connectionId(),
      forwardId: this.owner.id,
      client: sock,
      ...(local ? { localClientSide: local } : {}),
      target,
      bytesIn: 0,
      bytesOut: 0,
      openedAt: Date.now(),
    };
  }

  /** Refuses a local client before a channel exists, and logs why. */
  private refuseLocal(sock: net.Socket, connection: ConnectionInfo, error: ForwardError): void {
    this.owner.counters.targetErrors++;
    connection.error = error;
    sock.destroy();
  }

  /** Tracks a local socket and its connection until it closes. */
  private track(sock: net.Socket, connection: ConnectionInfo): void {
    this.sockets.add(sock);
    sock.on('error', (err) => {
      connection.error ??= socketError(err, 'client connection');
    });
    sock.once('close', () => {
      this.sockets.delete(sock);
      connection.closedAt = Date.now();
      this.owner.closed(connection);
    });
    this.owner.opened(connection);
  }

  private endpoints(sock: net.Socket) {
    return [
      { address: plainAddress(sock.remoteAddress), port: sock.remotePort ?? 0 },
      { address: plainAddress(sock.localAddress), port: sock.localPort ?? 0 },
    ] as const;
  }

  /** Relays a local socket and an SSH channel both ways until both have ended. */
  private relayChannel(sock: net.Socket, channel: ClientChannel, connection: ConnectionInfo, head?: Buffer): void {
    const { counters } = this.owner;
    if (head?.length) {
      countIn(connection, counters)(head.length);
      channel.write(head);
    }
    pump(sock, channel, countIn(connection, counters));
    pump(channel, sock, countOut(connection, counters));
    channel.on('error', (err: Error) => {
      connection.error ??= socketError(err, 'SSH channel');
      sock.destroy();
    });
    channel.once('close', () => {
      if (!sock.writableEnded) sock.destroy();
    });
    sock.once('close', (hadError) => {
      if (hadError) channel.destroy();
    });
    sock.resume();
  }

  private acceptLocal(sock: net.Socket): void {
    if (this.spec.kind !== 'ssh-local' || !this.admission.admitSocket(sock)) return;
    const [client, local] = this.endpoints(sock);
    const { targetHost, targetPort } = this.spec;
    const connection = this.newConnection(client, local, { host: targetHost, port: targetPort });
    this.track(sock, connection);
    sock.setNoDelay(true);
    sock.pause();
    const ssh = this.client;
    if (!ssh || !this.up) {
      this.refuseLocal(sock, connection, { code: 'DISCONNECTED', message: `The SSH tunnel to ${this.sshServer} is not up (${this.lastError?.message ?? 'connecting'}).` });
      return;
    }
    ssh.forwardOut(client.address, client.port, targetHost, targetPort, (err, channel) => {
      if (err) {
        this.refuseLocal(sock, connection, { code: 'ECONNREFUSED', message: `The SSH server could not connect to ${hostPort(targetHost, targetPort)}: ${err.message}.` });
        return;
      }
      if (sock.destroyed) {
        channel.close();
        return;
      }
      this.relayChannel(sock, channel, connection);
    });
  }

  private acceptSocks(sock: net.Socket): void {
    if (!this.admission.admitSocket(sock)) return;
    const [client, local] = this.endpoints(sock);
    const connection = this.newConnection(client, local, { host: '', port: 0 });
    this.track(sock, connection);
    sock.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    let stage: 'greeting' | 'request' = 'greeting';
    const timer = setTimeout(() => sock.destroy(), 10000);
    const onData = (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      if (stage === 'greeting') {
        const g = parseGreeting(buf);
        if ('need' in g) return;
        if (!g.ok) return void sock.destroy();
        sock.write(greetingReply(g.value.methods));
        if (!g.value.methods.includes(0)) return void sock.end();
        buf = buf.subarray(g.used);
        stage = 'request';
      }
      const r = parseRequest(buf);
      if ('need' in r) return;
      sock.off('data', onData);
      sock.pause();
      clearTimeout(timer);
      if (!r.ok) {
        connection.error = { code: 'SOCKS', message: r.reason };
        sock.end(requestReply(r.reply));
        return;
      }
      const head = buf.subarray(r.used);
      const { host, port } = r.value;
      connection.target = { host, port };
      const ssh = this.client;
      if (!ssh || !this.up) {
        this.owner.counters.targetErrors++;
        connection.error = { code: 'DISCONNECTED', message: `The SSH tunnel to ${this.sshServer} is not up.` };
        sock.end(requestReply(SocksReply.generalFailure));
        return;
      }
      ssh.forwardOut(client.address, client.port, host, port, (err, channel) => {
        if (err) {
          this.owner.counters.targetErrors++;
          connection.error = { code: 'ECONNREFUSED', message: `The SSH server could not connect to ${hostPort(host, port)}: ${err.message}.` };
          sock.end(requestReply(/refused/i.test(err.message) ? SocksReply.connectionRefused : SocksReply.hostUnreachable));
          return;
        }
        if (sock.destroyed) return void channel.close();
        sock.write(requestReply(SocksReply.succeeded));
        this.relayChannel(sock, channel, connection, head.length ? Buffer.from(head) : undefined);
      });
    };
    sock.on('data', onData);
    sock.once('close', () => clearTimeout(timer));
  }

  private acceptRemote(
    info: { srcIP: string; srcPort: number; destIP: string; destPort: number },
    accept: () => ClientChannel,
    reject: () => void,
  ): void {
    if (this.spec.kind !== 'ssh-remote') return reject();
    const { counters } = this.owner;
    if (!this.admission.admit(info.srcIP, info.srcPort)) return reject();
    const { targetHost, targetPort } = this.spec;
    const connection = this.newConnection({ address: info.srcIP, port: info.srcPort }, { address: info.destIP, port: info.destPort }, { host: targetHost, port: targetPort });
    const sock = net.connect({ host: targetHost, port: targetPort, allowHalfOpen: true, noDelay: true });
    sock.pause();
    this.track(sock, connection);
    sock.once('connect', () => {
      connection.localTargetSide = { address: plainAddress(sock.localAddress), port: sock.localPort ?? 0 };
      let channel: ClientChannel;
      try {
        channel = accept();
      } catch {
        sock.destroy();
        return;
      }
      this.relayChannel(sock, channel, connection);
    });
    sock.once('error', (err) => {
      if (sock.connecting || !connection.localTargetSide) {
        counters.targetErrors++;
        connection.error = socketError(err, `the target ${hostPort(targetHost, targetPort)} refused or could not be reached`);
        reject();
      }
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    const jump = this.jumpClient;
    this.client = undefined;
    this.jumpClient = undefined;
    this.up = false;
    client?.end();
    client?.destroy();
    jump?.end();
    jump?.destroy();
    const server = this.server;
    this.server = undefined;
    await closeServer(server, [...this.sockets]);
    this.sockets.clear();
  }
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
