/**
 * `portolan tunnel ssh [ssh's options] [user@]host [--accept-host-key SHA256:...] [--allow CIDR]...
 * [--name NAME] [--json]`: an SSH tunnel in the foreground until Ctrl+C, like ssh -N, reconnecting
 * by itself. ssh's own options are read as ssh reads them (contract/ssh-command.ts: -L/-R/-D, -p,
 * -l, -i, -J, -o Port/User/IdentityFile/ProxyJump/ServerAliveInterval), so a working ssh command
 * line works here after "portolan tunnel"; the host may be an alias of ~/.ssh/config.
 */
import os from 'node:os';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import ssh2 from 'ssh2';
import { readFileSync } from 'node:fs';
import { parseForwardText, readSshWords, SshCommandError, type SshCommand } from '../../contract/ssh-command.js';
import type { CliContext, ExitCode } from '../context.js';
import { UsageError } from '../context.js';
import { expandHome } from '../../engine/forwards/ssh-tunnel.js';
import { readSshConfig } from '../../engine/ssh-config/ssh-config.js';
import { startUnsavedForward } from './call.js';
import { endpoint, runForeground, secretsFromEnv, type HostKeyPolicy } from './forward.js';

/** Parses -L/-R values "[bind:]port:host:hostport" and -D "[bind:]port" (IPv6 in brackets). */
export function parseTunnelSpec(flag: 'L' | 'R' | 'D', text: string): { listenHost: string; listenPort: number; targetHost?: string; targetPort?: number } {
  const f = usage(() => parseForwardText(flag, text));
  return { listenHost: f.listenHost, listenPort: f.listenPort, ...(f.targetHost !== undefined ? { targetHost: f.targetHost, targetPort: f.targetPort } : {}) };
}

/** Runs a reading of ssh's words; its sentence becomes a usage error (exit status 2). */
function usage<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof SshCommandError) throw new UsageError(err.message);
    throw err;
  }
}

/** Portolan's own options, taken out of the line before ssh's words are read. */
export function splitTunnelArgs(args: readonly string[]): { ssh: string[]; acceptHostKey?: string; allow: string[]; name?: string; json: boolean } {
  const out: ReturnType<typeof splitTunnelArgs> = { ssh: [], allow: [], json: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const m = /^--(accept-host-key|allow|name)(?:=(.*))?$/.exec(a);
    if (a === '--json') out.json = true;
    else if (m) {
      const value = m[2] ?? args[++i];
      if (value === undefined) throw new UsageError(`--${m[1]} needs a value.`);
      if (m[1] === 'allow') out.allow.push(value);
      else if (m[1] === 'name') out.name = value;
      else out.acceptHostKey = value;
    } else if (a.startsWith('--') && a.length > 2) throw new UsageError(`Unknown option ${a}.`);
    else out.ssh.push(a);
  }
  return out;
}

/** Asks a question on the terminal; hidden answers (passwords) are not echoed. */
export async function askTty(question: string, hidden = false): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  process.stderr.write(question);
  muted = hidden;
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  if (hidden) process.stderr.write('\n');
  return answer;
}

/** True when the key file is encrypted (needs a passphrase). */
function keyNeedsPassphrase(file: string): boolean {
  try {
    const parsed = ssh2.utils.parseKey(readFileSync(expandHome(file)));
    return parsed instanceof Error && /passphrase|encrypted/i.test(parsed.message);
  } catch {
    return false;
  }
}

/** The local user name, which ssh logs in as when neither the line nor ~/.ssh/config names one. */
function localUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'root';
  }
}

/** Starts an unsaved SSH tunnel and runs it until Ctrl+C. */
export async function tunnelCommand(ctx: CliContext): Promise<ExitCode> {
  const [mode] = ctx.args;
  if (mode !== 'ssh') throw new UsageError('Only SSH tunnels exist so far: portolan tunnel ssh ...');
  const values = splitTunnelArgs(ctx.args);
  const cmd: SshCommand = usage(() => readSshWords(values.ssh));
  if (cmd.forwards.length !== 1) throw new UsageError(`Give exactly one of -L, -R or -D (this line has ${cmd.forwards.length}); run one portolan tunnel per forward.`);
  for (const note of cmd.notes) ctx.stderr(`Note: ${note}\n`);
  const forward = cmd.forwards[0]!;
  const host = cmd.host;
  const port = cmd.port ?? 22;
  const username = cmd.user ?? readSshConfig().resolve(host).user ?? localUser();
  const keyFile = cmd.identityFile;

  const tty = !!process.stdin.isTTY && !values.json;
  let secrets = secretsFromEnv();
  const auth = keyFile ? 'key' : secrets?.password ? 'password' : process.env.SSH_AUTH_SOCK ? 'agent' : 'key';
  if (auth === 'key' && keyFile && !secrets?.passphrase && keyNeedsPassphrase(keyFile)) {
    if (!tty) throw new UsageError(`The key ${keyFile} is encrypted: set PORTOLAN_SSH_PASSPHRASE, or run on a terminal to be asked.`);
    secrets = { ...secrets, passphrase: await askTty(`Passphrase for ${keyFile}: `, true) };
  }
  const spec = {
    kind: forward.kind,
    name: values.name ?? `ssh -${forward.flag} ${forward.text} ${username}@${host} (cli ${process.pid})`,
    listenHost: forward.listenHost,
    listenPort: forward.listenPort,
    ...(forward.targetHost ? { targetHost: forward.targetHost, targetPort: forward.targetPort } : {}),
    allow: values.allow,
    ssh: {
      host,
      port,
      username,
      auth,
      ...(keyFile ? { keyPath: keyFile } : {}),
      ...(cmd.keepaliveSec !== undefined ? { keepaliveSec: cmd.keepaliveSec } : {}),
      ...(cmd.jump ? { jump: cmd.jump } : {}),
    },
  };
  const hostKeys: HostKeyPolicy = values.acceptHostKey
    ? { acceptFingerprint: values.acceptHostKey }
    : tty
      ? { ask: async (q) => /^y(es)?$/i.test((await askTty(q)).trim()) }
      : {};
  const app = await ctx.openApp('direct');
  try {
    const started = await startUnsavedForward(app, { spec: spec as never, ...(secrets ? { secrets } : {}) });
    const via = cmd.jump ? ` via the jump host ${endpoint(cmd.jump.host, cmd.jump.port ?? 22)}` : '';
    if (!values.json) ctx.stdout(`SSH ${endpoint(host, port)} as ${username} (${auth} login)${via}\n`);
    return await runForeground(ctx, app, started, values.json, hostKeys);
  } finally {
    await app.close();
  }
}
