/** Helpers of the listener tests: typed calls, event collectors, peers (node and socat). */
import { spawn, type ChildProcess } from 'node:child_process';
import type { CallInput, CallName, CallOutput, SessionInfo } from '../../../src-main/contract/index.js';
import type { PortolanApp } from '../../../src-main/app/create-app.js';

/** Calls and returns the value, or throws the wire error (with its code). */
export async function call<K extends CallName>(app: PortolanApp, name: K, input: CallInput<K>): Promise<CallOutput<K>> {
  const result = await app.invoke(name, input);
  if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code });
  return result.value as CallOutput<K>;
}

/** Calls and returns the wire error (fails when the call succeeds). */
export async function callError(app: PortolanApp, name: CallName, input: unknown): Promise<{ code: string; message: string }> {
  const result = await app.invoke(name, input);
  if (result.ok) throw new Error(`${name} succeeded: ${JSON.stringify(result.value)}`);
  return result.error;
}

/** Polls until `check` returns a value, or fails after `ms`. */
export async function until<T>(check: () => T | undefined | null | false, ms = 5000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Follows sessions.data and sessions.changed: received bytes per session, latest infos. */
export function follow(app: PortolanApp, options: { ack?: boolean } = {}) {
  const received = new Map<string, Buffer[]>();
  const sessions = new Map<string, SessionInfo>();
  const order: string[] = [];
  const offData = app.bus.on('sessions.data', (d) => {
    if (!sessions.has(d.id)) order.push(`data-before-announce:${d.id}`);
    const bytes = Buffer.from(d.data, 'base64');
    let list = received.get(d.id);
    if (!list) received.set(d.id, (list = []));
    list.push(bytes);
    if (options.ack) void app.invoke('sessions.ack', { id: d.id, bytes: bytes.length });
  });
  const offChanged = app.bus.on('sessions.changed', (c) => {
    for (const s of c.sessions) sessions.set(s.id, s);
  });
  return {
    sessions,
    order,
    text: (id: string) => Buffer.concat(received.get(id) ?? []).toString('utf8'),
    bytes: (id: string) => Buffer.concat(received.get(id) ?? []),
    /** The newest session matching `pred`. */
    find: (pred: (s: SessionInfo) => boolean) => [...sessions.values()].reverse().find(pred),
    stop() {
      offData();
      offChanged();
    },
  };
}

/** A socat process with its output collected. */
export function socat(args: string[]): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn('socat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += `[stderr] ${d}`));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, exited };
}

/** True when socat is installed. */
export async function haveSocat(): Promise<boolean> {
  return new Promise((resolve) => {
    const c = spawn('socat', ['-V'], { stdio: 'ignore' });
    c.on('error', () => resolve(false));
    c.on('exit', (code) => resolve(code === 0));
  });
}
