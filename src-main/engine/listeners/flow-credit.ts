/**
 * Credit-based flow control of one interactive session (Tabby's PTY queue, VS Code's terminal
 * acks): bytes handed towards the console count against a budget until the console acknowledges
 * them. Above the high watermark the source must pause; it may resume at the low watermark.
 */
import { FLOW_CONTROL } from '../../contract/sessions.js';

/** The counters and the pause decision; no timers, no sockets (unit-tested on its own). */
export class FlowCredit {
  /** Received and not yet emitted (waiting for the next flush). */
  queued = 0;
  /** Emitted to the console and not yet acknowledged. */
  unacked = 0;
  /** True while the source is (or must be) paused. */
  paused = false;

  constructor(
    readonly high: number = FLOW_CONTROL.highWatermark,
    readonly low: number = FLOW_CONTROL.lowWatermark,
  ) {
    if (!(low < high)) throw new RangeError('the low watermark must be below the high one');
  }

  /** Everything the console still owes an acknowledgement for, or will. */
  get outstanding(): number {
    return this.queued + this.unacked;
  }

  /** True when `bytes` more would go over the high watermark (UDP drops such a datagram). */
  wouldOverflow(bytes: number): boolean {
    return this.outstanding + bytes > this.high;
  }

  /** Counts received bytes; answers true exactly when the source must pause now. */
  receive(bytes: number): boolean {
    this.queued += bytes;
    if (!this.paused && this.outstanding >= this.high) {
      this.paused = true;
      return true;
    }
    return false;
  }

  /** Moves queued bytes to unacknowledged as they are emitted. */
  emit(bytes: number): void {
    const n = Math.min(bytes, this.queued);
    this.queued -= n;
    this.unacked += n;
  }

  /**
   * Credits acknowledged bytes (more than is unacknowledged is ignored: several consoles may ack
   * the same data); answers true exactly when a paused source may resume now.
   */
  ack(bytes: number): boolean {
    this.unacked -= Math.min(Math.max(0, bytes), this.unacked);
    if (this.paused && this.outstanding <= this.low) {
      this.paused = false;
      return true;
    }
    return false;
  }
}
