/**
 * `portolan tunnel ssh -L [bind:]port:host:hostport | -R [bind:]port:host:hostport | -D [bind:]port
 * user@host [-p 22] [-i keyfile] [--accept-host-key SHA256:...] [--allow CIDR]... [--json]`:
 * an SSH tunnel in the foreground until Ctrl+C, like ssh -N, reconnecting by itself.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import ssh2 from 'ssh2';
import { readFileSync } from 'node:fs';
import type { CliContext, ExitCode } from '../context.js';
import { UsageError } from '../context.js';
import { expandHome } from '../../engine/forwards/ssh-tunnel.js';
import { startUnsavedForward } from './call.js';
import { endpoint, runForeground, secretsFromEnv, type HostKeyPolicy } from './forward.js';

/** Splits "a:b:c:d" where parts may be [IPv6] in brackets. */
function splitSpec(text: string): string[] {
  const parts: string[] = [];
  const re = /\[([^\]]*)\]|([^:]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) parts.push(m[1] ?? m[2]!);
  return parts;
}

/** Parses -L/-R values "[bind:]port:host:hostport" and -D "[bind:]port". */
export function parseTunnelSpec(flag: 'L' | 'R' | 'D', text: string): { listenHost: string; listenPort: number; targetHost?: string; targetPort?: number } {
  const parts = splitSpec(text);
  const port = (p: string | undefined, what: string) => {
    const n = Number(p);
    if (!p || !Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`-${flag} ${text}: ${what} must be a port from 0 to 65535.`);
    return n;
  };
  if (flag === 'D') {
    if (parts.length === 1) return { listenHost: '127.0.0.1', listenPort: port(parts[0], 'the port') };
    if (parts.length === 2) return { listenHost: parts[0]!, listenPort: port(parts[1], 'the port') };
    throw new UsageError(`-D takes [bind:]port, not "${text}".`);
  }
  if (parts.length === 3) return { listenHost: '127.0.0.1', listenPort: port(parts[0], 'the listen port'), targetHost: parts[1]!, targetPort: port(parts[2], 'the target port') };
  if (parts.length === 4) return { listenHost: parts[0]!, listenPort: port(parts[1], 'the listen port'), targetHost: parts[2]!, targetPort: port(parts[3], 'the target port') };
  throw new UsageError(`-${flag} takes [bind:]port:host:hostport, not "${text}".`);
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

/** Starts an unsaved SSH tunnel and runs it until Ctrl+C. */
export async function tunnelCommand(ctx: CliContext): Promise<ExitCode> {
  const [mode, ...rest] = ctx.args;
  if (mode !== 'ssh') throw new UsageError('Only SSH tunnels exist so far: portolan tunnel ssh ...');
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      L: { type: 'string', short: 'L' },
      R: { type: 'string', short: 'R' },
      D: { type: 'string', short: 'D' },
      p: { type: 'string', short: 'p', default: '22' },
      i: { type: 'string', short: 'i' },
      'accept-host-key': { type: 'string' },
      allow: { type: 'string', multiple: true, default: [] },
      name: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const flags = (['L', 'R', 'D'] as const).filter((f) => values[f] !== undefined);
  if (flags.length !== 1) throw new UsageError('Give exactly one of -L, -R or -D.');
  const flag = flags[0]!;
  const forward = parseTunnelSpec(flag, values[flag]!);
  if (positionals.length !== 1 || !/^[^@\s]+@[^@\s]+$/.test(positionals[0]!)) throw new UsageError('Give the SSH server as user@host.');
  const [username, host] = positionals[0]!.split('@') as [string, string];
  const port = Number(values.p);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError('-p takes the SSH server port, 1 to 65535.');

  const tty = !!process.stdin.isTTY && !values.json;
  let secrets = secretsFromEnv();
  const auth = values.i ? 'key' : secrets?.password ? 'password' : process.env.SSH_AUTH_SOCK ? 'agent' : 'key';
  if (auth === 'key' && values.i && !secrets?.passphrase && keyNeedsPassphrase(values.i)) {
    if (!tty) throw new UsageError(`The key ${values.i} is encrypted: set PORTOLAN_SSH_PASSPHRASE, or run on a terminal to be asked.`);
    secrets = { ...secrets, passphrase: await askTty(`Passphrase for ${values.i}: `, true) };
  }
  const kind = flag === 'L' ? 'ssh-local' : flag === 'R' ? 'ssh-remote' : 'ssh-dynamic';
  const spec = {
    kind,
    name: values.name ?? `ssh -${flag} ${values[flag]} ${positionals[0]} (cli ${process.pid})`,
    listenHost: forward.listenHost,
    listenPort: forward.listenPort,
    ...(forward.targetHost ? { targetHost: forward.targetHost, targetPort: forward.targetPort } : {}),
    allow: values.allow,
    ssh: { host, port, username, auth, ...(values.i ? { keyPath: values.i } : {}) },
  };
  const hostKeys: HostKeyPolicy = values['accept-host-key']
    ? { acceptFingerprint: values['accept-host-key'] }
    : tty
      ? { ask: async (q) => /^y(es)?$/i.test((await askTty(q)).trim()) }
      : {};
  const app = await ctx.openApp('direct');
  try {
    const started = await startUnsavedForward(app, { spec: spec as never, ...(secrets ? { secrets } : {}) });
    if (!values.json) ctx.stdout(`SSH ${endpoint(host, port)} as ${username} (${auth} login)\n`);
    return await runForeground(ctx, app, started, values.json, hostKeys);
  } finally {
    await app.close();
  }
}
