/**
 * The Listeners view's state: listeners and sessions (one `listeners.list`, then
 * `sessions.changed`), the forms, console tabs and their input settings, and a flow-controlled
 * feed per session (see ../consoles/feed.ts). It runs from the start of the app, not only while
 * the view is shown, so that data of peers is taken (and acknowledged) wherever the user is.
 * Sessions that already talked before this page read the list (a new page, a reload, a second
 * window, the link back up) get their recent conversation from `sessions.transcript`, folded with
 * the `sessions.data` and `sessions.sent` that cross the read by `seq` (see
 * {@link ConsolesState.loadHistory}). What any window sends comes back to every window as
 * `sessions.sent`, so each console shows the conversation both ways live; the window that sent
 * it knows it by `from` (its {@link ConsolesState.face}) and does not draw it twice.
 */
import type { ListenerInfo, SessionData, SessionInfo, SessionSent, SessionsChanged, SessionsState, SessionTranscript } from '../../../../src-main/contract/sessions.js';
import { errorMessage, problemOf, type Api, type Problem } from '../api/client.js';
import { base64Length, fromBase64, toBase64 } from '../consoles/bytes.js';
import { SessionFeed, type FeedOptions } from '../consoles/feed.js';
import {
  checkConnect,
  checkListen,
  decodeForm,
  DEFAULT_CONNECT,
  DEFAULT_LISTEN,
  encodeForm,
  type ConnectForm,
  type ListenForm,
} from '../consoles/forms.js';
import { encodeLine, encodeText, type InputMode, type LineEnding } from '../consoles/input.js';
import { Transcript } from '../consoles/transcript.js';
import { applyChanged, EMPTY_MODEL, fromState, groupModel, hasConsole, type SessionsModel } from '../consoles/model.js';
import { SnapshotSync } from './snapshot-sync.js';

/** Bytes per `sessions.send` call: TCP chunks (well below MAX_SEND_BASE64), and UDP datagrams of a sent file (fit a usual MTU). */
export const SEND_CHUNK = { tcp: 64 * 1024, udpFile: 1200 } as const;
/** Largest UDP datagram (mirrors MAX_DATAGRAM of the contract, which the renderer imports as types only). */
export const MAX_DATAGRAM = 65507;

/** A failure shown next to what caused it. */
/** A failed call as this view keeps it (one definition, in the API client). */
export type { Problem };

/** A file being sent. */
export interface Upload {
  name: string;
  sent: number;
  total: number;
}

export interface ConsolesOptions {
  /** Told of form and input settings to remember (key, encoded value). */
  onRemember?: (key: string, value: string) => void;
  /** Feed settings (tests use small ones). */
  feed?: Omit<FeedOptions, 'ack'>;
}

/** What a console shows about the conversation it read from the engine. */
export interface HistoryNote {
  /** Older bytes the engine no longer kept (both ways). */
  dropped: number;
  /** How many bytes the engine keeps per session. */
  keep: number;
  /** Counts the reads: a console redraws when it changes. */
  version: number;
}

/** One event of a session's conversation, received or sent, as the engine numbered it (one `seq` for both). */
export type SaidEvent = { dir: 'in'; event: SessionData } | { dir: 'out'; event: SessionSent };

