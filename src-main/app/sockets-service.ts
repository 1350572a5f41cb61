/**
 * The live socket table as contract handlers: the monitor (one read per tick while watched), its
 * snapshot, and the same table seen as socket pairs.
 */
import { PortolanError, type Handlers, type SocketRow } from '../contract/index.js';
import { isListenerRow, pairRows } from '../contract/socket-pairs.js';
import { endProcess } from '../engine/processes/end-process.js';
import { closeConnection } from '../engine/sockets/close-connection.js';
import { SocketMonitor } from '../engine/sockets/monitor.js';
import type { SocketProvider } from '../engine/sockets/provider.js';
import type { EventBus } from './event-bus.js';

type SocketCalls = 'sockets.snapshot' | 'sockets.pairs' | 'sockets.close' | 'processes.end' | 'sockets.watch' | 'sockets.configure';

/** The socket service: its handlers, and close. */
export interface SocketsService {
  handlers: Pick<Handlers, SocketCalls>;
  close(): void;
}

/**
 * Builds the socket handlers. `provider` is undefined on an OS Portolan cannot read yet; every
 * call then fails with a sentence saying so. `tag` names the part of Portolan that made a socket.
 */
export function createSocketsService(bus: EventBus, provider: SocketProvider | undefined, tag: (row: SocketRow) => string | undefined): SocketsService {
  const monitor = provider ? new SocketMonitor({ provider, onDiff: (diff) => bus.emit('sockets.diff', diff), onTraffic: (sample) => bus.emit('sockets.traffic', sample), tagger: tag }) : undefined;
  const requireMonitor = (): SocketMonitor => {
    if (!monitor) throw new PortolanError('NOT_FOUND', `The live socket table is not available on ${process.platform}: Portolan reads it on Linux (/proc), macOS (lsof) and Windows (netstat).`);
    return monitor;
  };
  return {
    handlers: {
      'sockets.snapshot': async ({ listeningOnly }) => {
        const snapshot = await requireMonitor().snapshot();
        return listeningOnly ? { ...snapshot, rows: snapshot.rows.filter(isListenerRow) } : snapshot;
      },
      'sockets.pairs': async () => {
        const { tick, at, source, hiddenOwners, rows } = await requireMonitor().snapshot();
        return { tick, at, source, hiddenOwners, ...pairRows(rows) };
      },
      'sockets.close': async ({ id }) => {
        const row = (await requireMonitor().tick()).rows.find((r) => r.id === id);
        if (!row) throw new PortolanError('NOT_FOUND', `Socket ${id} is no longer in the table: it has closed already.`);
        await closeConnection(row);
        return { closed: true as const };
      },
      // Here rather than in a service of its own: the Sockets view and `portolan sockets` are where a process is ended.
      'processes.end': async ({ pid, signal }) => {
        endProcess(pid, signal);
        return { pid, signal };
      },
      'sockets.watch': async ({ leaseMs, trafficMs }) => {
        requireMonitor().watch(leaseMs, trafficMs);
        return requireMonitor().getSettings();
      },
      'sockets.configure': async (patch) => requireMonitor().configure(patch),
    },
    close: () => monitor?.close(),
  };
}
