/** A transport stand-in for unit tests of renderer state: scripted answers, recorded calls. */
import type { CallResult } from '../../src-main/contract/channels.js';
import type { ConnectionStatus, Transport } from '../../src-renderer/src/lib/api/transport.js';

type Handler = (input: any) => CallResult | Promise<CallResult>;

export class FakeTransport implements Transport {
  readonly calls: { name: string; input: any }[] = [];
  private readonly events = new Set<(event: string, payload: unknown) => void>();

  constructor(public handlers: Record<string, Handler> = {}) {}

  call(name: string, input: unknown): Promise<CallResult> {
    this.calls.push({ name, input });
    const handler = this.handlers[name];
    return Promise.resolve(handler ? handler(input) : { ok: false, error: { code: 'UNKNOWN_CALL', message: `no ${name}` } });
  }
  onEvent(listener: (event: string, payload: unknown) => void): () => void {
    this.events.add(listener);
    return () => this.events.delete(listener);
  }
  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    listener('connected');
    return () => {};
  }
  close(): void {}
  emit(event: string, payload: unknown): void {
    for (const listener of this.events) listener(event, payload);
  }
  callsOf(name: string) {
    return this.calls.filter((c) => c.name === name).map((c) => c.input);
  }
}

/** A promise with its resolver, to answer calls out of order. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export const ok = (value: unknown): CallResult => ({ ok: true, value });
export const fail = (code: string, message: string): CallResult => ({ ok: false, error: { code, message } });

/** A look-up answer with `total` results of which this page holds `items` ports. */
export function lookupResult(query: string, ports: number[], total = ports.length, page = 0, pageSize = 50) {
  return {
    query,
    kind: 'text',
    total,
    page,
    pageSize,
    tookMs: 1,
    items: ports.map((port) => ({ port, category: 'registered', names: [`svc${port}`], description: '', protocols: ['tcp'], unofficial: [], risky: false })),
  };
}
