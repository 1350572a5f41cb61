import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { resetStandin, standin } from './electron-standin.js';

vi.mock('electron', async () => (await import('./electron-standin.js')).electron);

const { APP_INDEX_URL, isAppUrl, registerAppScheme, rendererFileFor, serveRenderer } = await import('../../../src-main/electron/app-protocol.js');

let base: string;
let rendererDir: string;

beforeAll(() => {
  // A renderer folder with a sibling holding a secret, and a sibling whose name extends the folder's.
  base = mkdtempSync(path.join(os.tmpdir(), 'portolan-proto-'));
  rendererDir = path.join(base, 'renderer');
  mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  mkdirSync(path.join(base, 'renderer-evil'));
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Portolan</title>');
  writeFileSync(path.join(rendererDir, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(path.join(rendererDir, 'assets', 'index-abc.css'), 'body{}');
  writeFileSync(path.join(base, 'secret.txt'), 'secret');
  writeFileSync(path.join(base, 'renderer-evil', 'x.js'), 'evil');
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('app:// scheme', () => {
  beforeEach(() => resetStandin());

  it('is declared standard and secure, with fetch, before the app is ready', () => {
    registerAppScheme();
    expect(standin.electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      { scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true, supportFetchAPI: true }) },
    ]);
  });

  it('serves index.html, scripts and styles from the renderer folder with their types', async () => {
    serveRenderer(rendererDir);
    const handle = standin.electron.protocol.handlers.get('app')!;
    const cases = [
      [APP_INDEX_URL, 'text/html', '<!doctype html><title>Portolan</title>'],
      ['app://portolan/', 'text/html', '<!doctype html><title>Portolan</title>'],
      ['app://portolan/assets/index-abc.js?v=1#x', 'text/javascript', 'console.log(1)'],
      ['app://portolan/assets/index-abc.css', 'text/css', 'body{}'],
    ] as const;
    for (const [url, type, body] of cases) {
      const response = await handle(new Request(url));
      expect(response.status, url).toBe(200);
      expect(response.headers.get('content-type'), url).toContain(type);
      expect(await response.text(), url).toBe(body);
    }
    expect((await handle(new Request('app://portolan/missing.js'))).status).toBe(404);
  });

  it('refuses paths that leave the renderer folder, however they are spelt', async () => {
    serveRenderer(rendererDir);
    const handle = standin.electron.protocol.handlers.get('app')!;
    const attempts = [
      'app://portolan/../secret.txt',
      'app://portolan/%2e%2e/secret.txt',
      'app://portolan/%2E%2E%2Fsecret.txt',
      'app://portolan/assets/..%2f..%2fsecret.txt',
      'app://portolan/..%5csecret.txt',
      'app://portolan/..%2frenderer-evil%2fx.js',
      'app://portolan/index.html%00.js',
      'app://portolan/%E0%A4%A',
      'app://other/index.html',
      'app://portolan.evil/index.html',
    ];
    for (const url of attempts) {
      const response = await handle(new Request(url));
      expect([403, 404], url).toContain(response.status);
      expect(await response.text(), url).not.toMatch(/secret|evil/);
    }
    // The URL parser folds "../" and "%2e%2e/" into the folder (a 404); the rest is refused outright.
    for (const url of attempts) {
      const file = rendererFileFor(rendererDir, url);
      if (file !== undefined) expect(file.startsWith(rendererDir + path.sep), url).toBe(true);
    }
    for (const url of attempts.slice(2)) expect(rendererFileFor(rendererDir, url), url).toBeUndefined();
  });

  it('maps only app://portolan URLs', () => {
    expect(rendererFileFor(rendererDir, 'file:///etc/passwd')).toBeUndefined();
    expect(rendererFileFor(rendererDir, 'https://portolan/index.html')).toBeUndefined();
    expect(rendererFileFor(rendererDir, 'app://portolan/assets/index-abc.js')).toBe(path.join(rendererDir, 'assets', 'index-abc.js'));
    expect(isAppUrl('app://portolan/x')).toBe(true);
    expect(isAppUrl('app://portolan@evil/x')).toBe(false);
  });
});
