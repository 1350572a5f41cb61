/**
 * Reads one WebSocket message from the browser as a call of the contract. Anything a client can
 * send (the text `null`, an array, a number, a call without an id) is turned into a call, a
 * clear error reply, or a close with a reason: never a thrown error that could take the server
 * (and the engine with it) down.
 */
import type { WireReply } from '../contract/index.js';

/** What to do with one message: run a call, answer an error, or close the socket with a reason. */
export type WireMessage =
  | { kind: 'call'; id: number; call: string; input: unknown }
  | { kind: 'reply'; reply: WireReply }
  | { kind: 'close'; code: number; reason: string };

/** The shape every message must have; said in errors so a client author knows what to send. */
const SHAPE = 'send {"id": <integer>, "call": "<name>", "input": {...}}';

/** Parses one message; `data` is what `ws` delivers for a complete (possibly fragmented) message. */
export function readWireMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): WireMessage {
  // 1003: "unsupported data" in RFC 6455; close reasons stay under the 123-byte limit.
  if (isBinary) return { kind: 'close', code: 1003, reason: 'text messages only' };
  let message: unknown;
  try {
    message = JSON.parse(toText(data));
  } catch {
    return { kind: 'close', code: 1007, reason: `messages must be JSON: ${SHAPE}` };
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return { kind: 'close', code: 1008, reason: `a message must be a JSON object: ${SHAPE}` };
  }
  const { id, call, input } = message as { id?: unknown; call?: unknown; input?: unknown };
  // Without a usable id there is nothing to address a reply to, so the socket is closed instead.
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
    return { kind: 'close', code: 1008, reason: `a call needs an integer id: ${SHAPE}` };
  }
  if (typeof call !== 'string') {
    return { kind: 'reply', reply: { id, ok: false, error: { code: 'INVALID_INPUT', message: `call: a call needs a name (a string); ${SHAPE}.` } } };
  }
  return { kind: 'call', id, call, input };
}

function toText(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return (Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8');
}
