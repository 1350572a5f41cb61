/**
 * The contract's names without its schemas. The sandboxed preload bundles only this file, so it
 * stays small and free of any library; a unit test checks that these lists match api.ts exactly.
 */

/** Names of every call in `calls` of api.ts. */
export const CALL_NAMES = [
  'dictionary.lookup',
  'dictionary.card',
  'dictionary.bindCheck',
  'dictionary.summaries',
  'learn.cards',
  'system.info',
  'settings.get',
  'settings.update',
  'sockets.snapshot',
  'sockets.pairs',
  'sockets.close',
  'processes.end',
  'sockets.watch',
  'sockets.elevate',
  'sockets.configure',
  'dns.reverse',
  'dns.resolve',
  'listeners.open',
  'listeners.close',
  'listeners.list',
  'sessions.connect',
  'sessions.send',
  'sessions.close',
  'sessions.ack',
  'sessions.transcript',
  'router.discover',
  'router.mappings',
  'router.add',
  'router.remove',
  'scan.start',
  'scan.pause',
  'scan.resume',
  'scan.cancel',
  'scan.results',
  'scan.history',
  'scan.get',
  'scan.wait',
  'scan.delete',
  'scan.diff',
  'scan.export',
  'scan.profiles.list',
  'scan.profiles.save',
  'scan.profiles.delete',
  'knock.send',
  'knock.profiles.list',
  'knock.profiles.save',
  'knock.profiles.delete',
  'knock.importKnockd',
  'knock.exportKnockd',
  'knock.guards.list',
  'knock.guards.create',
  'knock.guards.start',
  'knock.guards.stop',
  'knock.guards.delete',
  'knock.log',
  'forwards.list',
  'forwards.create',
  'forwards.update',
  'forwards.delete',
  'forwards.start',
  'forwards.stop',
  'forwards.duplicate',
  'forwards.export',
  'forwards.import',
  'forwards.connections',
  'forwards.hostKey.accept',
  'ssh.hosts',
  'exposure.list',
  'exposure.firewall.preview',
  'exposure.firewall.apply',
  'exposure.firewall.undo',
  'exposure.firewall.rules',
  'exposure.baseline.set',
  'exposure.baseline.clear',
] as const;

/** Names of every event in `events` of api.ts. */
export const EVENT_NAMES = ['settings.changed', 'system.heartbeat', 'sockets.diff', 'sockets.traffic', 'sessions.data', 'sessions.sent', 'sessions.changed', 'router.changed', 'scan.progress', 'scan.found', 'knock.step', 'knock.attempt', 'knock.guards.changed', 'forwards.changed', 'forwards.traffic', 'forwards.connection', 'forwards.hostKey', 'exposure.changed'] as const;

/** The single IPC channel that carries events from main to renderer; the payload names the event. */
export const EVENT_CHANNEL = 'portolan:event';

/** Message shapes of the web transport (WebSocket), shared by server and browser client. */
export interface WireCall {
  id: number;
  call: string;
  input: unknown;
}
/**
 * A failed call: a stable code to branch on, a sentence a person can act on, and `path`, where in
 * the call's input the fault lies (zod's issue path, e.g. `['spec', 'listenPort']`) when it lies
 * in one field, so a form marks that field without reading the sentence.
 */
export interface CallError {
  code: string;
  message: string;
  path?: (string | number)[];
}
/**
 * The result of a call wherever it crosses (dispatch, IPC, the WebSocket): ok with a value, or a
 * {@link CallError}; never a thrown error. The one envelope of every face.
 */
export type CallResult = { ok: true; value: unknown } | { ok: false; error: CallError };
/** A reply to a {@link WireCall}: its id and the {@link CallResult}. */
export type WireReply = { id: number } & CallResult;
/** An event pushed by the engine. */
export interface WireEvent {
  event: string;
  payload: unknown;
}

/**
 * What the sandboxed preload exposes as `window.portolan`: one function per contract call (never
 * raw ipcRenderer), and one subscription to the engine's events.
 */
export interface PortolanBridge {
  /** One function per entry of CALL_NAMES; input is validated by the engine. */
  readonly calls: Readonly<Record<(typeof CALL_NAMES)[number], (input?: unknown) => Promise<CallResult>>>;
  /** Subscribes to every engine event; returns the unsubscribe function. */
  onEvent(listener: (event: string, payload: unknown) => void): () => void;
  /** The OS, so the UI can show Cmd or Ctrl in shortcuts. */
  readonly platform: string;
}
