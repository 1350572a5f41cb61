/**
 * The transport of the browser UI (`portolan serve`): JSON messages over one WebSocket to `/ws`
 * on the same host, authenticated by the session cookie. Reconnects with backoff; calls pending
 * when the link drops fail at once with a clear error.
 */
import type { CallResult, WireCall, WireEvent, WireReply } from '../../../../src-main/contract/channels.js';
import { DISCONNECTED, Listeners, type ConnectionStatus, type Transport } from './transport.js';

/** The error of a call made while the engine is away: what happened, and that it fixes itself. */
export const NOT_CONNECTED = "Portolan's engine is not connected, so nothing was done. It reconnects by itself: try again once the status bar says Connected.";

export interface WebSocketTransportOptions {
  /** First retry delay in ms; doubles per failed attempt. */
  minDelayMs?: number;
  /** Longest retry delay in ms. */
  maxDelayMs?: number;
  /** The WebSocket constructor (tests pass a fake). */
  WebSocketImpl?: typeof WebSocket;
}

/** The address of the engine's socket for a page served by `portolan serve`. */
export function sameHostSocketUrl(loc: Location = location): string {
  return (loc.protocol === 'https:' ? 'wss://' : 'ws://') + loc.host + '/ws';
}

export class WebSocketTransport implements Transport {
  private status: ConnectionStatus = 'connecting';
  private ws: WebSocket | null = null;
  private nextId = 1;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** Calls awaiting a reply, by id; `sent` is false while queued for a socket still opening. */
  private readonly pending = new Map<number, { resolve: (r: CallResult) => void; message: string; sent: boolean }>();
  private readonly events = new Listeners<[string, unknown]>();
  private readonly statuses = new Listeners<[ConnectionStatus]>();
  private readonly minDelay: number;
  private readonly maxDelay: number;
  private readonly Impl: typeof WebSocket;

  constructor(
    private readonly url: string,
    options: WebSocketTransportOptions = {},
  ) {
    this.minDelay = options.minDelayMs ?? 500;
    this.maxDelay = options.maxDelayMs ?? 10_000;
    this.Impl = options.WebSocketImpl ?? WebSocket;
    this.connect();
  }

  call(name: string, input: unknown): Promise<CallResult> {
    const ws = this.ws;
    if (!ws || this.closed) {
      // Said to the user as is: no internal call name, and what happens next.
      return Promise.resolve(this.lost(NOT_CONNECTED));
    }
    return new Promise((resolve) => {
      const id = this.nextId++;
      const message = JSON.stringify({ id, call: name, input } satisfies WireCall);
      const open = ws.readyState === this.Impl.OPEN;
      this.pending.set(id, { resolve, message, sent: open });
      if (open) ws.send(message);
    });
  }

  onEvent(listener: (event: string, payload: unknown) => void): () => void {
    return this.events.add(listener);
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    listener(this.status);
    return this.statuses.add(listener);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.ws?.close();
    this.dropSocket('The connection to the engine was closed.');
    this.setStatus('disconnected');
  }

  private connect(): void {
    const ws = new this.Impl(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.setStatus('connected');
      for (const call of this.pending.values()) {
        if (!call.sent) {
          call.sent = true;
          ws.send(call.message);
        }
      }
    };
    ws.onmessage = (e: MessageEvent) => this.receive(e.data);
    ws.onclose = () => {
      if (this.ws !== ws) return;
      const wasConnected = this.status === 'connected';
      this.dropSocket(
        wasConnected
          ? 'The connection to the engine was lost before it answered; reconnecting.'
          : 'Could not reach the engine; retrying.',
      );
      if (!this.closed) this.scheduleReconnect();
    };
  }

  private receive(data: unknown): void {
    let msg: Partial<WireReply & WireEvent>;
    try {
      msg = JSON.parse(String(data)) as Partial<WireReply & WireEvent>;
    } catch {
      console.warn('portolan: ignored a message that is not JSON');
      return;
    }
    if (typeof msg.id === 'number') {
      const call = this.pending.get(msg.id);
      if (!call) return;
      this.pending.delete(msg.id);
      const reply = msg as WireReply;
      call.resolve(reply.ok ? { ok: true, value: reply.value } : { ok: false, error: reply.error });
    } else if (typeof msg.event === 'string') {
      this.events.emit(msg.event, msg.payload);
    }
  }

  private scheduleReconnect(): void {
    const delay = Math.min(this.maxDelay, this.minDelay * 2 ** this.attempt);
    this.attempt++;
    this.setStatus('reconnecting');
    this.retryTimer = setTimeout(() => this.connect(), delay * (0.8 + Math.random() * 0.4));
  }

  /** Forgets the socket and fails every call waiting on it. */
  private dropSocket(message: string): void {
    if (this.ws) {
      this.ws.onopen = this.ws.onmessage = this.ws.onclose = null;
      this.ws = null;
    }
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) call.resolve(this.lost(message));
  }

  private lost(message: string): CallResult {
    return { ok: false, error: { code: DISCONNECTED, message } };
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.statuses.emit(status);
  }
}
