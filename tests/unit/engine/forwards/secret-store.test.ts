import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EncryptedFileSecretStore } from '../../../../src-main/app/secret-file-store.js';
import { MemorySecretStore } from '../../../../src-main/engine/forwards/secret-store.js';

/** A stand-in for Electron's safeStorage: reversible, and never the plain text. */
const codec = {
  encrypt: (plain: string) => Buffer.from(Buffer.from(plain).map((b) => b ^ 0x5a)),
  decrypt: (cipher: Buffer) => Buffer.from(cipher.map((b) => b ^ 0x5a)).toString(),
};

describe('secret stores', () => {
  it('memory: keeps, replaces and forgets secrets by forward id', async () => {
    const store = new MemorySecretStore();
    await store.set('f1', { password: 'pw' });
    expect(await store.get('f1')).toEqual({ password: 'pw' });
    await store.set('f1', {});
    expect(await store.get('f1')).toBeUndefined();
    await store.set('f2', { passphrase: 'pp' });
    await store.delete('f2');
    expect(await store.get('f2')).toBeUndefined();
  });

  it('encrypted file: never holds the plain text, survives a reopen, forgets on delete', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'portolan-secrets-'));
    const file = path.join(dir, 'forward-secrets.json');
    const store = new EncryptedFileSecretStore(file, codec);
    await store.set('f1', { password: 'hunter2-plain', passphrase: 'open sesame' });
    await store.set('f2', { password: 'other' });
    const text = await readFile(file, 'utf8');
    expect(text).not.toMatch(/hunter2|sesame|other/);
    const reopened = new EncryptedFileSecretStore(file, codec);
    expect(await reopened.get('f1')).toEqual({ password: 'hunter2-plain', passphrase: 'open sesame' });
    await reopened.delete('f1');
    expect(await new EncryptedFileSecretStore(file, codec).get('f1')).toBeUndefined();
    expect(await new EncryptedFileSecretStore(file, codec).get('f2')).toEqual({ password: 'other' });
    await rm(dir, { recursive: true, force: true });
  });

  it('encrypted file: a damaged file is kept aside and reported, never overwritten', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'portolan-secrets-'));
    const file = path.join(dir, 'forward-secrets.json');
    await writeFile(file, '{"f1": "AAAA", truncated');
    const store = new EncryptedFileSecretStore(file, codec);
    expect(await store.get('f1')).toBeUndefined();
    expect(store.problem).toMatch(/damaged.*kept as .*corrupt-/);
    await store.set('f2', { password: 'new' });
    const names = await readdir(dir);
    const aside = names.find((n) => n.includes('.corrupt-'))!;
    expect(await readFile(path.join(dir, aside), 'utf8')).toBe('{"f1": "AAAA", truncated');
    expect(await new EncryptedFileSecretStore(file, codec).get('f2')).toEqual({ password: 'new' });
    await rm(dir, { recursive: true, force: true });
  });
});
