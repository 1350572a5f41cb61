/**
 * The socket reader in a child process with more privileges than Portolan (Linux: started through
 * pkexec, so polkit asks the user), so that every socket's owner is seen. Only the reader is
 * elevated, never the app or its UI: the child reads /proc and runs ss, and speaks JSON lines over
 * its stdio, one request per tick and one reply back (the worker thread's SocketRequest and
 * SocketReply, socket-reader.ts). When the child ends (pkexec cancelled, the reader killed), the
 * table goes on with the normal reader, and `note` says why in a sentence.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { lazyBuiltin } from '../builtin.js';
import { PortolanError } from '../../contract/errors.js';
import type { SocketTrafficSample } from '../../contract/index.js';
import type { SocketChange, SocketProvider, SocketReading } from './provider.js';
import { ReaderReplies } from './reader-replies.js';
import type { SocketReply, SocketRequest } from './threaded-provider.js';

const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process');

/** What the table's source says while the elevated child reads it. */
export const ELEVATED_SOURCE = '/proc/net (every owner, through an elevated reader)';

/**
 * Why a child that ended did (`program`: its command or path): pkexec's own statuses (126: the user dismissed the dialog or was
 * not authorised; 127: no authorisation, or no polkit agent to ask) apart from the reader's.
 */
export function elevationEndedWords(program: string, code: number | null, signal: NodeJS.Signals | null, stderr: string): string {
  const tail = stderr.trim().split('\n').slice(-1)[0]?.trim();
  const said = tail ? ` (${tail})` : '';
  const pkexec = /(^|\/)pkexec$/.test(program);
  if (pkexec && code === 126) return `Showing every owner was cancelled or not authorised at the password prompt${said}; the table goes on with this user's view.`;
  if (pkexec && code === 127)
    return `Showing every owner needs authorisation that could not be obtained${said}: is a polkit agent running in this session? The table goes on with this user's view; \`sudo portolan sockets\` shows every owner in a terminal.`;
  return `The elevated socket reader ended (${signal ? `signal ${signal}` : `exit status ${code}`})${said}; the table goes on with this user's view.`;
}

/** Reads the socket table through a child process; falls back to a normal reader when it ends. */
export class ElevatedSocketProvider implements SocketProvider {
  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly replies = new ReaderReplies();
  /** The first reading, taken by start() to know the child runs, handed to the first readChange. */
  private first: SocketChange | undefined;
  private fallback: SocketProvider | undefined;
  private closed = false;
  private stderr = '';
  /** Why the table is read by the normal reader again, once the child ended; undefined while it runs. */
  note: string | undefined;

  /**
   * `command` is the child's command line (`pkexec <node> <cli> __socket-reader`; tests run the
   * reader without pkexec). `makeFallback` builds the normal reader used once the child ends: a
   * new one, whose first change is a whole table, since the table may have changed meanwhile.
   */
  constructor(
    private readonly command: readonly string[],
    private readonly makeFallback: () => SocketProvider,
  ) {}

  get source(): string {
    return this.fallback ? this.fallback.source : ELEVATED_SOURCE;
  }

  /** True while the elevated child reads the table. */
  get elevated(): boolean {
    return this.child !== undefined;
  }

  /**
   * Starts the child and waits for its first reading (while pkexec asks the user). Rejects with
   * the sentence of why it ended when it ends first; the provider is then not to be used.
   */
  async start(): Promise<void> {
    const [program, ...args] = this.command;
    if (!program) throw new PortolanError('INVALID_INPUT', 'The elevated socket reader has no command line to run.');
    const child = childProcess().spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stderr.setEncoding('utf8');
    // Kept short: only its last line is told, and a chatty child must not grow memory.
    child.stderr.on('data', (text: string) => (this.stderr = (this.stderr + text).slice(-2000)));
    // A child that ends before reading its stdin: the write's EPIPE is the exit's to tell.
    child.stdin.on('error', () => undefined);
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
      let reply: SocketReply;
      try {
        reply = JSON.parse(line) as SocketReply;
      } catch {
        return;
      }
      this.replies.settle(reply);
    });
    const ended = new Promise<string>((resolve) => {
      child.once('error', (err) => resolve(`The elevated socket reader could not start (${program}: ${err.message}); the table goes on with this user's view.`));
      child.once('close', (code, signal) => resolve(elevationEndedWords(program, code, signal, this.stderr)));
    });
    void ended.then((why) => this.lost(child, why));
    // The child must never keep Portolan running (the CLI's serve ends on Ctrl+C as before).
    child.unref();
    const reply = await this.ask(child, 'read');
    this.first = (reply as Extract<SocketReply, { t: 'change' }>).change;
  }

  async read(): Promise<SocketReading> {
    const change = await this.readChange();
    if (!change.full) throw new Error('The elevated socket reader gives changes; whole readings come from readChange.');
    return { rows: change.added, hiddenOwners: change.hiddenOwners };
  }

  readChange(): Promise<SocketChange> {
    if (this.closed) return Promise.reject(new Error('The socket reader is closed.'));
    const first = this.first;
    if (first) {
      this.first = undefined;
      return Promise.resolve(first);
    }
    if (this.child) return this.ask(this.child, 'read').then((reply) => (reply as Extract<SocketReply, { t: 'change' }>).change);
    return this.normal().readChange?.() ?? this.normal().read().then((r) => ({ added: r.rows, removed: [], changed: [], hiddenOwners: r.hiddenOwners, full: true }));
  }

  readTraffic(): Promise<SocketTrafficSample> {
    if (this.closed) return Promise.reject(new Error('The socket reader is closed.'));
    if (this.child) return this.ask(this.child, 'traffic').then((reply) => (reply as Extract<SocketReply, { t: 'traffic' }>).sample);
    const normal = this.normal();
    return normal.readTraffic ? normal.readTraffic() : Promise.reject(new Error('No traffic on this reader.'));
  }

  private normal(): SocketProvider {
    return (this.fallback ??= this.makeFallback());
  }

  private ask(child: ChildProcessWithoutNullStreams, t: SocketRequest['t']): Promise<SocketReply> {
    return this.replies.ask((request) => child.stdin.write(`${JSON.stringify(request)}\n`), t);
  }

  private lost(child: ChildProcessWithoutNullStreams, why: string): void {
    if (this.child !== child) return;
    this.child = undefined;
    if (!this.closed) this.note = why;
    this.replies.rejectAll(why);
  }

  /**
   * Ends the child by closing its stdin (its loop ends there): a child that runs as root cannot
   * be signalled by this user, but it sees its input end, as when Portolan itself exits.
   */
  close(): void {
    this.closed = true;
    const child = this.child;
    this.child = undefined;
    this.replies.rejectAll('The socket reader is closed.');
    child?.stdin.end();
    this.fallback?.close?.();
  }
}
