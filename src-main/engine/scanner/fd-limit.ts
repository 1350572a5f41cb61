/** The open-file limit (`ulimit -n`) and how many descriptors are in use, so a scan stays under it. */
import { readFileSync, readdirSync } from 'node:fs';

/** The soft limit on open files from /proc/self/limits (Linux), or undefined elsewhere or when unlimited. */
export function readOpenFileLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const line = text.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  if (!soft || soft === 'unlimited') return undefined;
  const n = Number(soft);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Descriptors this process has open now (Linux and macOS), or undefined when it cannot tell. */
export function countOpenFiles(): number | undefined {
  for (const dir of ['/proc/self/fd', '/dev/fd']) {
    try {
      return readdirSync(dir).length;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/**
 * How many sockets a scan may open at once: the soft limit less the descriptors in use and a
 * reserve for the rest of the app (files, the transport), at least 4. Without a known limit
 * (Windows) a generous fixed budget; EMFILE back-off remains the safety net.
 */
export function socketBudget(reserve = 32): number {
  const limit = readOpenFileLimit();
  if (limit === undefined) return 4096;
  const used = countOpenFiles() ?? 64;
  return Math.max(4, limit - used - reserve);
}
