/**
 * Closes a TCP connection of any process, as TCPView's "Close connection": Linux's SOCK_DESTROY
 * through `ss -K` with the connection's exact four-tuple. The kernel needs CONFIG_INET_DIAG_DESTROY
 * and the caller CAP_NET_ADMIN; when either is missing, ss closes nothing, and the sentence says which.
 */
import { lazyBuiltin } from '../builtin.js';
import { PortolanError } from '../../contract/errors.js';
import type { SocketRow } from '../../contract/index.js';

/** ss -K runs only to close a connection. */
const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process');

/** ss's filter for exactly this connection (both ends, numeric). */
export function killFilter(row: Pick<SocketRow, 'proto' | 'localAddress' | 'localPort' | 'remoteAddress' | 'remotePort'>): string[] {
  return [row.proto === 'tcp6' ? '-6' : '-4', 'src', row.localAddress, 'sport', '=', String(row.localPort), 'dst', row.remoteAddress, 'dport', '=', String(row.remotePort)];
}

/** Closes one TCP connection; resolves when ss reports it closed, else fails with the reason. */
export function closeConnection(row: SocketRow, ss = 'ss'): Promise<void> {
  if (process.platform !== 'linux') return Promise.reject(new PortolanError('NOT_FOUND', 'Closing a connection is done on Linux (SOCK_DESTROY); Windows (SetTcpEntry) is not done yet.'));
  if (!row.proto.startsWith('tcp') || row.remotePort === 0 || row.state === 'LISTEN' || row.state === 'TIME_WAIT') {
    return Promise.reject(new PortolanError('INVALID_INPUT', `Only an open TCP connection can be closed; this socket is ${row.proto} ${row.state}.`));
  }
  return new Promise((resolve, reject) => {
    childProcess().execFile(ss, ['-K', '-tnH', ...killFilter(row)], { encoding: 'utf8' }, (err, stdout) => {
      if (err) return reject(new PortolanError('INTERNAL', `ss -K failed: ${err.message}`));
      if (stdout.trim()) return resolve();
      const root = process.getuid?.() === 0;
      reject(
        new PortolanError(
          root ? 'NOT_FOUND' : 'EACCES',
          root
            ? "The kernel did not close it: it lacks SOCK_DESTROY (CONFIG_INET_DIAG_DESTROY), or the connection has just closed."
            : 'Closing a connection needs CAP_NET_ADMIN: run Portolan as root (or give it that capability) to close connections.',
        ),
      );
    });
  });
}
