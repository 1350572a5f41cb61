/**
 * The renderer's half of end-to-end flow control, one per session: received data waits here,
 * still base64, until the console can take it; it is decoded one chunk at a time, handed to the
 * console, and acknowledged only when the console has drawn it (xterm's write callback). The
 * engine pauses the peer while too much is unacknowledged, so a fast peer is slowed down to the
 * speed of the console instead of filling memory.
 *
 * Without a console (its tab is not shown) data is decoded into the bounded history at once and
 * acknowledged: a hidden console never pauses its peer, and keeps the last {@link FeedOptions.keep}
 * bytes to draw when it is shown again.
 *
 * Sent bytes (`sessions.sent`, by this window or another) wait in the same queue, so a console
 * draws them where they came in the conversation; they are never acknowledged (flow control is
 * about received bytes) and do not join the received history.
 */
import type { Direction } from '../../../../src-main/contract/transcript.js';
import { base64Length, ByteRing, fromBase64 } from './bytes.js';

/** Where a feed draws: a console. */
export interface ConsoleSink {
  /** Draws received bytes; calls `done` once they are drawn (xterm's write callback). */
  write(bytes: Uint8Array, done: () => void): void;
  /** Draws bytes sent to the peer by someone else (another window, the CLI, the banner), marked as sent. */
  sent(bytes: Uint8Array): void;
}

/** Sent bytes waiting in the queue; `shown`: this window showed them already (it sent them). */
class Sent {
  constructor(
    readonly data: string,
    readonly shown: boolean,
  ) {}
}

export interface FeedOptions {
  /** Sends an acknowledgement of this many drawn (or stored) bytes to the engine. */
  ack: (bytes: number) => void;
  /** Largest write handed to the console, in bytes. */
  chunk?: number;
  /** Bytes handed to the console and not yet drawn, at most. */
  maxInFlight?: number;
  /** Received bytes kept for redrawing (hex toggle, tab switch) and transcripts. */
  keep?: number;
  /**
   * Told of bytes as they are drawn or stored, both ways in the order of the conversation:
   * received ones as they join the history, sent ones in their place among them. The transcript follows it.
   */
  onKept?: (bytes: Uint8Array, dir: Direction) => void;
  /**
   * Base64 characters allowed to wait for a shown console. The engine's window keeps this far
   * below the bound; beyond it (e.g. another window acknowledges faster) the oldest data is
   * stored and acknowledged without being drawn, and counted in `skipped`.
   */
  maxQueued?: number;
}

export const FEED_DEFAULTS = { chunk: 16 * 1024, maxInFlight: 128 * 1024, keep: 1024 * 1024, maxQueued: 4 * 1024 * 1024 } as const;

export class SessionFeed {
  /** What the console was given (or stored while hidden): the last `keep` bytes. */
  readonly history: ByteRing;
  /** Bytes received in all. */
  received = 0;
  /** Bytes stored without being drawn while a console was shown but too far behind. */
  skipped = 0;

  /** Received data (base64) and sent bytes, in the order the engine reported them. */
  private queue: (string | Sent)[] = [];
  /** Base64 characters of received data in the queue. */
  private queuedChars = 0;
  private current: Uint8Array | null = null;
  private at = 0;
  private inFlight = 0;
  private sink: ConsoleSink | null = null;
  private generation = 0;
  private readonly settings: Required<Omit<FeedOptions, 'onKept'>> & Pick<FeedOptions, 'onKept'>;

  constructor(options: FeedOptions) {
    this.settings = { ...FEED_DEFAULTS, ...options };
    this.history = new ByteRing(this.settings.keep);
  }

  /** Bytes handed to the console and not yet drawn. */
  get pendingDraw(): number {
    return this.inFlight;
  }

  /** Received data waiting for the console (base64 characters and the undrawn rest of the current chunk). */
  get backlog(): number {
    return this.queuedChars + (this.current ? this.current.length - this.at : 0);
  }