/** A random id for this window, given as `from` with its sends (sessions.sent says it back). */
function newFaceId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `w-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Settings keys under which the view remembers its forms and input mode. */
export const REMEMBER = { listen: 'consoles.listen', connect: 'consoles.connect', input: 'consoles.input' } as const;


export class ConsolesState {
  model = $state.raw<SessionsModel>(EMPTY_MODEL);
  loaded = $state(false);
  error = $state<string | null>(null);
  /** Session ids with a console tab, in tab order. */
  tabs = $state.raw<string[]>([]);
  active = $state<string | null>(null);
  /** Sessions whose console shows a hex dump. */
  hex = $state.raw<ReadonlySet<string>>(new Set());
  inputMode = $state<InputMode>('line');
  ending = $state<LineEnding>('lf');
  listenForm = $state<ListenForm>({ ...DEFAULT_LISTEN });
  connectForm = $state<ConnectForm>({ ...DEFAULT_CONNECT });
  listenProblem = $state.raw<Problem | null>(null);
  connectProblem = $state.raw<Problem | null>(null);
  busy = $state<'listen' | 'connect' | null>(null);
  /** The last failure of a close, send or file, with the session or listener it concerns. */
  notice = $state.raw<(Problem & { id: string }) | null>(null);
  uploads = $state.raw<Record<string, Upload>>({});
  /** Sessions whose conversation was read from the engine, by id. */
  histories = $state.raw<Record<string, HistoryNote>>({});

  readonly listen = $derived(checkListen(this.listenForm));
  readonly connectCheck = $derived(checkConnect(this.connectForm));
  readonly groups = $derived(groupModel(this.model));
  readonly activeSession = $derived(this.active ? (this.model.sessions.get(this.active) ?? null) : null);

  private readonly feeds = new Map<string, SessionFeed>();
  private readonly transcripts = new Map<string, Transcript>();
  private readonly chains = new Map<string, Promise<void>>();
  /** Per session: `sessions.data` and `sessions.sent` applied to the feed, or kept while its transcript is read. */
  private readonly dataSyncs = new Map<string, SnapshotSync<SessionTranscript, SaidEvent>>();
  /** This window's id among the engine's windows: the `from` of its sends (crypto.getRandomValues works outside secure contexts too, e.g. serve on a LAN address). */
  readonly face = newFaceId();
  private acks = new Map<string, number>();
  private ackScheduled = false;
  /** `listeners.list`, then `sessions.changed` applied in place (kept while a read is on its way). */
  private readonly sync = new SnapshotSync<SessionsState, SessionsChanged>({
    read: () => this.api.call('listeners.list', {}),
    adopt: (state, crossed) => this.adopt(state, crossed),
    apply: (change) => this.applyChange(change),
    fail: (err) => (this.error = `Could not read the listeners and sessions: ${errorMessage(err)}`),
  });

  constructor(
    private readonly api: Api,
    private readonly options: ConsolesOptions = {},
  ) {}

  /** Follows the engine; returns the stop function. */
  start(): () => void {
    const stops = [
      this.api.on('sessions.changed', (change) => this.onChanged(change)),
      this.api.on('sessions.data', (data) => this.onData(data)),
      this.api.on('sessions.sent', (sent) => this.onSent(sent)),
      this.sync.reloadOnConnect(this.api),
    ];
    return () => stops.forEach((stop) => stop());
  }

  /** Takes remembered forms and input settings. */
  restore(get: (key: string) => string): void {
    const listen = get(REMEMBER.listen);
    const connect = get(REMEMBER.connect);
    if (listen) this.listenForm = decodeForm(listen, DEFAULT_LISTEN);
    if (connect) this.connectForm = decodeForm(connect, DEFAULT_CONNECT);
    const [mode, ending] = get(REMEMBER.input).split(':');
    if (mode === 'line' || mode === 'raw') this.inputMode = mode;
    if (ending === 'lf' || ending === 'crlf') this.ending = ending;
  }

  /** Reads the whole state; acknowledges what an earlier page was given and never drew, so paused peers resume. */
  load(): Promise<void> {
    return this.sync.load();
  }

  /** Takes a `listeners.list` answer with the changes that crossed it. */
  private adopt(state: SessionsState, crossed: SessionsChanged[]): void {
    let model = fromState(state);
    for (const change of crossed) model = applyChanged(model, change);
    this.model = model;
    this.loaded = true;
    this.error = null;
    for (const s of state.sessions) {
      const feed = this.feeds.get(s.id);
      const mine = feed ? feed.pendingDraw + feed.backlog : 0;
      if (s.state !== 'closed' && s.unackedBytes > mine) this.ack(s.id, s.unackedBytes - mine);
    }
    // Bytes this page did not see (it was not there, or the link was down): read them from the engine.
    for (const s of state.sessions) if (hasConsole(s) && (s.bytesIn > 0 || s.bytesOut > 0)) void this.loadHistory(s.id);
    const open = [...model.sessions.values()].filter((s) => hasConsole(s) && s.state !== 'closed').map((s) => s.id);
    this.tabs = [...this.tabs.filter((id) => model.sessions.has(id)), ...open.filter((id) => !this.tabs.includes(id))];
    if (!this.active || !model.sessions.has(this.active)) this.active = this.tabs[0] ?? null;
  }

  /** The feed of a session (made on first use: data may come before the list is read). */
  /** A session's conversation both ways (received as kept by its feed, and sent), for redraws and Save transcript. */
  transcriptOf(id: string): Transcript {
    let transcript = this.transcripts.get(id);
    if (!transcript) {
      transcript = new Transcript();
      this.transcripts.set(id, transcript);
    }
    return transcript;
  }

  feedOf(id: string): SessionFeed {
    let feed = this.feeds.get(id);
    if (!feed) {
      feed = new SessionFeed({ ...this.options.feed, ack: (bytes) => this.ack(id, bytes), onKept: (bytes, dir) => this.transcriptOf(id).push(dir, bytes) });
      this.feeds.set(id, feed);
    }
    return feed;
  }

  /** Applies `sessions.changed`; new console sessions get a tab (the first one is shown). */
  onChanged(change: SessionsChanged): void {
    this.sync.push(change);
  }

  private applyChange(change: SessionsChanged): void {
    const fresh = change.sessions.filter((s) => !this.model.sessions.has(s.id) && hasConsole(s) && s.state !== 'closed').map((s) => s.id);
    this.model = applyChanged(this.model, change);
    if (fresh.length) this.openTabs(fresh, false);
    if (change.removedSessions.length) this.dropSessions(change.removedSessions);
  }

  onData(data: SessionData): void {
    this.dataSyncOf(data.id).push({ dir: 'in', event: data });
  }

  /** Bytes sent to a session's peer by any window (or the CLI, or the banner): shown in order with what was received. */
  onSent(sent: SessionSent): void {
    this.dataSyncOf(sent.id).push({ dir: 'out', event: sent });
  }

  /** Hands one event to the session's feed: sent bytes of this window are kept, not drawn again. */
  private applySaid(id: string, said: SaidEvent): void {
    if (said.dir === 'in') this.feedOf(id).push(said.event.data);
    else this.feedOf(id).pushSent(said.event.data, said.event.from === this.face);
  }

  private dataSyncOf(id: string): SnapshotSync<SessionTranscript, SaidEvent> {
    let sync = this.dataSyncs.get(id);
    if (!sync) {
      sync = new SnapshotSync<SessionTranscript, SaidEvent>({
        read: () => this.api.call('sessions.transcript', { id }),
        adopt: (transcript, crossed) => this.adoptHistory(id, transcript, crossed),
        apply: (said) => this.applySaid(id, said),
        // A session forgotten meanwhile has nothing to show; a link that went down reloads everything when back.
        fail: (err) => {
          if (problemOf(err).code !== 'NOT_FOUND' && this.model.sessions.has(id)) this.notice = { id, code: problemOf(err).code, message: `Could not read what was said before: ${errorMessage(err)}` };
        },
      });
      this.dataSyncs.set(id, sync);
    }
    return sync;
  }

  /**
   * Reads a session's recent conversation from the engine and shows it in place of what this page
   * kept. It runs in the session's send queue, so no send of this page crosses the read (the
   * engine's record holds every send before it, and every send after it is pushed after it).
   */
  loadHistory(id: string): Promise<void> {
    const next = (this.chains.get(id) ?? Promise.resolve()).then(() => this.dataSyncOf(id).load());
    this.chains.set(id, next);
    return next;
  }

  /**
   * Takes the engine's transcript: it holds every `sessions.data` and `sessions.sent` up to its
   * `seq`, so what the feed had came before and is replaced, crossed events up to `seq` are dropped
   * (received ones acknowledged), and later ones are applied in order: no byte twice, none missing.
   */
  private adoptHistory(id: string, transcript: SessionTranscript, crossed: SaidEvent[]): void {
    if (!this.model.sessions.has(id)) return;
    const segments = transcript.segments.map((s) => ({ dir: s.dir, offset: s.offset, bytes: fromBase64(s.data) }));
    this.transcriptOf(id).restore(segments, transcript.dropped, transcript.totals);
    const feed = this.feedOf(id);
    feed.restore(segments.filter((s) => s.dir === 'in').map((s) => s.bytes), transcript.totals.in);
    for (const said of crossed) {
      if (said.event.seq > transcript.seq) this.applySaid(id, said);
      else if (said.dir === 'in') this.ack(id, base64Length(said.event.data));
    }
    const version = (this.histories[id]?.version ?? 0) + 1;
    this.histories = { ...this.histories, [id]: { dropped: transcript.dropped, keep: transcript.keep, version } };
  }

  /** Shows a session's console (adding its tab). */
  show(id: string): void {
    this.openTabs([id], true);
  }

  /** Hides a console tab; a closed session is also forgotten. */
  closeTab(id: string): void {
    const at = this.tabs.indexOf(id);
    this.tabs = this.tabs.filter((t) => t !== id);
    if (this.active === id) this.active = this.tabs[Math.min(at, this.tabs.length - 1)] ?? null;
    if (this.model.sessions.get(id)?.state === 'closed') void this.run(id, () => this.api.call('sessions.close', { id }));
  }

  setHex(id: string, on: boolean): void {
    const next = new Set(this.hex);
    if (on) next.add(id);
    else next.delete(id);
    this.hex = next;
  }

  setInput(mode: InputMode, ending: LineEnding): void {
    this.inputMode = mode;
    this.ending = ending;
    this.options.onRemember?.(REMEMBER.input, `${mode}:${ending}`);
  }

  setListenForm(patch: Partial<ListenForm>): void {
    this.listenForm = { ...this.listenForm, ...patch };
    this.listenProblem = null;
  }

  setConnectForm(patch: Partial<ConnectForm>): void {
    this.connectForm = { ...this.connectForm, ...patch };
    this.connectProblem = null;
  }

  /** Opens a listener from the form; the problem (busy port, privileged port…) is kept for the form. */
  async openListener(): Promise<ListenerInfo | null> {
    const spec = this.listen.spec;
    if (!spec || this.busy) return null;
    this.busy = 'listen';
    try {
      const info = await this.api.call('listeners.open', spec);
      this.listenProblem = null;
      this.options.onRemember?.(REMEMBER.listen, encodeForm(this.listenForm));
      this.model = applyChanged(this.model, { listeners: [info], sessions: [], removedListeners: [], removedSessions: [] });
      return info;
    } catch (err) {
      this.listenProblem = problemOf(err);
      return null;
    } finally {
      this.busy = null;
    }
  }

  /** Connects from the form and shows the new session's console. */
  async connect(): Promise<SessionInfo | null> {
    const spec = this.connectCheck.spec;
    if (!spec || this.busy) return null;
    this.busy = 'connect';
    try {
      const info = await this.api.call('sessions.connect', spec);
      this.connectProblem = null;
      this.options.onRemember?.(REMEMBER.connect, encodeForm(this.connectForm));
      if (!this.model.sessions.has(info.id))
        this.model = applyChanged(this.model, { listeners: [], sessions: [info], removedListeners: [], removedSessions: [] });
      this.show(info.id);
      return info;
    } catch (err) {
      this.connectProblem = problemOf(err);
      return null;
    } finally {
      this.busy = null;
    }
  }

  closeListener(id: string): Promise<void> {
    return this.run(id, () => this.api.call('listeners.close', { id }));
  }

  /** Closes a peer (or forgets a closed one). */
  closeSession(id: string): Promise<void> {
    return this.run(id, () => this.api.call('sessions.close', { id }));
  }

  /** Sends end-of-stream (TCP FIN); the session keeps receiving. Queued after what is being sent. */
  sendEof(id: string): Promise<void> {
    return this.enqueue(id, () => this.api.call('sessions.close', { id, half: true }));
  }

  /** Sends a line with the chosen ending. */
  sendLine(id: string, line: string): Promise<void> {
    return this.send(id, encodeLine(line, this.ending));
  }

  /** Sends typed text as it is (raw mode). */
  sendRaw(id: string, text: string): Promise<void> {
    return this.send(id, encodeText(text));
  }

  /**
   * Sends bytes, one awaited call per chunk, after what this session is already sending. UDP: the
   * bytes are one datagram. They join the transcript when the engine reports them (`sessions.sent`
   * with this window's `from`), in their place among received bytes.
   */
  send(id: string, bytes: Uint8Array): Promise<void> {
    const udp = this.model.sessions.get(id)?.protocol === 'udp';
    if (udp && bytes.length > MAX_DATAGRAM) {
      this.notice = { id, code: 'INVALID_INPUT', message: `A UDP datagram holds at most ${MAX_DATAGRAM.toLocaleString()} bytes; this was ${bytes.length.toLocaleString()}.` };
      return Promise.resolve();
    }
    return this.enqueue(id, async () => {
      for (let at = 0; at < bytes.length || at === 0; at += SEND_CHUNK.tcp) {
        const part = udp ? bytes : bytes.subarray(at, at + SEND_CHUNK.tcp);
        await this.api.call('sessions.send', { id, data: toBase64(part), from: this.face });
        if (udp) break;
      }
    });
  }

  /** Sends a file in chunks (UDP: one datagram per 1200 bytes), showing progress. */
  sendFile(id: string, file: Blob & { name: string }): Promise<void> {
    const chunk = this.model.sessions.get(id)?.protocol === 'udp' ? SEND_CHUNK.udpFile : SEND_CHUNK.tcp;
    return this.enqueue(id, async () => {
      this.uploads = { ...this.uploads, [id]: { name: file.name, sent: 0, total: file.size } };
      try {
        for (let at = 0; at < file.size; at += chunk) {
          const part = new Uint8Array(await file.slice(at, at + chunk).arrayBuffer());
          await this.api.call('sessions.send', { id, data: toBase64(part), from: this.face });
          this.uploads = { ...this.uploads, [id]: { name: file.name, sent: at + part.length, total: file.size } };
        }
      } finally {
        const { [id]: _done, ...rest } = this.uploads;
        this.uploads = rest;
      }
    });
  }

  /** Runs a session's sends one after the other; a failure is shown and does not block what follows. */
  private enqueue(id: string, job: () => Promise<unknown>): Promise<void> {
    const next = (this.chains.get(id) ?? Promise.resolve()).then(() => this.run(id, job));
    this.chains.set(id, next);
    return next;
  }

  private async run(id: string, job: () => Promise<unknown>): Promise<void> {
    try {
      await job();
      if (this.notice?.id === id) this.notice = null;
    } catch (err) {
      this.notice = { id, ...problemOf(err) };
    }
  }

  private openTabs(ids: string[], focus: boolean): void {
    const added = ids.filter((id) => !this.tabs.includes(id));
    if (added.length) this.tabs = [...this.tabs, ...added];
    if (focus) this.active = ids[ids.length - 1] ?? this.active;
    else if (!this.active || this.model.sessions.get(this.active)?.state === 'closed') this.active = added[0] ?? this.active;
  }

  private dropSessions(ids: string[]): void {
    for (const id of ids) {
      this.feeds.get(id)?.detach();
      this.feeds.delete(id);
      this.transcripts.delete(id);
      this.chains.delete(id);
      this.dataSyncs.delete(id);
      this.acks.delete(id);
    }
    const gone = new Set(ids);
    if (this.tabs.some((id) => gone.has(id))) {
      const at = this.tabs.findIndex((id) => gone.has(id));
      this.tabs = this.tabs.filter((id) => !gone.has(id));
      if (this.active && gone.has(this.active)) this.active = this.tabs[Math.min(at, this.tabs.length - 1)] ?? null;
    }
    if ([...this.hex].some((id) => gone.has(id))) this.hex = new Set([...this.hex].filter((id) => !gone.has(id)));
    if (ids.some((id) => id in this.histories)) this.histories = Object.fromEntries(Object.entries(this.histories).filter(([id]) => !gone.has(id)));
  }

  /** Acknowledges drawn bytes; acknowledgements made in the same task go as one call per session. */
  private ack(id: string, bytes: number): void {
    if (bytes <= 0) return;
    this.acks.set(id, (this.acks.get(id) ?? 0) + bytes);
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    queueMicrotask(() => {
      this.ackScheduled = false;
      const acks = this.acks;
      this.acks = new Map();
      for (const [sid, n] of acks) void this.api.call('sessions.ack', { id: sid, bytes: n }).catch(() => undefined);
    });
  }
}
