/**
 * SSH host keys waiting for the user's answer, oldest first: `forwards.hostKey` adds one (a newer
 * prompt for the same forward replaces its older one); accepting trusts the first (the engine
 * saves it in Portolan's known_hosts and restarts the forward), rejecting drops it.
 */
import type { ForwardInfo, HostKeyPrompt } from '../../../../src-main/contract/forwards.js';
import { problemOf, type Api, type Problem } from '../api/client.js';

export class HostKeyQueue {
  /** Prompts waiting, oldest first; the dialog shows the first. */
  waiting = $state.raw<readonly HostKeyPrompt[]>([]);
  /** Why accepting the first one failed. */
  problem = $state.raw<Problem | null>(null);

  constructor(
    readonly api: Api,
    /** Told of the forward the engine restarted after an accepted key. */
    private readonly restarted: (info: ForwardInfo) => void,
  ) {}

  /** The prompt the dialog shows, if any. */
  get first(): HostKeyPrompt | undefined {
    return this.waiting[0];
  }

  /** Queues a prompt (forwards.hostKey). */
  add(prompt: HostKeyPrompt): void {
    this.waiting = [...this.waiting.filter((k) => k.forwardId !== prompt.forwardId), prompt];
  }

  /** Drops the prompts of deleted forwards. */
  forget(gone: ReadonlySet<string>): void {
    if (this.waiting.some((k) => gone.has(k.forwardId))) this.waiting = this.waiting.filter((k) => !gone.has(k.forwardId));
  }

  /** Trusts the first waiting host key (saved in Portolan's known_hosts); the engine restarts the forward. */
  async accept(): Promise<void> {
    const prompt = this.waiting[0];
    if (!prompt) return;
    try {
      const info = await this.api.call('forwards.hostKey.accept', { forwardId: prompt.forwardId, fingerprint: prompt.fingerprint });
      this.restarted(info);
      this.waiting = this.waiting.filter((k) => k !== prompt);
      this.problem = null;
    } catch (err) {
      this.problem = problemOf(err);
    }
  }

  /** Refuses the first waiting host key: nothing is trusted; the forward stays failed. */
  reject(): void {
    this.waiting = this.waiting.slice(1);
    this.problem = null;
  }
}
