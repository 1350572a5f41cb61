/**
 * The socket reader's answers, wherever it runs: on the worker thread (socket-worker.ts) or in a
 * child process of its own (runStdioSocketReader, `portolan __socket-reader`), which the app
 * starts through pkexec when the user asks to see every owner (elevated-provider.ts). Both answer
 * the same requests with the same replies, so an elevated reading is the worker's, as root.
 */
import { createInterface } from 'node:readline';
import { ChangeReader } from './change-reader.js';
import { LinuxSocketProvider } from './linux-provider.js';
import type { SocketReply, SocketRequest } from './threaded-provider.js';
import { TrafficReader } from './traffic-reader.js';

/** One reader's state: the previous reading (for changes) and the previous traffic counters. */
export class SocketReader {
  private readonly reader: ChangeReader;
  private readonly traffic = new TrafficReader();

  constructor(procRoot = '/proc') {
    this.reader = new ChangeReader(new LinuxSocketProvider(procRoot));
  }

  /** Answers one request; a failed read is a 'failed' reply, never a rejection. */
  answer(request: SocketRequest): Promise<SocketReply> {
    const failed = (err: Error): SocketReply => ({ t: 'failed', seq: request.seq, message: err.message });
    if (request.t === 'traffic') return this.traffic.read().then((sample): SocketReply => ({ t: 'traffic', seq: request.seq, sample }), failed);
    return this.reader.readChange().then((change): SocketReply => ({ t: 'change', seq: request.seq, change }), failed);
  }
}

/**
 * Reads requests as JSON lines from `input` and writes one reply line each to `output`, in order,
 * until `input` ends. A line that is not a request is answered with nothing: the only writer is
 * the Portolan that started this process.
 */
export async function runStdioSocketReader(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, procRoot = '/proc'): Promise<void> {
  const reader = new SocketReader(procRoot);
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    let request: SocketRequest;
    try {
      request = JSON.parse(line) as SocketRequest;
    } catch {
      continue;
    }
    if ((request.t !== 'read' && request.t !== 'traffic') || typeof request.seq !== 'number') continue;
    output.write(`${JSON.stringify(await reader.answer(request))}\n`);
  }
}
