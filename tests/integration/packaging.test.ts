/**
 * Packages the app the way `npm run package` does, but only to an unpacked folder (--dir) and
 * against a stand-in Electron distribution: the real binary cannot be downloaded here, and
 * electron-builder only copies the distribution around. Then reads app.asar to check that it
 * ships the built app and its production dependencies, and nothing from development.
 *
 * Any download attempt fails the test: the Electron and electron-builder mirrors point at a
 * closed port on 127.0.0.1.
 */
import { extractAll, extractFile, listPackage } from '@electron/asar';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const ELECTRON_VERSION = (JSON.parse(readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;
/** Production dependencies bundled into dist/main instead of shipped in node_modules. */
const BUNDLED = ['zod', 'ws', 'ssh-config'];
/** Optional modules a bundled dependency loads in a try/catch (ws's native speed-ups). */
const OPTIONAL_REQUIRES = new Set(['bufferutil', 'utf-8-validate']);
const BUILT = ['dist/main/electron-main.cjs', 'dist/main/preload.cjs', 'dist/main/iana-ports.json', 'dist/main/iana/0.json', 'dist/main/iana/63.json', 'dist/main/scan-worker.cjs', 'dist/main/udp-worker.cjs', 'dist/main/socket-worker.cjs', 'dist/renderer/index.html', 'dist/icons/tray/tray.png', 'dist/icons/tray/tray@2x.png', 'dist/icons/tray/trayTemplate.png', 'dist/icons/tray/trayTemplate@2x.png', 'dist/icons/tray/tray.ico'];

let work: string;
let asarPath: string;
let files: Set<string>;
let unpacked: string;

/** Marks the fuse wire inside an Electron binary (@electron/fuses), followed by version 1 and the wire's length. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Electron's fuses, in wire order; the stand-in starts each checked fuse in the state opposite to the wanted one ('1' on, '0' off). */
const FUSES = ['RunAsNode', 'EnableCookieEncryption', 'EnableNodeOptionsEnvironmentVariable', 'EnableNodeCliInspectArguments', 'EnableEmbeddedAsarIntegrityValidation', 'OnlyLoadAppFromAsar', 'LoadBrowserProcessSpecificV8Snapshot', 'GrantFileProtocolExtraPrivileges', 'WasmTrapHandlers'];
const STOCK_WIRE = '101100011';

/**
 * The least electron-builder needs to package for Linux with --dir: an executable named
 * `electron` (with a fuse wire, so the fuses can be flipped), a version file and resources/.
 */
function makeElectronDistStandin(dir: string): void {
  mkdirSync(path.join(dir, 'resources'), { recursive: true });
  const wire = `${FUSE_SENTINEL}\x01${String.fromCharCode(STOCK_WIRE.length)}${STOCK_WIRE}`;
  writeFileSync(path.join(dir, 'electron'), `#!/bin/sh\n# ${wire}\necho "stand-in for the Electron binary: $*" >&2\nexit 1\n`, 'latin1');
  chmodSync(path.join(dir, 'electron'), 0o755);
  writeFileSync(path.join(dir, 'version'), ELECTRON_VERSION);
  writeFileSync(path.join(dir, 'LICENSE'), 'stand-in\n');
}

/** Production dependencies and everything they depend on, from the installed package.json files. */
function productionClosure(): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const manifest = JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep);
    // Optional dependencies ship when installed (ssh2's cpu-features); the app must work without them.
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) {
      if (existsSync(path.join(root, 'node_modules', dep, 'package.json'))) visit(dep);
    }
  };
  for (const name of Object.keys(pkg.dependencies)) visit(name);
  return seen;
}

/** The folder name under node_modules of an entry ("@scope/name" or "name"). */
function moduleOf(file: string): string | undefined {
  const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  return m?.[1];
}

