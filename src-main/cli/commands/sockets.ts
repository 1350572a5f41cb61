/** `portolan sockets [--json] [--listening] [--watch] [--interval MS]`: the live socket table in a terminal. */
import { parseArgs } from 'node:util';
import type { SocketRow } from '../../contract/index.js';
import type { CliContext, ExitCode } from '../context.js';
import { UsageError } from '../context.js';
import { callOrFail } from './call.js';

export const usage = 'portolan sockets [--json] [--listening] [--watch [--interval MS]]';

const endpoint = (address: string, port: number) => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

/** One socket as a terminal line. */
export function formatSocket(row: SocketRow): string {
  const owner = row.pid ? `${row.process ?? '?'}(${row.pid})` : row.state === 'TIME_WAIT' ? '-' : 'unknown process';
  const remote = row.remotePort === 0 ? '*' : endpoint(row.remoteAddress, row.remotePort);
  const tags = [row.pairId ? 'pair' : '', row.ownedBy ? `portolan:${row.ownedBy}` : ''].filter(Boolean).join(' ');
  return `${row.proto.padEnd(5)} ${endpoint(row.localAddress, row.localPort).padEnd(46)} ${remote.padEnd(46)} ${row.state.padEnd(12)} ${owner}${tags ? `  [${tags}]` : ''}`;
}

/** Prints the table once, or follows it tick by tick with --watch until interrupted. */
export async function socketsCommand(ctx: CliContext): Promise<ExitCode> {
  const { values } = parseArgs({
    args: ctx.args,
    options: {
      json: { type: 'boolean', default: false },
      listening: { type: 'boolean', default: false },
      watch: { type: 'boolean', default: false },
      interval: { type: 'string', default: '1000' },
    },
  });
  const intervalMs = Number(values.interval);
  if (!Number.isInteger(intervalMs) || intervalMs < 250) throw new UsageError('--interval takes milliseconds, 250 or more.');
  const listening = (row: SocketRow) => row.state === 'LISTEN' || row.state === 'UNCONN';
  const keep = (row: SocketRow) => !values.listening || listening(row);

  const app = await ctx.openApp('direct');
  try {
    const snapshot = await callOrFail(app, 'sockets.snapshot', { listeningOnly: values.listening });
    if (values.json && !values.watch) {
      ctx.stdout(`${JSON.stringify(snapshot, null, 2)}\n`);
      return 0;
    }
    if (values.json) ctx.stdout(`${JSON.stringify(snapshot)}\n`);
    else {
      ctx.stdout(`${'PROTO'.padEnd(5)} ${'LOCAL'.padEnd(46)} ${'REMOTE'.padEnd(46)} ${'STATE'.padEnd(12)} PROCESS\n`);
      for (const row of snapshot.rows) ctx.stdout(`${formatSocket(row)}\n`);
      const hidden = snapshot.hiddenOwners ? `, ${snapshot.hiddenOwners} with an owner this user cannot see (run as root to see all)` : '';
      ctx.stdout(`${snapshot.rows.length} sockets from ${snapshot.source}${hidden}\n`);
    }
    if (!values.watch) return 0;

    await callOrFail(app, 'sockets.configure', { intervalMs, paused: false });
    const known = new Map(snapshot.rows.map((r) => [r.id, r]));
    const off = app.bus.on('sockets.diff', (diff) => {
      if (values.json) {
        ctx.stdout(`${JSON.stringify({ ...diff, added: diff.added.filter(keep), changed: diff.changed.filter(keep) })}\n`);
        return;
      }
      for (const row of diff.added.filter(keep)) ctx.stdout(`+ ${formatSocket(row)}\n`);
      for (const row of diff.changed.filter(keep)) ctx.stdout(`~ ${formatSocket(row)}\n`);
      for (const id of diff.removed) {
        const row = known.get(id);
        if (row && keep(row)) ctx.stdout(`- ${formatSocket(row)}\n`);
      }
      for (const row of [...diff.added, ...diff.changed]) known.set(row.id, row);
      for (const id of diff.removed) known.delete(id);
    });
    const renew = setInterval(() => void app.invoke('sockets.watch', { leaseMs: 60000 }), 20000);
    await callOrFail(app, 'sockets.watch', { leaseMs: 60000 });
    await ctx.interrupted;
    clearInterval(renew);
    off();
    return 0;
  } finally {
    await app.close();
  }
}
