/**
 * TCPView's two actions on a socket, as rules the detail panel shows: whether "Close connection"
 * and "End process" can work on this row, the reason as a sentence where not, and what a process
 * holds (its sockets, the ports it listens on) for the confirmation that names it.
 */
import type { SocketRow } from '../../../../src-main/contract/sockets.js';
import { isListening } from './filter.js';

/** States in which a TCP connection still has something to close (SOCK_DESTROY acts on these). */
const CLOSABLE = new Set(['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSING']);

/**
 * Why "Close connection" cannot work on this row, or null when it can. `gone` is true once the row
 * has left the table; `denied` is the engine's sentence after it refused for want of permission.
 */
export function closeBlocker(row: SocketRow, gone: boolean, denied: string | null): string | null {
  if (gone) return 'This connection has closed already.';
  if (!row.proto.startsWith('tcp')) return 'Only a TCP connection can be closed: UDP has no connection to end.';
  if (isListening(row)) return 'A listener is not a connection: end its process to stop it listening.';
  if (row.state === 'TIME_WAIT') return 'This connection has closed already: TIME_WAIT is the kernel holding its ports for a while.';
  if (!CLOSABLE.has(row.state) || row.remotePort === 0) return `There is no open connection to close in state ${row.state}.`;
  return denied;
}

/**
 * Why "End process" cannot work on this row's process, or null when it can. `denied` is the
 * engine's sentence after it refused this pid.
 */
export function endBlocker(row: SocketRow, denied: string | null): string | null {
  if (row.pid === undefined) return 'The owner of this socket is not visible to this user, so there is no process to end.';
  if (row.pid === 1) return 'Pid 1 is the init process: ending it would stop the whole machine.';
  if (row.ownedBy) return 'This socket is Portolan\u2019s own: quit Portolan instead.';
  return denied;
}

/** What a process holds: its open sockets and the ports it listens on ("tcp 443"). */
export interface Holdings {
  sockets: number;
  listening: string[];
}

/** The sockets of `pid` among `rows`, and its listening ports (one per protocol and port, sorted). */
export function holdings(rows: Iterable<SocketRow>, pid: number): Holdings {
  let sockets = 0;
  const listening = new Map<string, [string, number]>();
  for (const r of rows) {
    if (r.pid !== pid) continue;
    sockets++;
    if (isListening(r)) {
      const proto = r.proto.slice(0, 3);
      listening.set(`${proto} ${r.localPort}`, [proto, r.localPort]);
    }
  }
  const sorted = [...listening.values()].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  return { sockets, listening: sorted.map(([proto, port]) => `${proto} ${port}`) };
}

/** The confirmation's question: the process by name and pid, and what ending it takes away. */
export function endQuestion(name: string | undefined, pid: number, held: Holdings): string {
  const what = `${held.sockets} socket${held.sockets === 1 ? '' : 's'}`;
  const ports = held.listening.length ? `, listening on ${held.listening.join(', ')}` : ', listening on no port';
  return `End ${name ?? 'the process'} (pid ${pid})? It holds ${what}${ports}; its connections close with it.`;
}
