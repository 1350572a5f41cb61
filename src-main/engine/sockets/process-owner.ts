/**
 * Maps socket inodes to the process that holds them, by reading /proc/<pid>/fd links
 * ("socket:[12345]"). Processes of other users are invisible without privileges; they are
 * reported as unknown rather than failing.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';

/** The process that holds a socket. */
export interface SocketOwner {
  pid: number;
  process: string;
}

const SOCKET_PREFIX = 'socket:[';

/** The inode of a descriptor's link ("socket:[12345]"), or 0 for anything but a socket. */
export function socketInode(link: string): number {
  if (!link.startsWith(SOCKET_PREFIX)) return 0;
  const inode = Number(link.slice(SOCKET_PREFIX.length, -1));
  return Number.isInteger(inode) && inode > 0 ? inode : 0;
}


/** Reads a process's short name (comm), or undefined once it has exited. */
export async function processName(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/**
 * Finds the owners of the given inodes. Stops scanning as soon as all are found, so the common
 * case (one busy port) reads only as many processes as it must.
 */
export async function findSocketOwners(inodes: Iterable<number>, procRoot = '/proc'): Promise<Map<number, SocketOwner>> {
  const wanted = new Set(inodes);
  const found = new Map<number, SocketOwner>();
  if (wanted.size === 0) return found;
  let pids: string[];
  try {
    pids = (await readdir(procRoot)).filter((name) => /^\d+$/.test(name));
  } catch {
    return found;
  }
  for (const pidText of pids) {
    let fds: string[];
    try {
      fds = await readdir(`${procRoot}/${pidText}/fd`);
    } catch {
      continue; // exited, or another user's process
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = await readlink(`${procRoot}/${pidText}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = socketInode(link);
      if (!wanted.has(inode) || found.has(inode)) continue;
      const pid = Number(pidText);
      found.set(inode, { pid, process: (await processName(pid)) ?? `pid ${pid}` });
      if (found.size === wanted.size) return found;
    }
  }
  return found;
}
