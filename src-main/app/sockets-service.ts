/**
 * The live socket table as contract handlers: the monitor (one read per tick while watched), its
 * snapshot, and the same table seen as socket pairs.
 */
import { PortolanError } from '../contract/errors.js';
import type { Handlers, SocketElevation, SocketRow } from '../contract/index.js';
import { isListenerRow, pairRows } from '../contract/socket-pairs.js';
import { endProcess } from '../engine/processes/end-process.js';
import { closeConnection } from '../engine/sockets/close-connection.js';
import { ElevatedSocketProvider } from '../engine/sockets/elevated-provider.js';
import { SocketMonitor } from '../engine/sockets/monitor.js';
import type { SocketProvider } from '../engine/sockets/provider.js';
import type { EventBus } from './event-bus.js';

type SocketCalls = 'sockets.snapshot' | 'sockets.pairs' | 'sockets.close' | 'processes.end' | 'sockets.watch' | 'sockets.elevate' | 'sockets.configure';

/** How the socket reader is elevated on the user's click (sockets.elevate); only Linux so far. */
export interface SocketElevationOptions {
  /**
   * The reader's command line, without the elevator: `<node> <portolan> __socket-reader`, or the
   * installed app in CLI mode. Absent: this face cannot start one (the call then says what to do).
   */
  readerCommand?: readonly string[];
  /** What runs the reader with privileges (default: pkexec, so polkit asks); tests give none. */
  elevator?: readonly string[];
  /** The normal reader again, once the elevated one ends. */
  makeProvider: () => SocketProvider;
  platform?: NodeJS.Platform;
  /** This process's user id (0: root sees every owner already). */
  uid?: number;
}

/** What to do instead where the window cannot show every owner yet. */
function notAvailableWords(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'Showing every owner from the window is not available on macOS yet: run `sudo portolan sockets` in a terminal.';
  if (platform === 'win32') return 'Showing every owner from the window is not available on Windows yet: run `portolan sockets` in a terminal opened as administrator.';
  return `Showing every owner is not available on ${platform} yet.`;
}

/** The socket service: its handlers, and close. */
export interface SocketsService {
  handlers: Pick<Handlers, SocketCalls>;
  close(): void;
}

/**
 * Builds the socket handlers. `provider` is undefined on an OS Portolan cannot read yet; every
 * call then fails with a sentence saying so. `tag` names the part of Portolan that made a socket.
 */
export function createSocketsService(bus: EventBus, provider: SocketProvider | undefined, tag: (row: SocketRow) => string | undefined, elevation?: SocketElevationOptions): SocketsService {
  const monitor = provider ? new SocketMonitor({ provider, onDiff: (diff) => bus.emit('sockets.diff', diff), onTraffic: (sample) => bus.emit('sockets.traffic', sample), tagger: tag }) : undefined;
  const requireMonitor = (): SocketMonitor => {
    if (!monitor) throw new PortolanError('NOT_FOUND', `The live socket table is not available on ${process.platform}: Portolan reads it on Linux (/proc), macOS (lsof) and Windows (netstat).`);
    return monitor;
  };
  const platform = elevation?.platform ?? process.platform;
  const uid = elevation?.uid ?? process.getuid?.();
  let elevated: ElevatedSocketProvider | undefined;
  /** Why the last start did not take (cancelled at the prompt, no polkit agent). */
  let refused: string | undefined;
  let starting: Promise<SocketElevation> | undefined;
  const elevationNow = (): SocketElevation => {
    if (platform !== 'linux') return { state: 'unavailable', note: notAvailableWords(platform) };
    if (uid === 0) return { state: 'unneeded' };
    if (elevated?.elevated) return { state: 'elevated' };
    if (!elevation?.readerCommand) return { state: 'unavailable', note: 'This Portolan cannot start an elevated reader: run `sudo portolan sockets` in a terminal to see every owner.' };
    const note = refused ?? elevated?.note;
    return { state: 'offered', ...(note ? { note } : {}) };
  };
  const elevate = (table: SocketMonitor, options: SocketElevationOptions, command: readonly string[]): Promise<SocketElevation> =>
    (starting ??= (async () => {
      const next = new ElevatedSocketProvider([...(options.elevator ?? ['pkexec']), ...command], options.makeProvider);
      try {
        await next.start();
      } catch (err) {
        next.close();
        refused = (err as Error).message;
        return elevationNow();
      }
      refused = undefined;
      elevated = next;
      table.replaceProvider(next);
      return elevationNow();
    })().finally(() => (starting = undefined)));
  return {
    handlers: {
      'sockets.snapshot': async ({ listeningOnly }) => {
        const snapshot = await requireMonitor().snapshot();
        return { ...snapshot, ...(listeningOnly ? { rows: snapshot.rows.filter(isListenerRow) } : {}), elevation: elevationNow() };
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
      // Only on the user's click (the Sockets view's "Show all owners"): nothing is elevated otherwise.
      'sockets.elevate': async () => {
        const table = requireMonitor();
        const now = elevationNow();
        return now.state === 'offered' && elevation?.readerCommand ? elevate(table, elevation, elevation.readerCommand) : now;
      },
      'sockets.configure': async (patch) => requireMonitor().configure(patch),
    },
    close: () => monitor?.close(),
  };
}
