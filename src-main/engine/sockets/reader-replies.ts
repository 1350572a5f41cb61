/**
 * The asking side of the socket reader's protocol, shared by the reader on a worker thread
 * (threaded-provider.ts) and the one in an elevated child process (elevated-provider.ts): each
 * request carries a sequence number, and the reply with that number settles its promise.
 */
import type { SocketReply, SocketRequest } from './threaded-provider.js';

/** Requests on their way to a reader, by sequence number. */
export class ReaderReplies {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (reply: SocketReply) => void; reject: (e: Error) => void }>();

  /** Sends one request through `send` and resolves with its reply (rejects with a 'failed' one's message). */
  ask(send: (request: SocketRequest) => void, t: SocketRequest['t']): Promise<SocketReply> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      send({ t, seq });
    });
  }

  /** Settles the request a reply answers; a reply nobody waits for is dropped. */
  settle(reply: SocketReply): void {
    const waiter = this.waiting.get(reply.seq);
    if (!waiter) return;
    this.waiting.delete(reply.seq);
    if (reply.t === 'failed') waiter.reject(new Error(reply.message));
    else waiter.resolve(reply);
  }

  /** Fails every request on its way (the reader ended or was closed). */
  rejectAll(why: string): void {
    for (const waiter of this.waiting.values()) waiter.reject(new Error(why));
    this.waiting.clear();
  }
}
