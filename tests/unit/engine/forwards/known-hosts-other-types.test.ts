/** checkHostKey with keys of other types on record for the host: "unknown", naming them (as OpenSSH's "keys of different type are already known"). */
import { describe, expect, it } from 'vitest';
import { checkHostKey, parseKnownHosts } from '../../../../src-main/engine/forwards/known-hosts.js';

/** An SSH wire blob of `type` with a body that tells keys apart. */
const blob = (type: string, body: string) => {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, Buffer.from(body)]);
};

describe('known_hosts: a key type that is not on record', () => {
  const ed25519 = blob('ssh-ed25519', 'known ed25519');
  const ecdsa = blob('ecdsa-sha2-nistp256', 'offered ecdsa');
  /** A known_hosts line; the key type is read from the blob, as ssh-keyscan writes it. */
  const line = (host: string, key: Buffer) => `${host} ${key.subarray(4, 4 + key.readUInt32BE(0)).toString()} ${key.toString('base64')}`;

  it('is unknown, with the entries of other types for that host (each key once)', () => {
    const entries = parseKnownHosts([line('[127.0.0.1]:2222', ed25519), line('[127.0.0.1]:2222', ed25519), line('other.example', blob('ssh-rsa', 'x'))].join('\n'), 'kh');
    const verdict = checkHostKey(entries, '127.0.0.1', 2222, ecdsa);
    expect(verdict).toEqual({ status: 'unknown', others: [expect.objectContaining({ keyType: 'ssh-ed25519', source: 'kh:1' })] });
  });

  it('names nothing for a host with no entries, and still says mismatch for a changed key of the same type', () => {
    const entries = parseKnownHosts(line('[127.0.0.1]:2222', ed25519), 'kh');
    expect(checkHostKey(entries, '127.0.0.1', 22, ecdsa)).toEqual({ status: 'unknown', others: [] });
    expect(checkHostKey(entries, '127.0.0.1', 2222, blob('ssh-ed25519', 'another ed25519')).status).toBe('mismatch');
  });
});
