/**
 * OpenSSH command lines and forwards, both ways, without Node modules or zod: the forward form
 * (paste `ssh -L ...` to fill it, "Copy as command") and the CLI (`portolan tunnel ssh`,
 * `portolan forwards show --as-command`) share this one reading of ssh's options.
 *
 * What is understood: `ssh [-N] [-f] [-p port] [-l user] [-i identity] [-J jump] [-o Key=Value]
 * [-L [bind:]port:host:hostport]... [-R ...] [-D [bind:]port] [user@]host`, short options
 * clustered (`-NfL 8080:db:5432`) or attached (`-p2222`), `ssh://user@host:port` destinations,
 * IPv6 addresses in brackets, quotes and backslash line continuations as a shell reads them, a
 * leading `$ ` prompt and `autossh`. Options that do not change a forward (-v, -C, -T...) are
 * taken silently; options Portolan does not carry over are named in `notes`; what cannot become
 * a forward (a Unix socket, a jump chain, a remote SOCKS -R port) is refused with a sentence.
 */

/** Kinds of forward an ssh command line can describe. */
export type TunnelKind = 'ssh-local' | 'ssh-remote' | 'ssh-dynamic';

/** A jump host (ssh -J, ProxyJump): logged in first; the tunnel's server is reached through it. */
export interface JumpHost {
  host: string;
  /** 22 when not given. */
  port?: number;
  /** The server's user name when not given. */
  username?: string;
}

/** One -L, -R or -D of a command line. */
export interface CommandForward {
  flag: 'L' | 'R' | 'D';
  kind: TunnelKind;
  /** The option's text as written ("8080:db:5432"). */
  text: string;
  listenHost: string;
  listenPort: number;
  /** -L and -R only. */
  targetHost?: string;
  targetPort?: number;
}

/** What an ssh command line says about a tunnel. */
export interface SshCommand {
  /** Every -L/-R/-D (and LocalForward/RemoteForward/DynamicForward), in order; at least one. */
  forwards: CommandForward[];
  /** The destination host as written (an ssh config alias stays an alias). */
  host: string;
  port?: number;
  user?: string;
  /** The first -i (or IdentityFile). */
  identityFile?: string;
  jump?: JumpHost;
  /** ServerAliveInterval, seconds. */
  keepaliveSec?: number;
  /** Sentences about what was not taken (other forwards, a remote command, ignored options). */
  notes: string[];
}

/** The outcome of reading a command line. */
export type SshCommandResult = { ok: true; command: SshCommand } | { ok: false; error: string };

/** What a forward needs to be written as a command: the fields of a ForwardSpec that say so. */
export interface CommandSpec {
  kind: 'tcp' | 'udp' | TunnelKind;
  listenHost: string;
  listenPort: number;
  targetHost?: string;
  targetPort?: number;
  ssh?: { host: string; port?: number; username: string; auth?: 'agent' | 'key' | 'password'; keyPath?: string; keepaliveSec?: number; jump?: JumpHost };
}

/** Default of the form and ForwardSpec: a keep-alive every 15 s (written as -o ServerAliveInterval only when different). */
export const DEFAULT_KEEPALIVE_SEC = 15;

/** A command line (or forward text) that cannot become a forward; the message says why and what to write. */
export class SshCommandError extends Error {}
const fail = (message: string): never => {
  throw new SshCommandError(message);
};

/** Splits a command line as a POSIX shell would: quotes, backslashes, line continuations. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      const next = text[i + 1];
      i++;
      if (next === undefined) break;
      if (next === '\n' || (next === '\r' && text[i + 1] === '\n')) {
        if (next === '\r') i++;
        continue;
      }
      word += next;
      inWord = true;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) fail('A quote (\') is not closed: paste the whole command line.');
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length && '"\\$`\n'.includes(text[i + 1]!)) i++;
        word += text[i];
        i++;
      }
      if (i >= text.length) fail('A quote (") is not closed: paste the whole command line.');
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if ((c === ';' || c === '|' || c === '&') && !inWord) {
      // A second command after ; | && is not part of ssh's line.
      break;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Splits "a:b:[::1]:d" on colons, keeping bracketed IPv6 addresses whole (without brackets). */
