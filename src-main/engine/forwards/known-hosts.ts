/**
 * OpenSSH known_hosts files: plain and hashed (|1|salt|hash) host patterns, [host]:port for ports
 * other than 22, wildcards and negations, @revoked markers. Answers whether a server's key is
 * known, unknown, or different from the one on record (a possible attack: never accepted silently).
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** One usable line of a known_hosts file. */
export interface KnownHostEntry {
  marker?: 'revoked' | 'cert-authority';
  patterns: string[];
  keyType: string;
  key: Buffer;
  /** Where it came from, for messages ("~/.ssh/known_hosts:12"). */
  source: string;
}

/** The verdict for a presented key. */
export type HostKeyVerdict =
  | { status: 'known'; entry: KnownHostEntry }
  /** `others`: entries on record for this host with keys of other types (the server offered a type not on record). */
  | { status: 'unknown'; others: KnownHostEntry[] }
  | { status: 'mismatch'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry };

/** Parses a known_hosts text; lines it cannot read are skipped, as ssh does. */
export function parseKnownHosts(text: string, sourceName = 'known_hosts'): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]!.startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else continue;
    }
    if (fields.length < 3) continue;
    const [hosts, keyType, keyB64] = fields as [string, string, string];
    const key = Buffer.from(keyB64, 'base64');
    if (key.length === 0) continue;
    out.push({ ...(marker ? { marker } : {}), patterns: hosts.split(','), keyType, key, source: `${sourceName}:${i + 1}` });
  }
  return out;
}

/** The name a host is recorded under: "host" for port 22, "[host]:port" otherwise. */
export function hostToken(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(text);
}

function hashedMatch(pattern: string, token: string): boolean {
  const parts = pattern.split('|');
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2]!, 'base64');
  const expected = parts[3]!;
  return createHmac('sha1', salt).update(token).digest('base64') === expected;
}

/** True when one entry's host patterns name this host and port. */
export function entryMatches(entry: KnownHostEntry, host: string, port: number): boolean {
  const token = hostToken(host, port);
  let matched = false;
  for (const raw of entry.patterns) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    const hit = pattern.startsWith('|1|') ? hashedMatch(pattern, token) : globMatch(pattern, token);
    if (hit && negated) return false;
    if (hit) matched = true;
  }
  return matched;
}

/** Decides about a presented key (the SSH wire blob) for host:port. */
export function checkHostKey(entries: readonly KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyVerdict {
  const keyType = sshKeyType(key);
  let mismatch: KnownHostEntry | undefined;
  const others: KnownHostEntry[] = [];
  for (const entry of entries) {
    if (entry.marker === 'cert-authority') continue;
    if (entry.marker === 'revoked') {
      if (entry.key.equals(key)) return { status: 'revoked', entry };
      continue;
    }
    if (!entryMatches(entry, host, port)) continue;
    if (entry.key.equals(key)) return { status: 'known', entry };
    if (entry.keyType === keyType) mismatch ??= entry;
    else if (!others.some((o) => o.key.equals(entry.key))) others.push(entry);
  }
  return mismatch ? { status: 'mismatch', entry: mismatch } : { status: 'unknown', others };
}

/** "SHA256:" and unpadded base64 of the key blob's SHA-256, as OpenSSH prints it. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named at the start of an SSH key blob ("ssh-ed25519", "ecdsa-sha2-nistp256"...). */
export function sshKeyType(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const len = key.readUInt32BE(0);
  if (len > 64 || key.length < 4 + len) return 'unknown';
  return key.subarray(4, 4 + len).toString('latin1');
}

/** A line to append to a known_hosts file for this key. */
export function knownHostsLine(host: string, port: number, key: Buffer): string {
  return `${hostToken(host, port)} ${sshKeyType(key)} ${key.toString('base64')}\n`;
}

/** Reads and parses several files; a missing or unreadable file contributes nothing. */
export function readKnownHostsFiles(files: readonly string[]): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    out.push(...parseKnownHosts(text, file));
  }
  return out;
}
