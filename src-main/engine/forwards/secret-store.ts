/**
 * Where SSH passwords and key passphrases live: never in forwards.json. The desktop app keeps them
 * encrypted by the OS (Electron safeStorage, see app/secret-file-store.ts); `portolan serve` and
 * the CLI keep them in memory for the life of the process.
 */
import type { ForwardSecrets } from '../../contract/forwards.js';

/** Secrets by forward id. */
export interface SecretStore {
  /** "memory": forgotten when the process ends; "encrypted": kept on disk, encrypted by the OS. */
  readonly kind: 'memory' | 'encrypted';
  get(forwardId: string): Promise<ForwardSecrets | undefined>;
  /** Keeps the secrets (an empty object deletes them). */
  set(forwardId: string, secrets: ForwardSecrets): Promise<void>;
  delete(forwardId: string): Promise<void>;
}

/** True when there is a password or passphrase in it. */
export function hasSecret(secrets: ForwardSecrets | undefined): boolean {
  return !!secrets && (!!secrets.password || !!secrets.passphrase);
}

/** Secrets in this process's memory only. */
export class MemorySecretStore implements SecretStore {
  readonly kind = 'memory' as const;
  private readonly map = new Map<string, ForwardSecrets>();

  async get(forwardId: string): Promise<ForwardSecrets | undefined> {
    return this.map.get(forwardId);
  }

  async set(forwardId: string, secrets: ForwardSecrets): Promise<void> {
    if (hasSecret(secrets)) this.map.set(forwardId, { ...secrets });
    else this.map.delete(forwardId);
  }

  async delete(forwardId: string): Promise<void> {
    this.map.delete(forwardId);
  }
}