describe('packaging (electron-builder --dir --linux, stand-in electronDist)', () => {
  beforeAll(async () => {
    if (BUILT.some((f) => !existsSync(path.join(root, f)))) {
      await run('npm', ['run', 'build'], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
    }
    work = mkdtempSync(path.join(os.tmpdir(), 'portolan-pack-'));
    const dist = path.join(work, 'electron-dist');
    const output = path.join(work, 'release');
    makeElectronDistStandin(dist);
    const closed = 'http://127.0.0.1:9/';
    await run(
      path.join(root, 'node_modules/.bin/electron-builder'),
      [
        '--dir',
        '--linux',
        '--x64',
        '--config',
        'electron-builder.yml',
        `-c.electronDist=${dist}`,
        `-c.electronVersion=${ELECTRON_VERSION}`,
        `-c.directories.output=${output}`,
      ],
      {
        cwd: root,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          ELECTRON_MIRROR: closed,
          ELECTRON_BUILDER_BINARIES_MIRROR: closed,
          ELECTRON_BUILDER_CACHE: path.join(work, 'cache'),
          CSC_IDENTITY_AUTO_DISCOVERY: 'false',
        },
      },
    );
    unpacked = path.join(output, 'linux-unpacked');
    asarPath = path.join(unpacked, 'resources', 'app.asar');
    files = new Set(listPackage(asarPath, { isPack: false }).map((f) => f.replace(/\\/g, '/').replace(/^\//, '')));
  }, 120_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('produces an unpacked app with the executable and app.asar', () => {
    expect(statSync(path.join(unpacked, 'portolan')).mode & 0o111).not.toBe(0);
    expect(statSync(asarPath).size).toBeGreaterThan(0);
  });

  it('flips the Electron fuses of the security checklist in the packaged executable', () => {
    const binary = readFileSync(path.join(unpacked, 'portolan'));
    const at = binary.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length;
    const wire = binary.subarray(at + 2, at + 2 + binary[at + 1]!).toString('latin1');
    const state = Object.fromEntries(FUSES.map((name, i) => [name, wire[i]]));
    expect(state).toMatchObject({
      RunAsNode: '0',
      EnableCookieEncryption: '1',
      EnableNodeOptionsEnvironmentVariable: '0',
      EnableNodeCliInspectArguments: '0',
      OnlyLoadAppFromAsar: '1',
      // The renderer comes from app://, so file:// needs no extra privileges.
      GrantFileProtocolExtraPrivileges: '0',
      // Checked by Electron on macOS and Windows, where electron-builder embeds the hash.
      EnableEmbeddedAsarIntegrityValidation: '1',
    });
  });

  it('ships the built main bundle, preload, renderer, tray icons and assets', () => {
    for (const file of [...BUILT, 'package.json']) expect(files, file).toContain(file);
    expect([...files].some((f) => f.startsWith('dist/renderer/assets/') && f.endsWith('.js'))).toBe(true);
    expect([...files].some((f) => f.startsWith('assets/'))).toBe(true);
    expect([...files].filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it('points package.json main at the Electron bundle', () => {
    const manifest = JSON.parse(extractFile(asarPath, 'package.json').toString('utf8')) as { main: string; version: string; devDependencies?: unknown };
    expect(manifest.main).toBe('dist/main/electron-main.cjs');
    expect(manifest.version).toBe(pkg.version);
    expect(manifest.devDependencies).toBeUndefined();
  });

  it('ships the production dependencies the bundles do not carry, and nothing else from node_modules', () => {
    for (const dep of Object.keys(pkg.dependencies).filter((d) => !BUNDLED.includes(d))) expect(files, dep).toContain(`node_modules/${dep}/package.json`);
    // zod, ws and ssh-config are inside dist/main's bundles (scripts/build-main.mjs): no second copy.
    for (const dep of BUNDLED) expect([...files].filter((f) => moduleOf(f) === dep), dep).toEqual([]);
    const shipped = new Set([...files].map(moduleOf).filter((m): m is string => !!m));
    const allowed = productionClosure();
    expect([...shipped].filter((m) => !allowed.has(m))).toEqual([]);
    for (const dev of Object.keys(pkg.devDependencies)) expect(shipped.has(dev), dev).toBe(false);
    for (const name of ['electron', 'vitest', 'svelte', 'esbuild', 'typescript', 'electron-builder']) expect(shipped.has(name), name).toBe(false);
  });

  it('ships no native addon, C source, build file or README (ssh2 runs on its JavaScript code)', () => {
    const unwanted = /(\.(node|c|cc|cpp|h|hpp|gyp|gypi|mk|md|markdown|ts)$)|(^|\/)(Makefile|[^/]*\.Makefile|README[^/]*|CHANGELOG[^/]*)$/i;
    expect([...files].filter((f) => unwanted.test(f))).toEqual([]);
    expect(existsSync(`${asarPath}.unpacked`)).toBe(false);
  });

  it("ssh2 as shipped loads and works without its native addons", async () => {
    const copy = path.join(work, 'extracted');
    extractAll(asarPath, copy);
    const script = "const ssh2 = require('./node_modules/ssh2'); const k = ssh2.utils.generateKeyPairSync('ed25519'); const p = ssh2.utils.parseKey(k.private); process.stdout.write(p.type + ' ' + typeof ssh2.Client);";
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: copy });
    expect(stdout).toBe('ssh-ed25519 function');
  });

  it("ships the `portolan` command, which runs the app's own executable in CLI mode (no ELECTRON_RUN_AS_NODE)", async () => {
    const launcher = path.join(unpacked, 'resources', 'bin', 'portolan');
    expect(statSync(launcher).mode & 0o111).not.toBe(0);
    expect(existsSync(path.join(unpacked, 'resources', 'bin', 'portolan.cmd'))).toBe(true);
    // Called through a link elsewhere on the PATH, as users install it.
    const link = path.join(work, 'on-path', 'portolan');
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(launcher, link);
    const failed = await run(link, ['sockets', '--json']).catch((err: { stderr: string; code: number }) => err);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr.trim()).toBe('stand-in for the Electron binary: --ozone-platform=headless --portolan-cli sockets --json');
    const code = readFileSync(launcher, 'utf8').split('\n').filter((line) => !line.startsWith('#'));
    expect(code.join('\n')).not.toContain('ELECTRON_RUN_AS_NODE');
  });

  it('keeps app.asar small, and says how big it is', () => {
    const size = statSync(asarPath).size;
    // Measured with this test's setup: 9,100,186 bytes before zod and ws were bundled and ssh2's
    // native parts, sources and docs were left out; 3,802,790 bytes after; 4,134,090 once the
    // main bundle carries the CLI as well (CLI mode); 4,817,059 with pairs, exposure, the socket
    // thread and the compact IANA index (the limit leaves room for one more feature, not a regression).
    console.info(`app.asar: ${size} bytes (${(size / 1024 / 1024).toFixed(2)} MiB), ${files.size} entries`);
    expect(size).toBeLessThan(5 * 1024 * 1024);
  });

  it('ships no sources, tests or tooling', () => {
    const forbidden = [/^tests\//, /^src-main\//, /^src-renderer\//, /^scripts\//, /^bin\//, /^release\//, /(^|\/)tsconfig\.json$/, /^vitest\./, /^electron-builder\.yml$/];
    expect([...files].filter((f) => !f.startsWith('node_modules/') && forbidden.some((re) => re.test(f)))).toEqual([]);
  });

  it('ships the port scanner\'s worker next to the main bundle, where the scanner looks for it, and it runs', async () => {
    // scan-workers.ts loads `scan-worker.cjs` from the folder of the bundle that runs.
    expect(files).toContain('dist/main/scan-worker.cjs');
    const { Worker } = await import('node:worker_threads');
    const { createServer } = await import('node:net');
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const ports = [...Array.from({ length: 99 }, (_, i) => i + 1), port];
      const worker = new Worker(path.join(root, 'dist/main/scan-worker.cjs'));
      const messages: any[] = [];
      try {
        await new Promise<void>((resolve, reject) => {
          worker.on('message', (m) => {
            messages.push(m);
            if (m.t === 'end') resolve();
          });
          worker.on('error', reject);
          worker.postMessage({ t: 'start', spec: { hosts: [{ target: '127.0.0.1', address: '127.0.0.1', addresses: ['127.0.0.1'] }], ports, timing: 5, maxSockets: 32, index: 0, count: 1 } });
        });
      } finally {
        await worker.terminate();
      }
      expect(messages[0]).toEqual({ t: 'ready', connector: 'raw' });
      expect(messages.at(-1)).toMatchObject({ t: 'end', state: 'done', done: 100 });
      expect(messages.flatMap((m) => m.results ?? []).map((r: { port: number; state: string }) => `${r.port} ${r.state}`)).toEqual([`${port} open`]);
    } finally {
      server.close();
    }
  });

  it("ships the UDP forward's relay worker next to the main bundle, where udp-forward.ts looks for it, and it relays", async () => {
    expect(files).toContain('dist/main/udp-worker.cjs');
    // threaded-provider.ts loads `socket-worker.cjs` the same way.
    expect(files).toContain('dist/main/socket-worker.cjs');
    const { Worker } = await import('node:worker_threads');
    const dgram = await import('node:dgram');
    const bound = (s: import('node:dgram').Socket) => new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
    const target = dgram.createSocket('udp4');
    const client = dgram.createSocket('udp4');
    await Promise.all([bound(target), bound(client)]);
    target.on('message', (m, r) => target.send(m, r.port, r.address));
    const totals = new SharedArrayBuffer(4 * 8);
    const worker = new Worker(path.join(root, 'dist/main/udp-worker.cjs'));
    try {
      const messages: any[] = [];
      const next = (t: string) => new Promise<any>((resolve, reject) => {
        const check = () => messages.find((m) => m.t === t);
        const found = check();
        if (found) return resolve(found);
        worker.on('message', () => check() && resolve(check()));
        worker.once('error', reject);
      });
      worker.on('message', (m) => messages.push(m));
      const options = { listenHost: '127.0.0.1', listenPort: 0, targetHost: '127.0.0.1', targetPort: target.address().port, allow: [], udpIdleMs: 60_000 };
      worker.postMessage({ t: 'start', options, totals });
      const { port } = await next('listening');
      const reply = new Promise<Buffer>((resolve) => client.once('message', resolve));
      client.send('ping', port, '127.0.0.1');
      expect(String(await reply)).toBe('ping');
      expect([...new Float64Array(totals)]).toEqual([4, 4, 0, 0]);
      worker.postMessage({ t: 'stop' });
      await next('stopped');
      // (A 'bytes' report may come between, on the relay's 250 ms timer.)
      expect(messages.map((m) => m.t).filter((t) => t !== 'bytes')).toEqual(['listening', 'opened', 'connected', 'closed', 'stopped']);
      expect(messages.find((m) => m.t === 'closed')).toMatchObject({ bytesIn: 4, bytesOut: 4 });
    } finally {
      await worker.terminate();
      target.close();
      client.close();
    }
  });

  it.each(['dist/main/electron-main.cjs', 'dist/main/scan-worker.cjs', 'dist/main/udp-worker.cjs'])('every module %s requires is built in, electron, or shipped', (bundle) => {
    const source = extractFile(asarPath, bundle).toString('utf8');
    const required = new Set([...source.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!));
    const builtins = new Set(builtinModules);
    const missing = [...required].filter((id) => {
      if (id === 'electron' || id.startsWith('node:') || builtins.has(id) || id.startsWith('.') || OPTIONAL_REQUIRES.has(id)) return false;
      const name = id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0]!;
      return !files.has(`node_modules/${name}/package.json`);
    });
    expect(missing).toEqual([]);
  });
});
