/**
 * Listeners and sessions as contract handlers: the engine's events go to the bus, and the
 * engine's own sockets are named for the socket table ("listener", "session").
 */
import type { Handlers, SocketRow } from '../contract/index.js';
import { ListenerEngine } from '../engine/listeners/listener-engine.js';
import type { EventBus } from './event-bus.js';

type SessionCalls = 'listeners.open' | 'listeners.close' | 'listeners.list' | 'sessions.connect' | 'sessions.send' | 'sessions.close' | 'sessions.ack' | 'sessions.transcript';

/** The sessions part of the app. */
export interface SessionsService {
  /** The listener engine (knock guards put their access gates on its listeners). */
  readonly engine: ListenerEngine;
  handlers: Pick<Handlers, SessionCalls>;
  /** Names a socket of this process that belongs to a listener or a session, or undefined. */
  tag(row: SocketRow): 'listener' | 'session' | undefined;
  close(): Promise<void>;
}

/** Builds the listener engine and its handlers. */
export function createSessionsService(bus: EventBus): SessionsService {
  const engine = new ListenerEngine({ emit: (event, payload) => bus.emit(event, payload) });
  return {
    engine,
    handlers: {
      'listeners.open': (spec) => engine.open(spec),
      'listeners.close': async ({ id }) => {
        await engine.closeListener(id);
        return { closed: true };
      },
      'listeners.list': async () => engine.list(),
      'sessions.connect': (spec) => engine.connect(spec),
      'sessions.send': async ({ id, data, from }) => ({ bytes: await engine.send(id, Buffer.from(data, 'base64'), from) }),
      'sessions.close': async ({ id, half }) => {
        engine.closeSession(id, half);
        return { closed: true };
      },
      'sessions.ack': async ({ id, bytes }) => {
        engine.ack(id, bytes);
        return {};
      },
      'sessions.transcript': async ({ id }) => engine.transcript(id),
    },
    tag: (row) => {
      const protocol = row.proto.startsWith('tcp') ? 'tcp' : 'udp';
      return engine.tagSocket(protocol, row.localPort, row.state === 'LISTEN' || row.state === 'UNCONN');
    },
    close: () => engine.close(),
  };
}