function colonParts(text: string): string[] {
  const parts: string[] = [];
  for (let i = 0; ; i++) {
    if (text[i] === '[') {
      const end = text.indexOf(']', i);
      if (end < 0) fail(`"${text}": a [ is not closed (write IPv6 addresses as [::1]).`);
      parts.push(text.slice(i + 1, end));
      i = end + 1;
      if (i >= text.length) return parts;
      if (text[i] !== ':') fail(`"${text}": a colon must follow "]".`);
    } else {
      const end = text.indexOf(':', i);
      if (end < 0) {
        parts.push(text.slice(i));
        return parts;
      }
      parts.push(text.slice(i, end));
      i = end;
    }
  }
}

function portOf(text: string | undefined, what: string, min: number, where: string): number {
  const n = Number(text);
  if (!text || !/^\d{1,5}$/.test(text) || n < min || n > 65535) fail(`${where}: ${what} must be a port from ${min} to 65535${text ? `, not "${text}"` : ''}.`);
  return n;
}

/** OpenSSH's bind address: empty or * means every address. */
const bindHost = (text: string): string => (text === '' || text === '*' ? '0.0.0.0' : text);

const KIND_OF = { L: 'ssh-local', R: 'ssh-remote', D: 'ssh-dynamic' } as const;
const SHAPE = { L: '[bind:]port:host:hostport', R: '[bind:]port:host:hostport', D: '[bind:]port' } as const;

/**
 * Reads one forward's text as ssh's -L, -R or -D takes it (the ssh_config spelling "8080
 * db:5432", with a space, too). Throws an Error with a sentence when it cannot be a forward.
 */
export function parseForwardText(flag: 'L' | 'R' | 'D', text: string): CommandForward {
  const where = `-${flag} ${text}`;
  const spaced = text.trim().split(/\s+/);
  const joined = spaced.length === 2 ? `${spaced[0]}:${spaced[1]}` : text.trim();
  if (/(^|:)\//.test(joined)) fail(`${where}: Unix socket forwards are not supported; forward a TCP port.`);
  const parts = colonParts(joined);
  const kind = KIND_OF[flag];
  if (flag === 'D') {
    if (parts.length === 1) return { flag, kind, text, listenHost: '127.0.0.1', listenPort: portOf(parts[0], 'the port', 0, where) };
    if (parts.length === 2) return { flag, kind, text, listenHost: bindHost(parts[0]!), listenPort: portOf(parts[1], 'the port', 0, where) };
    return fail(`-D takes ${SHAPE.D}, not "${text}".`);
  }
  if (flag === 'R' && parts.length <= 2) fail(`${where}: a remote SOCKS proxy (-R with a port only) is not supported; give -R ${SHAPE.R}.`);
  if (parts.length !== 3 && parts.length !== 4) fail(`-${flag} takes ${SHAPE[flag]} (IPv6 in brackets: [::1]:8080:[fe80::1]:80), not "${text}".`);
  const [bind, port, host, hostPort] = parts.length === 4 ? (parts as [string, string, string, string]) : (['127.0.0.1', ...parts] as [string, string, string, string]);
  if (!host) fail(`${where}: the target host is missing.`);
  return {
    flag,
    kind,
    text,
    listenHost: parts.length === 4 ? bindHost(bind) : bind,
    listenPort: portOf(port, 'the listen port', 0, where),
    targetHost: host,
    targetPort: portOf(hostPort, 'the target port', 1, where),
  };
}

/** Reads "[user@]host[:port]" (or ssh://user@host:port; IPv6 in brackets) as ssh's -J and ProxyJump take it. */
export function parseJump(text: string): JumpHost | undefined {
  const t = text.trim();
  if (t === '' || t.toLowerCase() === 'none') return undefined;
  if (t.includes(',')) fail(`-J ${t}: a chain of jump hosts is not supported; give one jump host (the first would be ${t.split(',')[0]}).`);
  const d = parseDestination(t, '-J');
  return { host: d.host, ...(d.port !== undefined ? { port: d.port } : {}), ...(d.user ? { username: d.user } : {}) };
}

/** "[user@]host", "ssh://[user@]host[:port]", and for -J "[user@]host:port" with IPv6 in brackets. */
function parseDestination(text: string, what: string): { host: string; port?: number; user?: string } {
  let rest = text;
  const uri = /^ssh:\/\//i.test(rest);
  if (uri) rest = rest.slice(6).replace(/\/$/, '');
  const at = rest.lastIndexOf('@');
  const user = at >= 0 ? rest.slice(0, at) : undefined;
  rest = at >= 0 ? rest.slice(at + 1) : rest;
  if (user === '') fail(`${what} ${text}: the user name before @ is empty.`);
  let host = rest;
  let port: number | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d*))?$/.exec(rest);
  if (bracket) {
    host = bracket[1]!;
    if (bracket[2] !== undefined) port = portOf(bracket[2], 'the port', 1, `${what} ${text}`);
  } else if ((uri || what === '-J') && /^[^:]+:\d*$/.test(rest)) {
    const i = rest.lastIndexOf(':');
    host = rest.slice(0, i);
    port = portOf(rest.slice(i + 1), 'the port', 1, `${what} ${text}`);
  }
  if (!host || /[\s/@]/.test(host)) fail(`${what} ${text}: give the server as [user@]host.`);
  return { host, ...(port !== undefined ? { port } : {}), ...(user ? { user } : {}) };
}

