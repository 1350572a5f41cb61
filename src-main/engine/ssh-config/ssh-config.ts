/**
 * The user's OpenSSH client config (~/.ssh/config): its Host aliases, and what it says for one host
 * (HostName, User, Port, IdentityFile, ProxyJump), so that an SSH tunnel to "bastion" goes where
 * `ssh bastion` would.
 *
 * The text is read by the ssh-config package (quotes, `Key=Value`, Host and Match sections) and
 * computed by it with OpenSSH's first-value-wins rule. Two things are done here: Include
 * directives are followed (it leaves them as they are), and nothing in the file can run a program:
 * `Match exec` never matches, and CanonicalizeHostName (which would make the package spawn
 * nslookup) is dropped; host names are looked up when connecting, as for any host.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SSHConfig, { LineType, type Line, type Section } from 'ssh-config';

/** What the config says for one host. */
export interface SshHostConfig {
  /** The name asked for (an alias, or a plain host name). */
  alias: string;
  /** Where to connect: HostName (with %h expanded), else the alias itself. */
  hostName: string;
  user?: string;
  port?: number;
  /** IdentityFile entries, in order, with ~ and %-tokens expanded. */
  identityFiles: string[];
  /** ProxyJump as written ("user@jump:2222"), absent for "none". */
  proxyJump?: string;
}

/** A read config: its aliases and a resolver. */
export interface SshConfigView {
  /** The main file read. */
  file: string;
  /** Host names without wildcards or negations, in the order they appear (Include files at their place). */
  aliases: string[];
  /** Sentences about files that could not be read or Include loops (the rest is still used). */
  problems: string[];
  /** What the config says for this host (every matching Host and Match block, first value wins). */
  resolve(host: string): SshHostConfig;
}

/** OpenSSH follows at most 16 nested Includes. */
const MAX_DEPTH = 16;

/** The user's config file: ~/.ssh/config. */
export const defaultSshConfigFile = (): string => path.join(os.homedir(), '.ssh', 'config');

const valueText = (value: string | { val: string }[]): string =>
  typeof value === 'string' ? value : value.map((v) => v.val).join(' ');

