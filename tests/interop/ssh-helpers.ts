/**
 * A throwaway OpenSSH server on 127.0.0.1 for interop tests (the recipe of ../shared/peers/sshd.sh,
 * on the host's loopback: GatewayPorts clientspecified, never a wildcard bind). Started by absolute
 * path (sshd re-executes itself), with StrictModes no for keys under /tmp; stopped by PID.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from './helpers.js';

export const SSHD = '/usr/sbin/sshd';

export interface OpenSshServer {
  dir: string;
  port: number;
  /** The client's private key file (its public key is authorized for root). */
  clientKey: string;
  /** A known_hosts line for the server's host key. */
  knownHostsLine: string;
  /** The host key fingerprint as `ssh-keygen -lf` prints it ("SHA256:..."). */
  fingerprint: string;
  /** Kills sshd and every session process it forked, by PID. */
  stop(): Promise<void>;
  /** Starts sshd again on the same port with the same host key. */
  start(): Promise<void>;
  close(): Promise<void>;
}

function listening(port: number): boolean {
  return spawnSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).stdout.trim().length > 0;
}

function childrenOf(pid: number): number[] {
  const out = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).stdout;
  const kids = out.split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
  return kids.flatMap((k) => [k, ...childrenOf(k)]);
}

/** Starts OpenSSH's sshd on a free port of 127.0.0.1. */
export async function startOpenSsh(): Promise<OpenSshServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portolan-sshd-'));
  mkdirSync('/run/sshd', { recursive: true });
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_ed25519'), '-C', 'host']);
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'id_ed25519'), '-C', 'client']);
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'id_ed25519.pub')));
  const port = await freePort();
  writeFileSync(
    path.join(dir, 'sshd_config'),
    `ListenAddress 127.0.0.1
HostKey ${dir}/host_ed25519
PidFile ${dir}/sshd.pid
AuthorizedKeysFile ${dir}/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowTcpForwarding yes
GatewayPorts clientspecified
PermitOpen any
PermitListen any
X11Forwarding no
PrintMotd no
ClientAliveInterval 0
LogLevel VERBOSE
`,
  );
  const hostPub = readFileSync(path.join(dir, 'host_ed25519.pub'), 'utf8').trim().split(/\s+/);
  const fingerprint = spawnSync('ssh-keygen', ['-lf', path.join(dir, 'host_ed25519.pub')], { encoding: 'utf8' }).stdout.split(/\s+/)[1]!;
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config'), '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d) => {
      try {
        writeFileSync(path.join(dir, 'sshd.log'), d, { flag: 'a' });
      } catch {
        // Its last words after close() removed the folder: nobody reads them.
      }
    });
    await waitFor(() => listening(port), 5000);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c?.pid) return;
    const pids = [...childrenOf(c.pid), c.pid];
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await waitFor(() => pids.every((p) => !existsSync(`/proc/${p}`) || readFileSync(`/proc/${p}/status`, 'utf8').includes('State:\tZ')), 5000);
    await waitFor(() => !listening(port), 5000);
  };
  await start();
  return {
    dir,
    port,
    clientKey: path.join(dir, 'id_ed25519'),
    knownHostsLine: `[127.0.0.1]:${port} ${hostPub[0]} ${hostPub[1]}\n`,
    fingerprint,
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A known_hosts line for the same host and port with another (freshly made) key: a "changed" server. */
export function otherKeyLine(server: OpenSshServer): string {
  const f = path.join(server.dir, 'other_host');
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', f, '-C', 'other']);
  const pub = readFileSync(`${f}.pub`, 'utf8').trim().split(/\s+/);
  return `[127.0.0.1]:${server.port} ${pub[0]} ${pub[1]}\n`;
}

/**
 * A tiny HTTP responder on 127.0.0.1 (any free port) answering "hello-from-target\n": it reads
 * the request head before answering (or the close would send RST to the client).
 */
export async function startHttpResponder(): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer((s) => {
    let head = '';
    s.on('data', (d) => {
      head += d;
      if (head.includes('\r\n\r\n')) s.end('HTTP/1.0 200 OK\r\nContent-Length: 18\r\n\r\nhello-from-target\n');
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as net.AddressInfo).port };
}

/** curl's output, or its error. Asynchronous: the engine runs in this process and must keep relaying. */
export function curl(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('curl', ['-s', '-S', '--max-time', '5', ...args], { encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve(err ? `curl failed (${(err as { code?: unknown }).code}): ${stderr}` : stdout),
    );
  });
}
