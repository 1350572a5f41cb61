/**
 * Dictionary benchmarks: look-up latency over the whole registry (target: p95 under 5 ms), and
 * whole-command time of `portolan port` against the standard look-up tool, `getent services`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadDictionary } from '../../src-main/engine/dictionary/load.js';
import { ASSETS_DIR } from '../helpers/app.js';
import { commandMedianMs, fmt, percentile, printTable, timeMs } from './stats.js';

const QUERIES = ['443', '22', '53/udp', 'ssh', 'https', 'mysql', 'time', 'network time', 'http', 'game', 'x', '0-1023', '49152-', '1024-49151', 'redis', 'minecraft', 'kerberos', 'sql server'];

export async function benchDictionary(): Promise<void> {
  const loadMs = await timeMs(() => loadDictionary(ASSETS_DIR));
  const dict = await loadDictionary(ASSETS_DIR);
  const rows: (string | number)[][] = [];
  const all: number[] = [];
  for (const query of QUERIES) {
    for (let i = 0; i < 20; i++) dict.lookup({ query }); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < 200; i++) {
      const start = performance.now();
      dict.lookup({ query });
      samples.push(performance.now() - start);
    }
    all.push(...samples);
    rows.push([`\`${query}\``, dict.lookup({ query }).total, fmt(percentile(samples, 50)), fmt(percentile(samples, 95))]);
  }
  rows.push(['**all queries**', '', fmt(percentile(all, 50)), `**${fmt(percentile(all, 95))}**`]);
  printTable(`Dictionary look-up in the engine (${dict.size} IANA records, loaded in ${fmt(loadMs, 1)} ms)`, ['query', 'results', 'p50 ms', 'p95 ms'], rows);
  const p95 = percentile(all, 95);
  console.log(`\nTarget p95 < 5 ms: ${p95 < 5 ? 'met' : 'NOT met'} (${fmt(p95)} ms).`);

  const cli = path.resolve('bin/portolan.js');
  if (!existsSync(path.resolve('dist/main/cli.js'))) {
    console.log('\n(dist/main/cli.js is missing: run `npm run build` for the whole-command comparison.)');
    return;
  }
  const cmdRows: (string | number)[][] = [];
  for (const [label, query] of [
    ['by number', '443'],
    ['by name', 'https'],
  ] as const) {
    const getent = commandMedianMs('getent', ['services', query], 15);
    const portolan = commandMedianMs(process.execPath, [cli, 'port', query, '--json'], 15);
    cmdRows.push([label, fmt(getent, 1), fmt(portolan, 1), getent && portolan ? `${(portolan / getent).toFixed(1)}x` : 'n/a']);
  }
  printTable(
    'Whole command, median of 15 runs (getent reads /etc/services; Portolan starts Node and loads all of IANA plus curated notes)',
    ['look-up', 'getent services ms', 'portolan port --json ms', 'Portolan / getent'],
    cmdRows,
  );
}
