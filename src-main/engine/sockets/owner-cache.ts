/**
 * Socket inode -> owning process, kept across ticks. A tick whose inodes are all known costs no
 * scan at all; otherwise each process's fd folder is listed, and only descriptors not seen
 * before (or whose cached socket has gone) are read again.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { socketInode } from './process-owner.js';

/** The process that holds a socket. */
export interface Owner {
  pid: number;
  process: string;
}

/** Caches inode owners between snapshots of the socket table. */
export class OwnerCache {
  private readonly owners = new Map<number, Owner>();
  /** Per process: descriptor number -> socket inode (0 for a descriptor that is not a socket). */
  private readonly fdsByPid = new Map<number, Map<string, number>>();
  private readonly names = new Map<number, string>();
  /** Live inodes that the last full scan could not place. */
  private readonly unseen = new Set<number>();
  /** How many /proc/<pid>/fd entries were read with readlink in the last resolve (for benchmarks). */
  lastReadlinks = 0;

  constructor(private readonly procRoot = '/proc') {}

  /**
   * Finds the owners of `inodes` (every live socket inode of this tick). Owners of inodes that
   * are gone are forgotten. Synchronous on purpose: thousands of tiny reads cost far less
   * without a thread-pool round trip each.
   */
  resolve(inodes: Set<number>): Map<number, Owner> {
    for (const inode of this.owners.keys()) if (!inodes.has(inode)) this.owners.delete(inode);
    for (const inode of this.unseen) if (!inodes.has(inode)) this.unseen.delete(inode);
    this.lastReadlinks = 0;
    let unknown = false;
    for (const inode of inodes) {
      if (inode > 0 && !this.owners.has(inode) && !this.unseen.has(inode)) {
        unknown = true;
        break;
      }
    }
    if (unknown) {
      this.scan(inodes);
      // Whatever a full scan could not place belongs to a process this user cannot see (or one in
      // another PID namespace): do not rescan for it every tick, only when new sockets appear.
      for (const inode of inodes) if (inode > 0 && !this.owners.has(inode)) this.unseen.add(inode);
    }
    return this.owners;
  }

  private scan(live: Set<number>): void {
    let pids: number[];
    try {
      pids = readdirSync(this.procRoot).filter((n) => /^\d+$/.test(n)).map(Number);
    } catch {
      return;
    }
    const alive = new Set(pids);
    for (const pid of this.fdsByPid.keys()) {
      if (!alive.has(pid)) {
        this.fdsByPid.delete(pid);
        this.names.delete(pid);
      }
    }
    for (const pid of pids) {
      let fds: string[];
      const fdDir = `${this.procRoot}/${pid}/fd`;
      try {
        fds = readdirSync(fdDir);
      } catch {
        continue; // exited, or another user's process: its sockets stay "unknown process"
      }
      const previous = this.fdsByPid.get(pid);
      const current = new Map<string, number>();
      for (const fd of fds) {
        const cached = previous?.get(fd);
        // A descriptor whose socket is still alive still points to it: no need to read it again.
        let inode = cached !== undefined && (cached === 0 || live.has(cached)) ? cached : -1;
        if (inode < 0) {
          this.lastReadlinks++;
          try {
            inode = socketInode(readlinkSync(`${fdDir}/${fd}`));
          } catch {
            continue;
          }
        }
        current.set(fd, inode);
        if (inode > 0 && live.has(inode) && !this.owners.has(inode)) this.owners.set(inode, { pid, process: this.nameOf(pid) });
      }
      this.fdsByPid.set(pid, current);
    }
  }

  private nameOf(pid: number): string {
    let name = this.names.get(pid);
    if (name === undefined) {
      try {
        name = readFileSync(`${this.procRoot}/${pid}/comm`, 'utf8').trim();
      } catch {
        name = `pid ${pid}`;
      }
      this.names.set(pid, name);
    }
    return name;
  }
}
