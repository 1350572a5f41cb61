import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls } from '../../../../src-main/contract/index.js';
import { resolveHost, type LookupAll } from '../../../../src-main/engine/net/resolve.js';
import { testApp } from '../../../helpers/app.js';

/** A look-up that fails the way getaddrinfo does, with an errno-style code. */
const failing =
  (code: string): LookupAll =>
  async (host) => {
    throw Object.assign(new Error(`getaddrinfo ${code} ${host}`), { code });
  };

describe('resolveHost', () => {
  it('answers IP literals without a look-up', async () => {
    const lookup: LookupAll = async () => {
      throw new Error('no look-up expected');
    };
    expect(await resolveHost('192.0.2.4', { lookup })).toEqual(['192.0.2.4']);
    expect(await resolveHost('[2001:db8::4]', { lookup })).toEqual(['2001:db8::4']);
  });

  it('lists every address once, IPv4 first', async () => {
    const lookup: LookupAll = async () => [
      { address: '2001:db8::4', family: 6 },
      { address: '192.0.2.4', family: 4 },
      { address: '192.0.2.4', family: 4 },
    ];
    expect(await resolveHost('db.internal', { lookup })).toEqual(['192.0.2.4', '2001:db8::4']);
  });

  it("says which resolver error it was, in a sentence that says what to check", async () => {
    await expect(resolveHost('db.internal', { lookup: failing('ENOTFOUND') })).rejects.toMatchObject({
      code: 'ENOTFOUND',
      message: "db.internal does not resolve here (ENOTFOUND): check the name, or this machine's DNS.",
    });
    await expect(resolveHost('db.internal', { lookup: failing('EAI_AGAIN') })).rejects.toMatchObject({
      code: 'ENOTFOUND',
      message: expect.stringContaining('(EAI_AGAIN: the DNS server did not answer)'),
    });
    await expect(resolveHost('db.internal', { lookup: async () => [] })).rejects.toMatchObject({ code: 'ENOTFOUND', message: expect.stringContaining('ENODATA') });
  });

  it('gives up after the timeout with ETIMEDOUT', async () => {
    const never: LookupAll = () => new Promise(() => {});
    await expect(resolveHost('slow.example', { lookup: never, timeoutMs: 100 })).rejects.toMatchObject({
      code: 'ETIMEDOUT',
      message: expect.stringMatching(/^slow\.example did not resolve within 0\.1 s \(timeout\)/),
    });
  });

  it('answers names under .invalid at once, without asking DNS (RFC 6761)', async () => {
    const lookup: LookupAll = async () => {
      throw new Error('no look-up expected');
    };
    await expect(resolveHost('no-such-host.invalid', { lookup })).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolveHost('NO-SUCH-HOST.INVALID.', { lookup })).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});

describe('the dns.resolve call', () => {
  let ctx: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    ctx = await testApp('direct');
  });
  afterAll(() => ctx.dispose());

  it('resolves localhost to a loopback address (from the hosts file: no DNS query)', async () => {
    const result = await ctx.app.invoke('dns.resolve', { host: 'localhost' });
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (!result.ok) return;
    const { addresses } = calls['dns.resolve'].output.parse(result.value);
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.every((a) => a === '::1' || a.startsWith('127.'))).toBe(true);
  });

  it('answers an IP address as itself', async () => {
    expect(await ctx.app.invoke('dns.resolve', { host: ' ::1 ' })).toEqual({ ok: true, value: { addresses: ['::1'] } });
  });

  it('refuses a name that does not resolve with ENOTFOUND and a sentence', async () => {
    expect(await ctx.app.invoke('dns.resolve', { host: 'no-such-host.invalid' })).toEqual({
      ok: false,
      error: { code: 'ENOTFOUND', message: "no-such-host.invalid does not resolve here (ENOTFOUND): check the name, or this machine's DNS." },
    });
  });

  it('refuses an empty host with INVALID_INPUT', async () => {
    expect(await ctx.app.invoke('dns.resolve', { host: '  ' })).toEqual({ ok: false, error: { code: 'INVALID_INPUT', message: 'host: Give a host: an IP address or a name.', path: ['host'] } });
  });
});
