/**
 * `portolan forward [<listen-host>:]<listen-port> <target-host>:<target-port> [--udp] [--allow CIDR]... [--json]`:
 * a local TCP or UDP forward in the foreground until Ctrl+C, printing each connection.
 * Also the foreground loop shared by `portolan tunnel` and `portolan forwards start`.
 */
import { parseArgs } from 'node:util';
import type { PortolanApp } from '../../app/create-app.js';
import type { ConnectionInfo, ForwardInfo, ForwardSecrets, HostKeyPrompt } from '../../contract/index.js';
import { formatJump } from '../../contract/ssh-command.js';
import type { CliContext, ExitCode } from '../context.js';
import { EXIT, exitCodeFor, UsageError } from '../context.js';
import { callOrFail, startUnsavedForward, type CliCallError } from './call.js';

/** "host:port" with brackets for IPv6. */
export const endpoint = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** Parses "8080", "0.0.0.0:8080", "[::1]:8080", "db.internal:5432". A missing host gives `defaultHost`. */
export function parseHostPort(text: string, defaultHost?: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(text) ?? (defaultHost !== undefined ? /^()()(\d+)$/.exec(text) : null);
  if (!m) throw new UsageError(`"${text}" is not host:port${defaultHost !== undefined ? ' or a port' : ''} (IPv6 in brackets: [::1]:8080).`);
  const host = m[1] || m[2] || defaultHost;
  const port = Number(m[3]);
  if (!host) throw new UsageError(`"${text}" needs a host before the port.`);
  if (port > 65535) throw new UsageError(`${port} is not a port: ports go from 0 to 65535.`);
  return { host, port };
}

const bytes = (n: number) => (n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / (1 << 20)).toFixed(1)} MiB`);

/** One connection event as a terminal line. */
export function formatConnection(event: 'opened' | 'closed', c: ConnectionInfo): string {
  const client = endpoint(c.client.address, c.client.port);
  const target = c.target.host ? endpoint(c.target.host, c.target.port) : '?';
  if (event === 'opened') return `+ ${c.id} ${client} -> ${target}\n`;
  const took = c.closedAt ? `${((c.closedAt - c.openedAt) / 1000).toFixed(1)} s` : '';
  const err = c.error ? `  ${c.error.code}: ${c.error.message}` : '';
  return `- ${c.id} ${client} -> ${target}  in ${bytes(c.bytesIn)} out ${bytes(c.bytesOut)} ${took}${err}\n`;
}

/** A forward's one-line description. */
export function describeForward(f: ForwardInfo): string {
  const s = f.spec;
  const listen = endpoint(s.listenHost, f.boundPort ?? s.listenPort);
  const jump = 'ssh' in s && s.ssh.jump ? ` -J ${formatJump(s.ssh.jump)}` : '';
  const via = 'ssh' in s ? ` via ${s.ssh.username}@${endpoint(s.ssh.host, s.ssh.port)}${jump}` : '';
  switch (s.kind) {
    case 'tcp':
    case 'udp':
      return `${s.kind.toUpperCase()} ${listen} -> ${endpoint(s.targetHost, s.targetPort)}`;
    case 'ssh-local':
      return `SSH -L ${listen} -> ${endpoint(s.targetHost, s.targetPort)}${via}`;
    case 'ssh-remote':
      return `SSH -R ${listen} (on the server) -> ${endpoint(s.targetHost, s.targetPort)}${via}`;
    case 'ssh-dynamic':
      return `SSH -D SOCKS5 on ${listen}${via}`;
  }
}

/**
 * What the terminal says about an unknown host key. As OpenSSH does, a key of another type on
 * record for the host is named with its fingerprint: the server did not offer the key it is known by.
 */
export function hostKeyAbout(prompt: HostKeyPrompt): string {
  const server = endpoint(prompt.host, prompt.port);
  const others = prompt.otherKnownKeys ?? [];
  if (others.length === 0) return `The SSH server ${server} is not known. Its ${prompt.keyType} key fingerprint is ${prompt.fingerprint}.`;
  const known = others.map((k) => `  ${k.keyType} ${k.fingerprint} (${k.source})`).join('\n');
  return (
    `The SSH server ${server} offered its ${prompt.keyType} key (fingerprint ${prompt.fingerprint}) that is not on record, ` +
    `but a key of a different type is on record for this host:\n${known}\n` +
    `The server did not offer that key. It may have been reconfigured, or someone may be in the middle: ask its administrator which keys it has.`
  );
}

/** How the foreground loop deals with SSH host keys. */
export interface HostKeyPolicy {
  /** Trust this fingerprint when the server presents it (--accept-host-key). */
  acceptFingerprint?: string;
  /** Ask on the terminal (a TTY); answers true to trust. */
  ask?: (prompt: string) => Promise<boolean>;
}

/**
 * Runs a started forward in the foreground: prints its state changes and connections until Ctrl+C
 * (or until it fails for a reason that waiting cannot fix), then stops it. Returns the exit code.
 */
export async function runForeground(ctx: CliContext, app: PortolanApp, started: ForwardInfo, json: boolean, hostKeys: HostKeyPolicy = {}): Promise<ExitCode> {
  const id = started.id;
  let resolveDone: (code: ExitCode) => void = () => undefined;
  const done = new Promise<ExitCode>((r) => (resolveDone = r));
  const print = (line: string, obj: unknown) => ctx.stdout(json ? `${JSON.stringify(obj)}\n` : line);
  let lastState = '';
  let warned = false;
  const showState = (f: ForwardInfo) => {
    const key = `${f.state}|${f.error?.code ?? ''}|${f.boundPort ?? ''}`;
    if (key === lastState) return;
    lastState = key;
    const line =
      f.state === 'retrying'
        ? `Tunnel down (${f.error?.message ?? 'lost'}); retrying in ${Math.round((f.retryInMs ?? 0) / 1000)} s.\n`
        : f.state === 'up'
            ? `Tunnel up: ${describeForward(f)}. Press Ctrl+C to stop.\n`
            : f.state === 'listening'
              ? `Forwarding ${describeForward(f)}. Press Ctrl+C to stop.\n`
              : f.state === 'connecting'
                ? `Connecting to the SSH server...\n`
                : '';
    if (line) print(line, { event: 'state', forward: f });
    // A failure is told on stderr (also with --json, whose stdout gets the event): the reason is never
    // lost in a pipe. An unknown host key is told by the forwards.hostKey handler below instead.
    if (f.state === 'failed') {
      if (json) print('', { event: 'state', forward: f });
      if (f.error?.code !== 'HOSTKEY_UNKNOWN') ctx.stderr(`Failed: ${f.error?.message ?? 'the forward stopped for an unknown reason.'}\n`);
    }
    if (f.exposureWarning && !warned && (f.state === 'listening' || f.state === 'up')) {
      warned = true;
      ctx.stderr(`Warning: ${f.exposureWarning}\n`);
    }
  };
  const offs = [
    app.bus.on('forwards.changed', ({ forwards }) => {
      const f = forwards.find((x) => x.id === id);
      if (!f) return;
      showState(f);
      // An unknown host key is decided by the forwards.hostKey handler below (accept, or exit).
      if (f.state === 'failed' && f.error?.code !== 'HOSTKEY_UNKNOWN') resolveDone(exitCodeFor(f.error?.code));
    }),
    app.bus.on('forwards.connection', ({ event, connection }) => {
      if (connection.forwardId === id) print(formatConnection(event, connection), { event, connection });
    }),
    app.bus.on('forwards.hostKey', (prompt) => {
      if (prompt.forwardId !== id) return;
      void (async () => {
        const about = hostKeyAbout(prompt);
        let trust = false;
        if (hostKeys.acceptFingerprint) {
          trust = hostKeys.acceptFingerprint === prompt.fingerprint;
          if (!trust) ctx.stderr(`${about}\nIt is not the fingerprint given with --accept-host-key (${hostKeys.acceptFingerprint}): refused.\n`);
        } else if (hostKeys.ask) {
          trust = await hostKeys.ask(`${about}\nTrust it and connect (it is saved in Portolan's known_hosts)? [yes/no] `);
        } else {
          ctx.stderr(`${about}\nCheck it with the server's administrator, then run again with --accept-host-key ${prompt.fingerprint}\n`);
        }
        if (!trust) return resolveDone(EXIT.hostKey);
        await callOrFail(app, 'forwards.hostKey.accept', { forwardId: id, fingerprint: prompt.fingerprint }).catch((err: CliCallError) => {
          ctx.stderr(`${err.message}\n`);
          resolveDone(exitCodeFor(err.code));
        });
      })();
    }),
  ];
  showState(started);
  if (started.state === 'failed') resolveDone(exitCodeFor(started.error?.code));
  const code = await Promise.race([done, ctx.interrupted.then(() => 0)]);
  for (const off of offs) off();
  const last = await callOrFail(app, 'forwards.stop', { id }).catch(() => undefined);
  if (!json && last) ctx.stdout(`Stopped. ${last.totalConnections} connections, in ${bytes(last.bytesIn)}, out ${bytes(last.bytesOut)}, refused ${last.refused}, target errors ${last.targetErrors}.\n`);
  return code;
}