  /** Takes one `sessions.data` payload (base64). */
  push(data: string): void {
    this.received += base64Length(data);
    if (!this.sink) {
      this.store(fromBase64(data));
      return;
    }
    this.queue.push(data);
    this.queuedChars += data.length;
    while (this.queuedChars > this.settings.maxQueued && this.queue.length > 1) {
      const old = this.queue.shift()!;
      if (old instanceof Sent) {
        this.storeSent(old);
        continue;
      }
      this.queuedChars -= old.length;
      const bytes = fromBase64(old);
      this.skipped += bytes.length;
      this.store(bytes);
    }
    this.pump();
  }

  /**
   * Takes one `sessions.sent` payload (base64): drawn after what was received before it, unless
   * `shown` (this window sent it and echoed it as it was typed); kept in the transcript either way.
   */
  pushSent(data: string, shown: boolean): void {
    const sent = new Sent(data, shown);
    if (!this.sink) this.storeSent(sent);
    else {
      this.queue.push(sent);
      this.pump();
    }
  }

  /**
   * Starts drawing on a console. The caller first draws {@link history} itself (it is all the
   * console has not seen); new data follows it.
   */
  attach(sink: ConsoleSink): void {
    this.detach();
    this.sink = sink;
    this.pump();
  }

  /**
   * Stops drawing (the console goes away). What it was given but did not confirm is acknowledged
   * now (it is in the history), and what waits is stored and acknowledged.
   */
  detach(): void {
    if (!this.sink) return;
    this.sink = null;
    this.generation++;
    if (this.inFlight) this.settings.ack(this.inFlight);
    this.inFlight = 0;
    if (this.current) this.store(this.current.subarray(this.at));
    this.current = null;
    for (const data of this.queue) {
      if (data instanceof Sent) this.storeSent(data);
      else this.store(fromBase64(data));
    }
    this.queue = [];
    this.queuedChars = 0;
  }

  /**
   * Takes the engine's record of what was received (a console opened later, or after the link was
   * down) in place of its own history, ending at absolute offset `end`. Data still waiting came
   * before the record was read, so the record holds it (sent bytes too): it is dropped, and what
   * was received acknowledged. Writes the console has not confirmed yet finish as usual; the
   * console redraws from the transcript.
   */
  restore(chunks: readonly Uint8Array[], end: number): void {
    let waiting = this.current ? this.current.length - this.at : 0;
    for (const data of this.queue) if (!(data instanceof Sent)) waiting += base64Length(data);
    this.current = null;
    this.at = 0;
    this.queue = [];
    this.queuedChars = 0;
    this.history.replace(chunks, end);
    this.settings.ack(waiting);
  }

  /** Hands chunks to the console while it has room; decodes no faster than it draws. */
  private pump(): void {
    const sink = this.sink;
    const generation = this.generation;
    while (sink && this.inFlight < this.settings.maxInFlight) {
      if (!this.current || this.at >= this.current.length) {
        const next = this.queue.shift();
        if (next === undefined) {
          this.current = null;
          return;
        }
        if (next instanceof Sent) {
          // Its place in the conversation: after every received byte handed to the console before it.
          const bytes = fromBase64(next.data);
          this.settings.onKept?.(bytes, 'out');
          if (!next.shown) sink.sent(bytes);
          this.current = null;
          continue;
        }
        this.queuedChars -= next.length;
        this.current = fromBase64(next);
        this.at = 0;
        continue;
      }
      const piece = this.current.subarray(this.at, this.at + this.settings.chunk);
      this.at += piece.length;
      this.inFlight += piece.length;
      this.history.push(piece);
      this.settings.onKept?.(piece, 'in');
      sink.write(piece, () => {
        if (generation !== this.generation) return;
        this.inFlight -= piece.length;
        this.settings.ack(piece.length);
        this.pump();
      });
    }
  }

  private store(bytes: Uint8Array): void {
    if (!bytes.length) return;
    this.history.push(bytes);
    this.settings.onKept?.(bytes, 'in');
    this.settings.ack(bytes.length);
  }

  /** Keeps sent bytes without drawing them (no console, or it is too far behind): the transcript has them for a redraw. */
  private storeSent(sent: Sent): void {
    this.settings.onKept?.(fromBase64(sent.data), 'out');
  }
}