/** ssh's short options that take a value. */
const WITH_VALUE = new Set('BbcDEeFIiJLlmOoPpQRSWw');
/** ssh's short options without a value. */
const FLAGS = new Set('46AaCfGgKkMNnqsTtVvXxYy');
/** Flags that make no sense for a forward kept by Portolan: named in the notes. */
const FLAG_NOTES: Record<string, string> = {
  g: '-g (remote hosts may connect to local forwards): give the listen address 0.0.0.0 instead if that is meant.',
  A: '-A (agent forwarding) is not carried over.',
  X: '-X (X11 forwarding) is not carried over.',
  Y: '-Y (X11 forwarding) is not carried over.',
};
const VALUE_NOTES: Record<string, string> = {
  F: '-F (another config file): Portolan reads ~/.ssh/config.',
  W: '-W (stdio forwarding) is not a forward Portolan makes.',
  b: '-b (source address) is not carried over.',
  c: '-c (ciphers) is not carried over: ssh2 negotiates.',
  m: '-m (MACs) is not carried over: ssh2 negotiates.',
  w: '-w (tun device forwarding) is not supported.',
  S: '-S (control socket) is not used.',
  O: '-O (control command) is not used.',
  E: '-E (log file) is not used.',
};
/**
 * ssh's short options that are another spelling of an -o option (man ssh_config): one setter
 * reads both, so `-p 2222` and `-o Port=2222` cannot come to mean different things.
 */
const SHORT_OPTIONS: Record<string, string> = {
  p: 'Port',
  l: 'User',
  i: 'IdentityFile',
  J: 'ProxyJump',
  L: 'LocalForward',
  R: 'RemoteForward',
  D: 'DynamicForward',
};
/** -o options taken silently: they change nothing about the forward, or Portolan already does what they ask. */
const QUIET_OPTIONS = new Set(['exitonforwardfailure', 'serveralivecountmax', 'batchmode', 'loglevel', 'requesttty', 'sessiontype', 'compression', 'connecttimeout', 'tcpkeepalive', 'controlmaster', 'controlpath', 'controlpersist', 'addressfamily']);