/** Secrets from the environment (PORTOLAN_SSH_PASSWORD, PORTOLAN_SSH_PASSPHRASE), if any. */
export function secretsFromEnv(env: NodeJS.ProcessEnv = process.env): ForwardSecrets | undefined {
  const s: ForwardSecrets = {};
  if (env.PORTOLAN_SSH_PASSWORD) s.password = env.PORTOLAN_SSH_PASSWORD;
  if (env.PORTOLAN_SSH_PASSPHRASE) s.passphrase = env.PORTOLAN_SSH_PASSPHRASE;
  return s.password || s.passphrase ? s : undefined;
}

/** Starts an unsaved local forward and runs it until Ctrl+C. */
export async function forwardCommand(ctx: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: ctx.args,
    allowPositionals: true,
    options: {
      udp: { type: 'boolean', default: false },
      allow: { type: 'string', multiple: true, default: [] },
      name: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 2) throw new UsageError('Give where to listen and where to forward to, e.g. 8080 127.0.0.1:80.');
  const listen = parseHostPort(positionals[0]!, '127.0.0.1');
  const target = parseHostPort(positionals[1]!);
  if (target.port === 0) throw new UsageError('The target port must be 1 to 65535.');
  const kind = values.udp ? 'udp' : 'tcp';
  const spec = {
    kind,
    name: values.name ?? `${kind} ${endpoint(listen.host, listen.port)} -> ${endpoint(target.host, target.port)} (cli ${process.pid})`,
    listenHost: listen.host,
    listenPort: listen.port,
    targetHost: target.host,
    targetPort: target.port,
    allow: values.allow,
  } as const;
  const app = await ctx.openApp('direct');
  try {
    const started = await startUnsavedForward(app, { spec });
    return await runForeground(ctx, app, started, values.json);
  } finally {
    await app.close();
  }
}
