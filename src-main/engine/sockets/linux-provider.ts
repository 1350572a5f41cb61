/**
 * Linux: the kernel's socket tables in /proc/net, read directly (no child process), with owners
 * from /proc/<pid>/fd through a cache so that later ticks cost only what changed.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { SocketProto, SocketRow } from '../../contract/index.js';
import { linkPairs, socketId } from './identity.js';
import { OwnerCache } from './owner-cache.js';
import { parseProcNet } from './proc-net.js';
import type { SocketProvider, SocketReading } from './provider.js';
import { userName } from './users.js';

const TABLES: { proto: SocketProto; file: string; kind: 'tcp' | 'udp' }[] = [
  { proto: 'tcp', file: 'tcp', kind: 'tcp' },
  { proto: 'tcp6', file: 'tcp6', kind: 'tcp' },
  { proto: 'udp', file: 'udp', kind: 'udp' },
  { proto: 'udp6', file: 'udp6', kind: 'udp' },
];

/**
 * Reads a /proc file whole with few, large read() calls: the kernel builds these tables as it is
 * read, and page-sized reads (what readFileSync does for size-0 files) cost more syscalls.
 */
function readProcFile(path: string, scratch: { buffer: Buffer }): string {
  const fd = openSync(path, 'r');
  try {
    let length = 0;
    for (;;) {
      if (length === scratch.buffer.length) {
        const bigger = Buffer.allocUnsafe(scratch.buffer.length * 2);
        scratch.buffer.copy(bigger, 0, 0, length);
        scratch.buffer = bigger;
      }
      const n = readSync(fd, scratch.buffer, length, scratch.buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return scratch.buffer.toString('latin1', 0, length);
  } finally {
    closeSync(fd);
  }
}

/** Reads /proc/net/{tcp,tcp6,udp,udp6}. */
export class LinuxSocketProvider implements SocketProvider {
  readonly source = '/proc/net';
  private readonly owners: OwnerCache;
  /** Reused across ticks: /proc/net/tcp is megabytes with 10,000 sockets. */
  private readonly scratch = { buffer: Buffer.allocUnsafe(1 << 20) };

  constructor(private readonly procRoot = '/proc') {
    this.owners = new OwnerCache(procRoot);
  }

  /** How many descriptors the last read had to inspect (0 when every owner was cached). */
  get lastReadlinks(): number {
    return this.owners.lastReadlinks;
  }

  async read(): Promise<SocketReading> {
    const raw: { proto: SocketProto; row: ReturnType<typeof parseProcNet>[number] }[] = [];
    for (const table of TABLES) {
      let text: string;
      try {
        text = readProcFile(`${this.procRoot}/net/${table.file}`, this.scratch);
      } catch {
        continue; // e.g. no IPv6 in this kernel
      }
      for (const row of parseProcNet(text, table.kind)) raw.push({ proto: table.proto, row });
    }
    const owners = this.owners.resolve(new Set(raw.map((r) => r.row.inode).filter((i) => i > 0)));
    let hiddenOwners = 0;
    const rows: SocketRow[] = raw.map(({ proto, row }) => {
      const owner = row.inode > 0 ? owners.get(row.inode) : undefined;
      if (row.inode > 0 && !owner) hiddenOwners++;
      const out: SocketRow = {
        id: '',
        proto,
        localAddress: row.localAddress,
        localPort: row.localPort,
        remoteAddress: row.remoteAddress,
        remotePort: row.remotePort,
        state: row.state,
        rxQueue: row.rxQueue,
        txQueue: row.txQueue,
        user: userName(row.uid),
      };
      if (owner) {
        out.pid = owner.pid;
        out.process = owner.process;
      }
      out.id = socketId(out, row.inode);
      return out;
    });
    linkPairs(rows);
    return { rows, hiddenOwners };
  }
}
