/** uid -> user name from /etc/passwd, read once and cached (the socket tables give uids). */
import { readFileSync } from 'node:fs';

let cache: Map<number, string> | undefined;

/** Parses passwd(5) text into uid -> name. */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    if (name && uid && /^\d+$/.test(uid) && !users.has(Number(uid))) users.set(Number(uid), name);
  }
  return users;
}

/** The user name of a uid, or the number itself when /etc/passwd does not list it. */
export function userName(uid: number): string {
  if (!cache) {
    try {
      cache = parsePasswd(readFileSync('/etc/passwd', 'utf8'));
    } catch {
      cache = new Map();
    }
  }
  return cache.get(uid) ?? String(uid);
}
