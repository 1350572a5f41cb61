/**
 * Secrets encrypted at rest: one file (forward-secrets.json) mapping forward ids to ciphertext made
 * by a codec the caller supplies. In the desktop app the codec is Electron's safeStorage
 * (encryptString / decryptString: the OS keychain, DPAPI or libsecret), wired in src-main/electron.
 * The file never holds a secret in plain text; writes are atomic.
 */
import type { ForwardSecrets } from '../contract/forwards.js';
import { hasSecret, type SecretStore } from '../engine/forwards/secret-store.js';
import { DataFile } from './data-file.js';
import type { ProblemSink } from './problem-log.js';

/** Encrypts and decrypts strings (Electron: safeStorage.encryptString / decryptString). */
export interface SecretCodec {
  encrypt(plain: string): Buffer;
  decrypt(cipher: Buffer): string;
}

/** A SecretStore in an encrypted file. */
export class EncryptedFileSecretStore implements SecretStore {
  readonly kind = 'encrypted' as const;
  private cache: Record<string, string> | undefined;
  private loading: Promise<Record<string, string>> | undefined;
  readonly data: DataFile<Record<string, string>>;

  constructor(
    readonly file: string,
    private readonly codec: SecretCodec,
  ) {
    // A damaged file is kept aside, never overwritten by the next write: the user's secrets may
    // still be recoverable from it. Forwards then ask for their secrets again.
    this.data = new DataFile(file, {
      what: 'saved SSH secrets file',
      instead: 'forwards will ask for their passwords again',
      empty: () => ({}),
      parse: (raw) => {
        if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('not an object of forward ids');
        const value: Record<string, string> = {};
        const dropped: string[] = [];
        for (const [id, cipher] of Object.entries(raw)) {
          if (typeof cipher === 'string') value[id] = cipher;
          else dropped.push(`${id} (not a string)`);
        }
        return { value, dropped };
      },
    });
  }

  /** A problem met reading the file, if any. */
  get problem(): string | undefined {
    return this.data.problem;
  }

  /** Sends the file's problems to the app's problem list. */
  reportTo(sink: ProblemSink): void {
    this.data.reportTo(sink);
  }

  /** Reads the file once. */
  load(): Promise<Record<string, string>> {
    this.loading ??= this.data.load().then((all) => (this.cache = all));
    return this.loading;
  }
  async get(forwardId: string): Promise<ForwardSecrets | undefined> {
    const entry = (await this.load())[forwardId];
    if (!entry) return undefined;
    // The forward schemas load when a tunnel first asks for its secrets, not with every command's
    // start (the composition builds this store to check its file).
    const { ForwardSecrets: schema } = await import('../contract/forwards.js');
    try {
      const parsed = schema.safeParse(JSON.parse(this.codec.decrypt(Buffer.from(entry, 'base64'))));
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

  /** Applies a change in memory (in call order) and saves; writes coalesce. */
  private async write(change: (all: Record<string, string>) => void): Promise<void> {
    const all = await this.load();
    this.data.assertWritable();
    change(all);
    await this.data.save(() => `${JSON.stringify(this.cache, null, 2)}\n`);
  }
}
