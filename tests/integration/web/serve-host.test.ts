/**
 * `portolan serve --host`: a wildcard bind is usable from the machine's own addresses (and
 * localhost) and from nothing else, `0.0.0.0:PORT` included; a loopback address other than
 * 127.0.0.1 is not announced as exposed. Requests go to 127.0.0.1 only: the Host header names the
 * other addresses, which is what the check reads.
 */
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../forwards/helpers.js';

/** Status of a GET / without credentials: 401 means the Host passed, 421 that it was refused. */
function statusFor(port: number, hostHeader: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { Host: hostHeader } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
}

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'portolan-serve-host-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Runs `serve` with `args` until `body` is done, then stops it (Ctrl+C). */
async function withServe(args: string[], body: (port: number, out: { out: string; err: string }) => Promise<void>): Promise<{ code: number; out: string; err: string }> {
  const cli = startCli(dataDir, ['serve', '--no-open', '--port', '0', ...args]);
  while (!/serving on/.test(cli.io.out)) await new Promise((r) => setTimeout(r, 20));
  const port = Number(/:(\d+)\/\?token=/.exec(cli.io.out)![1]);
  try {
    await body(port, cli.io);
  } finally {
    await cli.stop();
  }
  return { code: await cli.done, ...cli.io };
}

describe('serve --host', () => {
  it('on 0.0.0.0 answers to the machine own addresses and localhost, not to 0.0.0.0 or other names', async () => {
    const ownIPv4 = Object.values(os.networkInterfaces())
      .flat()
      .filter((a) => a?.family === 'IPv4')
      .map((a) => a!.address);
    const result = await withServe(['--host', '0.0.0.0'], async (port, io) => {
      for (const address of ownIPv4) expect(await statusFor(port, `${address}:${port}`), address).toBe(401);
      expect(await statusFor(port, `localhost:${port}`)).toBe(401);
      expect(await statusFor(port, `0.0.0.0:${port}`)).toBe(421);
      expect(await statusFor(port, `rebind.example:${port}`)).toBe(421);
      expect(await statusFor(port, `127.0.0.1:${port + 1}`)).toBe(421);
      // The printed URL is one a browser can open, not http://0.0.0.0:...
      expect(io.out).toMatch(new RegExp(`serving on http://127\\.0\\.0\\.1:${port}/\\?token=`));
      expect(io.out).not.toMatch(/http:\/\/0\.0\.0\.0/);
    });
    expect(result.err).toMatch(/Warning: 0\.0\.0\.0 exposes Portolan to the network/);
    for (const address of ownIPv4.filter((a) => !a.startsWith('127.'))) expect(result.out).toContain(`Also reachable at http://${address}:`);
  });

  it('on 127.0.0.2 is loopback: no exposure warning, and only its own Host', async () => {
    const result = await withServe(['--host', '127.0.0.2'], async (port) => {
      const req = await new Promise<number>((resolve, reject) => {
        http
          .get({ host: '127.0.0.2', port, path: '/', headers: { Host: `127.0.0.2:${port}` } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject);
      });
      expect(req).toBe(401);
    });
    expect(result.code).toBe(0);
    expect(result.err).not.toMatch(/exposes/);
  });
});
