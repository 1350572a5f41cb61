/** A transport stand-in for unit tests of renderer state: scripted answers, recorded calls. */
import { calls } from '../../src-main/contract/api.js';
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
    if (!handler) return Promise.resolve({ ok: false, error: { code: 'UNKNOWN_CALL', message: `no ${name}` } });
    return Promise.resolve(handler(input)).then((result) => checkAnswer(name, result));
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

/** Scripted answers that broke the contract in the running test (checked after each test by setup.ts). */
export const contractViolations: string[] = [];

/**
 * A scripted answer must be one the engine could give: an ok value is parsed with the call's
 * output schema, so renderer tests cannot pass against shapes the contract does not allow.
 */
function checkAnswer(name: string, result: CallResult): CallResult {
  if (!result.ok || !Object.hasOwn(calls, name)) return result;
  const parsed = calls[name as keyof typeof calls].output.safeParse(result.value);
  if (!parsed.success) {
    const message = `FakeTransport: the scripted answer to ${name} does not match the contract: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
    // The state under test may catch the rejection and show it as a problem: setup.ts fails the test anyway.
    contractViolations.push(message);
    throw new Error(message);
  }
  return result;
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