/** File names an Include pattern names, sorted (as glob(3) gives them); a pattern may have * and ? in its last part. */
function expandInclude(pattern: string, sshDir: string, home: string): string[] {
  let p = pattern.startsWith('~/') ? path.join(home, pattern.slice(2)) : pattern;
  if (!path.isAbsolute(p)) p = path.join(sshDir, p);
  const base = path.basename(p);
  if (!/[*?[]/.test(base)) return [p];
  const re = new RegExp(`^${base.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  let names: string[];
  try {
    names = readdirSync(path.dirname(p));
  } catch {
    return [];
  }
  return names
    .filter((n) => re.test(n) && !n.startsWith('.'))
    .sort()
    .map((n) => path.join(path.dirname(p), n));
}

/** Lines of a file with its Includes replaced by the lines of the files they name. */
function readExpanded(file: string, sshDir: string, home: string, problems: string[], depth: number, seen: Set<string>): Line[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A missing main file is normal (no config), and ssh ignores a missing Include target too.
    if (code !== 'ENOENT') problems.push(`${file} could not be read (${code ?? (err as Error).message}).`);
    return [];
  }
  let parsed: SSHConfig;
  try {
    parsed = SSHConfig.parse(text);
  } catch (err) {
    problems.push(`${file} could not be parsed: ${(err as Error).message}. Fix the line, or the aliases in it are not offered.`);
    return [];
  }
  const include = (line: Line): Line[] => {
    if (line.type !== LineType.DIRECTIVE || !/^include$/i.test(line.param)) return [line];
    if (depth + 1 > MAX_DEPTH) {
      problems.push(`${file}: Include nested more than ${MAX_DEPTH} deep; the deeper files are not read.`);
      return [];
    }
    const out: Line[] = [];
    for (const pattern of valueText(line.value).split(/\s+/).filter(Boolean)) {
      for (const f of expandInclude(pattern, sshDir, home)) {
        if (seen.has(f)) {
          problems.push(`${file}: Include of ${f} again (a loop); it is read once.`);
          continue;
        }
        seen.add(f);
        out.push(...readExpanded(f, sshDir, home, problems, depth + 1, seen));
      }
    }
    return out;
  };
  const lines: Line[] = [];
  for (const line of parsed) {
    if (line.type === LineType.DIRECTIVE && 'config' in line) {
      // An Include inside a Host block: its plain directives belong to the block, its own Host blocks follow it.
      const inner: Line[] = [];
      const after: Line[] = [];
      for (const sub of line.config) {
        for (const l of include(sub)) {
          if (l.type === LineType.DIRECTIVE && 'config' in l) after.push(l);
          else if (after.length === 0) inner.push(l);
          else (after[after.length - 1] as Section).config.push(l);
        }
      }
      line.config.splice(0, line.config.length, ...inner.filter((l) => !(l.type === LineType.DIRECTIVE && /^canonicalizehostname$/i.test(l.param))));
      lines.push(line, ...after);
    } else {
      lines.push(...include(line));
    }
  }
  return lines.filter((l) => !(l.type === LineType.DIRECTIVE && /^canonicalizehostname$/i.test(l.param)));
}

/** %-tokens of HostName and IdentityFile that need no network: %h %p %r %u %d %%. */
function expandTokens(text: string, tokens: Record<string, string>, home: string): string {
  const t = text.startsWith('~/') ? path.join(home, text.slice(2)) : text === '~' ? home : text;
  return t.replace(/%([%hprud])/g, (_, c: string) => (c === '%' ? '%' : (tokens[c] ?? `%${c}`)));
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/**
 * Reads a config file (and what it includes). A missing file gives no aliases and no problem;
 * `home` is where ~ points (the user's home folder).
 */
export function readSshConfig(file = defaultSshConfigFile(), home = os.homedir()): SshConfigView {
  const problems: string[] = [];
  const lines = readExpanded(file, path.dirname(file), home, problems, 0, new Set([file]));
  const config = new SSHConfig();
  config.push(...lines);
  const aliases: string[] = [];
  for (const line of lines) {
    if (line.type !== LineType.DIRECTIVE || !/^host$/i.test(line.param)) continue;
    for (const name of valueText(line.value).split(/\s+/)) if (name && !/[*?!]/.test(name) && !aliases.includes(name)) aliases.push(name);
  }
  let localUser = '';
  try {
    localUser = os.userInfo().username;
  } catch {
    localUser = process.env.USER ?? '';
  }
  return {
    file,
    aliases,
    problems,
    resolve(host: string): SshHostConfig {
      const c = config.compute(host, { ignoreCase: true, matchExec: false });
      const user = first(c.user);
      const portText = first(c.port);
      const port = portText && /^\d{1,5}$/.test(portText) && Number(portText) >= 1 && Number(portText) <= 65535 ? Number(portText) : undefined;
      const tokens: Record<string, string> = { h: host, u: localUser, d: home, r: user ?? localUser, p: String(port ?? 22) };
      const hostName = expandTokens(first(c.hostname) ?? host, tokens, home);
      tokens.h = hostName;
      const identities = c.identityfile === undefined ? [] : Array.isArray(c.identityfile) ? c.identityfile : [c.identityfile];
      const jump = first(c.proxyjump);
      return {
        alias: host,
        hostName,
        ...(user ? { user } : {}),
        ...(port !== undefined ? { port } : {}),
        identityFiles: identities.filter((f) => f.toLowerCase() !== 'none').map((f) => expandTokens(f, tokens, home)),
        ...(jump && jump.toLowerCase() !== 'none' ? { proxyJump: jump } : {}),
      };
    },
  };
}
