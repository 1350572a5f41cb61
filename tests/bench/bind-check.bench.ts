/**
 * "Is this port free?": Portolan's bind check (a real bind, plus naming the holder when busy)
 * against the standard tool, `ss -Htlnp sport = :PORT`, measured in the same run.
 */
import net from 'node:net';
import { checkBind } from '../../src-main/engine/sockets/bind-check.js';
import { commandMedianMs, fmt, percentile, printTable } from './stats.js';

export async function benchBindCheck(): Promise<void> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const busy = (server.address() as net.AddressInfo).port;
  const rows: (string | number)[][] = [];
  for (const [label, port] of [
    ['free port', 0],
    ['busy port (names the holder)', busy],
  ] as const) {
    const samples: number[] = [];
    for (let i = 0; i < 50; i++) {
      const start = performance.now();
      await checkBind({ port, protocol: 'tcp', host: '127.0.0.1' });
      samples.push(performance.now() - start);
    }
    const ss = commandMedianMs('ss', ['-Htlnp', `sport = :${port || busy}`], 15);
    const ours = percentile(samples, 50);
    rows.push([label, fmt(ours), fmt(ss, 1), ss ? `${(ours / ss).toFixed(2)}x` : 'n/a (ss not installed)']);
  }
  server.close();
  printTable('Bind check, median ms (Portolan in-process vs the ss command)', ['case', 'Portolan ms', 'ss -tlnp ms', 'Portolan / ss'], rows);
}