/** Reads an ssh command line (or the words after `ssh`). Never throws: a line it cannot take gives its reason. */
export function parseSshCommand(text: string): SshCommandResult {
  try {
    return { ok: true, command: readSshWords(shellWords(text.replace(/^\s*[$#>]\s+/, ''))) };
  } catch (err) {
    if (err instanceof SshCommandError) return { ok: false, error: err.message };
    throw err;
  }
}

/** Reads ssh's words (with or without the leading `ssh`); throws an Error with a sentence. Used by `portolan tunnel ssh`. */
export function readSshWords(input: readonly string[]): SshCommand {
  const words = [...input];
  if (words[0] === 'autossh') {
    words.shift();
    // autossh's own -M port comes before ssh's options.
    const first: string | undefined = words[0];
    if (first === '-M') words.splice(0, 2);
    else if (first?.startsWith('-M')) words.shift();
  } else if (words[0] && /(^|\/)ssh$/.test(words[0])) words.shift();
  if (words.length === 0) fail('Paste an ssh command line, e.g. ssh -N -L 8080:db.internal:5432 user@bastion.example.com');
  if (words[0] && /^(scp|sftp|mosh|rsync|socat)$/.test(words[0])) fail(`This is a ${words[0]} command: paste an ssh command line with -L, -R or -D.`);

  const forwards: CommandForward[] = [];
  const notes: string[] = [];
  const note = (n: string) => {
    if (!notes.includes(n)) notes.push(n);
  };
  let port: number | undefined;
  let user: string | undefined;
  let identityFile: string | undefined;
  let jump: JumpHost | undefined;
  let jumpSet = false;
  let keepaliveSec: number | undefined;
  let hostName: string | undefined;
  const identities: string[] = [];
  let destination: string | undefined;
  const remote: string[] = [];

  /**
   * Takes one option, written `-o Key=Value` or as its short flag (SHORT_OPTIONS); `where` is how
   * the line wrote it, for the error. As ssh, the first value of an option wins.
   */
  const option = (key: string, v: string, where: string) => {
    const k = key.toLowerCase();
    switch (k) {
      case 'port':
        port ??= portOf(v, 'the SSH port', 1, where);
        break;
      case 'user':
        user ??= v;
        break;
      case 'identityfile':
        identities.push(v);
        break;
      case 'proxyjump':
        if (!jumpSet) {
          jump = parseJump(v);
          jumpSet = true;
        }
        break;
      case 'hostname':
        hostName ??= v;
        break;
      case 'localforward':
        forwards.push(parseForwardText('L', v));
        break;
      case 'remoteforward':
        forwards.push(parseForwardText('R', v));
        break;
      case 'dynamicforward':
        forwards.push(parseForwardText('D', v));
        break;
      case 'serveraliveinterval': {
        const n = Number(v);
        if (!/^\d+$/.test(v) || n > 3600) fail(`${where}: give seconds from 0 to 3600.`);
        keepaliveSec ??= n;
        break;
      }
      case 'stricthostkeychecking':
      case 'userknownhostsfile':
        note(`-o ${key} is not carried over: Portolan always checks the host key against known_hosts and asks about an unknown one.`);
        break;
      case 'proxycommand':
        fail(`${where}: a ProxyCommand is not supported; use a jump host (-J) instead.`);
        break;
      default:
        if (!QUIET_OPTIONS.has(k)) note(`-o ${key} is not carried over.`);
    }
  };

  let optionsEnd = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    // As ssh: options may follow the host too ("ssh host -L ..."); the first word after it that is no option starts the remote command.
    if (remote.length || optionsEnd || !w.startsWith('-') || w === '-') {
      if (destination === undefined) destination = w;
      else remote.push(w);
      continue;
    }
    if (w === '--') {
      optionsEnd = true;
      continue;
    }
    for (let j = 1; j < w.length; j++) {
      const c = w[j]!;
      if (FLAGS.has(c)) {
        if (FLAG_NOTES[c]) note(FLAG_NOTES[c]!);
        continue;
      }
      if (!WITH_VALUE.has(c)) fail(`-${c} is not an ssh option (see man ssh).`);
      let value = w.slice(j + 1);
      if (value === '') {
        if (i + 1 >= words.length) fail(`-${c} needs a value.`);
        value = words[++i]!;
      }
      const long = SHORT_OPTIONS[c];
      if (long) option(long, value, `-${c} ${value}`);
      else if (c === 'o') {
        const m = /^\s*([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/.exec(value);
        if (!m) fail(`-o ${value}: write it as -o Key=Value.`);
        const v = m![2]!.trim();
        option(m![1]!, v, `-o ${m![1]}=${v}`);
      } else if (VALUE_NOTES[c]) note(VALUE_NOTES[c]!);
      break;
    }
  }

  if (destination === undefined) return fail('The SSH server is missing: end the line with [user@]host.');
  const dest = parseDestination(destination, 'The server');
  if (forwards.length === 0) fail('This ssh command has no -L, -R or -D: add the port forward to make (e.g. -L 8080:localhost:80).');
  if (remote.length) note(`The remote command (${remote.join(' ')}) is not run: a tunnel runs no command, as ssh -N.`);
  if (identities.length) identityFile = identities[0];
  if (identities.length > 1) note(`Only the first key file (${identities[0]}) is taken.`);
  if (forwards.length > 1) note(`This line has ${forwards.length} forwards; a Portolan forward is one of them (${forwards.map((f) => `-${f.flag} ${f.text}`).join(', ')}).`);
  if (hostName && hostName !== dest.host) note(`-o HostName=${hostName} is taken as the server.`);
  return {
    forwards,
    host: hostName ?? dest.host,
    ...(port !== undefined || dest.port !== undefined ? { port: port ?? dest.port } : {}),
    ...(user ?? dest.user ? { user: user ?? dest.user } : {}),
    ...(identityFile ? { identityFile } : {}),
    ...(jump ? { jump } : {}),
    ...(keepaliveSec !== undefined ? { keepaliveSec } : {}),
    notes,
  };
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  // Brackets (IPv6) are quoted: a shell could take [::1] as a file name pattern.
  return /^[\w@%+=:,./~-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const bracket = (host: string) => (host.includes(':') ? `[${host}]` : host);

/** "[user@]host[:port]" as -J takes it. */
export function formatJump(jump: JumpHost): string {
  const host = jump.port !== undefined && jump.port !== 22 ? `${bracket(jump.host)}:${jump.port}` : bracket(jump.host);
  return `${jump.username ? `${jump.username}@` : ''}${host}`;
}

/** The -L/-R/-D value of a tunnel: the bind address is written unless it is 127.0.0.1 (ssh's own default, loopback). */
export function forwardText(spec: CommandSpec): string {
  const listen = spec.listenHost === '127.0.0.1' ? `${spec.listenPort}` : `${bracket(spec.listenHost)}:${spec.listenPort}`;
  return spec.kind === 'ssh-dynamic' ? listen : `${listen}:${bracket(spec.targetHost ?? '')}:${spec.targetPort}`;
}

/**
 * The OpenSSH command line that makes the same tunnel (`ssh -N -L ... user@host`). The login
 * method is ssh's own business: a key file is written as -i; a password is never part of it.
 */
export function formatSshCommand(spec: CommandSpec): string {
  const ssh = spec.ssh;
  if (!ssh || !spec.kind.startsWith('ssh-')) throw new Error('Only SSH tunnels are ssh commands.');
  const flag = spec.kind === 'ssh-local' ? 'L' : spec.kind === 'ssh-remote' ? 'R' : 'D';
  const words = ['ssh', '-N'];
  if (ssh.port !== undefined && ssh.port !== 22) words.push('-p', String(ssh.port));
  if (ssh.auth === 'key' && ssh.keyPath) words.push('-i', ssh.keyPath);
  if (ssh.jump) words.push('-J', formatJump(ssh.jump));
  if (ssh.keepaliveSec !== undefined && ssh.keepaliveSec !== DEFAULT_KEEPALIVE_SEC) words.push('-o', `ServerAliveInterval=${ssh.keepaliveSec}`);
  words.push('-o', 'ExitOnForwardFailure=yes');
  words.push(`-${flag}`, forwardText(spec));
  words.push(`${ssh.username}@${ssh.host}`);
  return words.map(shellQuote).join(' ');
}

/** The socat command line that relays like a local TCP or UDP forward (one process per connection: fork). */
export function formatSocatCommand(spec: CommandSpec): string {
  if (spec.kind !== 'tcp' && spec.kind !== 'udp') throw new Error('Only local TCP and UDP forwards are socat commands.');
  const proto = spec.kind.toUpperCase();
  const v6 = (host: string) => (host.includes(':') ? '6' : '');
  const listen = `${proto}${v6(spec.listenHost)}-LISTEN:${spec.listenPort},bind=${bracket(spec.listenHost)},reuseaddr,fork`;
  const target = `${proto}${v6(spec.targetHost ?? '')}:${bracket(spec.targetHost ?? '')}:${spec.targetPort}`;
  return ['socat', listen, target].map(shellQuote).join(' ');
}

/** The command line for a forward: ssh for tunnels, socat for local TCP and UDP forwards. */
export function forwardCommand(spec: CommandSpec): string {
  return spec.kind === 'tcp' || spec.kind === 'udp' ? formatSocatCommand(spec) : formatSshCommand(spec);
}
