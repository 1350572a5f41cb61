/**
 * Secrets encrypted at rest: one file (forward-secrets.json) mapping forward ids to ciphertext made
 * by a codec the caller supplies. In the desktop app the codec is Electron's safeStorage
 * (encryptString / decryptString: the OS keychain, DPAPI or libsecret), wired in src-main/electron.
 * The file never holds a secret in plain text; writes are atomic.
 */
import { readFile, rename } from 'node:fs/promises';
import { ForwardSecrets } from '../contract/forwards.js';
import { hasSecret, type SecretStore } from '../engine/forwards/secret-store.js';
import { writeFileAtomic } from './atomic-write.js';

/** Encrypts and decrypts strings (Electron: safeStorage.encryptString / decryptString). */
export interface SecretCodec {
  encrypt(plain: string): Buffer;
  decrypt(cipher: Buffer): string;
}

/** A SecretStore in an encrypted file. */
export class EncryptedFileSecretStore implements SecretStore {
  readonly kind = 'encrypted' as const;
  private cache: Record<string, string> | undefined;
  /** Set when the file was found damaged and moved aside. */
  problem: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly codec: SecretCodec,
  ) {}

  private async load(): Promise<Record<string, string>> {
    if (this.cache) return this.cache;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return (this.cache = {}); // no file yet
    }
    try {
      const parsed = JSON.parse(text) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      this.cache = parsed as Record<string, string>;
    } catch {
      // A damaged file is kept aside, never overwritten by the next write: the user's secrets may
      // still be recoverable from it. Forwards then ask for their secrets again.
      const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await rename(this.file, aside).catch(() => undefined);
      this.problem = `The saved SSH secrets file was damaged; it was kept as ${aside}. Forwards will ask for their passwords again.`;
      this.cache = {};
    }
    return this.cache;
  }

  async get(forwardId: string): Promise<ForwardSecrets | undefined> {
    const entry = (await this.load())[forwardId];
    if (!entry) return undefined;
    try {
      const parsed = ForwardSecrets.safeParse(JSON.parse(this.codec.decrypt(Buffer.from(entry, 'base64'))));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  set(forwardId: string, secrets: ForwardSecrets): Promise<void> {
    return this.write((all) => {
      if (hasSecret(secrets)) all[forwardId] = this.codec.encrypt(JSON.stringify(secrets)).toString('base64');
      else delete all[forwardId];
    });
  }

  delete(forwardId: string): Promise<void> {
    return this.write((all) => {
      delete all[forwardId];
    });
  }

  private write(change: (all: Record<string, string>) => void): Promise<void> {
    const run = this.queue.then(async () => {
      const all = { ...(await this.load()) };
      change(all);
      await writeFileAtomic(this.file, `${JSON.stringify(all, null, 2)}\n`);
      this.cache = all;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
