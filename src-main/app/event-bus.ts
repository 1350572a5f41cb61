/** A typed fan-out of engine events to every connected face (window, browser tabs, CLI watchers). */
import type { EventName, EventPayload } from '../contract/index.js';

/** A listener of every event, as transports use it. */
export type AnyListener = (event: EventName, payload: unknown) => void;

/** Typed publish/subscribe for the contract's events. */
export class EventBus {
  private readonly listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  private readonly anyListeners = new Set<AnyListener>();

  /** Subscribes to one event; returns the unsubscribe function. */
  on<K extends EventName>(event: K, listener: (payload: EventPayload<K>) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const wrapped = listener as (payload: unknown) => void;
    set.add(wrapped);
    return () => set.delete(wrapped);
  }

  /** Subscribes to every event (transports forward them all); returns the unsubscribe function. */
  onAny(listener: AnyListener): () => void {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }

  /** Delivers an event; a throwing listener never stops delivery to the others. */
  emit<K extends EventName>(event: K, payload: EventPayload<K>): void {
    for (const listener of this.listeners.get(event) ?? []) safeCall(() => listener(payload));
    for (const listener of this.anyListeners) safeCall(() => listener(event, payload));
  }
}

function safeCall(fn: () => void): void {
  try {
    fn();
  } catch {
    // A broken subscriber (say, a closed socket) must not break the engine or other subscribers.
  }
}
