/**
 * "Can this forward listen there?" while the user types the listen port: which socket to ask the
 * engine about (`dictionary.bindCheck`, a bind attempt on this machine, nothing sent anywhere),
 * the holder of a busy port, and the next free port above it to offer instead.
 */
import type { BindCheckQuery, BindCheckResult } from '../../../../src-main/contract/dictionary.js';
import type { ForwardInfo } from '../../../../src-main/contract/forwards.js';
import { isRunning } from './format.js';
import { hostProblem, parseIntIn, unbracket, type ForwardForm } from './form.js';

/** The socket to check, with a key that ties an answer to the text it was asked for. */
export interface ListenTarget {
  query: Required<BindCheckQuery>;
  key: string;
}

/** What is known about the listen socket of the form. */
export interface ListenCheck {
  key: string;
  status: 'checking' | BindCheckResult['status'];
  /** The engine's sentence (names the holder of a busy port). */
  message: string;
  /** A free port above a busy one, when one was found. */
  nextFree?: number;
}

/** Ports tried above a busy one before giving up on offering another. */
export const NEXT_FREE_TRIES = 20;

/**
 * The listen socket to check, or undefined when there is nothing to check: SSH -R (the server
 * listens), port 0 (any free port), invalid text, or the port the edited forward holds itself.
 */
export function listenTarget(form: ForwardForm, editing: ForwardInfo | null): ListenTarget | undefined {
  if (form.kind === 'ssh-remote') return undefined;
  const port = parseIntIn(form.listenPort, 1, 65535);
  if (port === null || hostProblem(form.listenHost, 'the address to listen on')) return undefined;
  const host = unbracket(form.listenHost);
  if (editing && isRunning(editing) && editing.boundPort === port && unbracket(editing.spec.listenHost) === host) return undefined;
  const protocol = form.kind === 'udp' ? 'udp' : 'tcp';
  return { query: { port, protocol, host }, key: `${protocol} ${host} ${port}` };
}

/** Asks the engine whether a socket can listen now. */
export type BindChecker = (query: Required<BindCheckQuery>) => Promise<BindCheckResult>;

/** Checks the target; for a busy port, also looks for the next free one (up to {@link NEXT_FREE_TRIES} above). */
export async function checkListen(target: ListenTarget, check: BindChecker): Promise<ListenCheck> {
  const answer = await check(target.query);
  const result: ListenCheck = { key: target.key, status: answer.status, message: answer.message };
  if (answer.status !== 'in-use') return result;
  const last = Math.min(65535, target.query.port + NEXT_FREE_TRIES);
  for (let port = target.query.port + 1; port <= last; port++) {
    if ((await check({ ...target.query, port })).status === 'free') return { ...result, nextFree: port };
  }
  return result;
}
