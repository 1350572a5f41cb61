/** Socket rows for renderer tests. */
import type { SocketRow } from '../../src-main/contract/sockets.js';

let inode = 1000;

/** A TCP row; pass what matters to the test. */
export function row(p: Partial<SocketRow> & { localPort: number }): SocketRow {
  const r: SocketRow = {
    proto: 'tcp',
    localAddress: '127.0.0.1',
    remoteAddress: p.remotePort ? '127.0.0.1' : '0.0.0.0',
    remotePort: 0,
    state: p.remotePort ? 'ESTABLISHED' : 'LISTEN',
    rxQueue: 0,
    txQueue: 0,
    ...p,
    id: p.id ?? `tcp#${inode++}`,
  };
  return r;
}

/** A listener on `port` and one local connection to it (both halves, linked by pairId). */
export function listenerWithPair(port: number, clientPort: number, pid = 10, process = 'srv') {
  const listener = row({ localPort: port, pid, process, user: 'alice' });
  const server = row({ localPort: port, remotePort: clientPort, pid, process, user: 'alice' });
  const client = row({ localPort: clientPort, remotePort: port, pid: 20, process: 'curl', user: 'alice' });
  server.pairId = client.id;
  client.pairId = server.id;
  return { listener, server, client };
}

export const noNames = { serviceName: () => undefined, hostName: () => undefined };
