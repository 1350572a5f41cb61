/** The Router view's state (being written). */
import type { Api } from '../api/client.js';

export interface RouterStateOptions {
  /** Told of form settings and filters to remember (key, encoded value). */
  onRemember?: (key: string, value: string) => void;
}

export class RouterState {
  constructor(
    readonly api: Api,
    readonly options: RouterStateOptions = {},
  ) {}

  /** Starts following the engine's events; returns a stop function. */
  start(): () => void {
    return () => {};
  }

  /** Restores remembered forms once settings are loaded. */
  restore(_get: (key: string) => string): void {}
}
