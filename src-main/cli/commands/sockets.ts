/**
 * `portolan sockets [--json] [--listening | --pairs] [--watch] [--interval MS]`: the live socket table
 * in a terminal; `--close SELECTOR` and `--end PID [--force]` act on it (see sockets-act.ts).
 */
import { parseArgs } from 'node:util';
import type { SocketPair, SocketPairs, SocketRow } from '../../contract/index.js';
import { endLabel, endOwner, listenerLabel } from '../../contract/socket-pairs.js';
import type { CliContext, ExitCode } from '../context.js';
import { UsageError } from '../context.js';
import { callOrFail } from './call.js';
import { closeCommand, endCommand } from './sockets-act.js';

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
      pairs: { type: 'boolean', default: false },
      close: { type: 'string' },
      end: { type: 'string' },
      force: { type: 'boolean', default: false },
    },
  });
  const acts = [values.close !== undefined, values.end !== undefined].filter(Boolean).length;
  if (acts > 1 || (acts && (values.pairs || values.watch || values.listening))) {
    throw new UsageError('--close and --end each do one thing: give one of them, without --pairs, --watch or --listening.');
  }
  if (values.force && values.end === undefined) throw new UsageError('--force goes with --end PID (it sends SIGKILL instead of SIGTERM).');
  if (values.pairs && (values.watch || values.listening)) {
    throw new UsageError('--pairs prints the socket pairs once: leave out --watch and --listening (use --watch without --pairs to follow sockets).');
  }
  const intervalMs = Number(values.interval);
  if (!Number.isInteger(intervalMs) || intervalMs < 250) throw new UsageError('--interval takes milliseconds, 250 or more.');
  const listening = (row: SocketRow) => row.state === 'LISTEN' || row.state === 'UNCONN';
  const keep = (row: SocketRow) => !values.listening || listening(row);

  const app = await ctx.openApp('direct');
  try {
    if (values.close !== undefined) {
      await closeCommand(ctx, app, values.close, values.json);
      return 0;
    }
    if (values.end !== undefined) {
      await endCommand(ctx, app, values.end, values.force, values.json);
      return 0;
    }
    if (values.pairs) {
      printPairs(ctx, await callOrFail(app, 'sockets.pairs', {}), values.json);
      return 0;
    }
    const snapshot = await callOrFail(app, 'sockets.snapshot', { listeningOnly: values.listening });
    // Compact, as `ip -j` prints: 10,000 rows indented are half again as many bytes and twice the
    // time to write (pipe it to `jq` to read it).
    if (values.json) ctx.stdout(`${JSON.stringify(snapshot)}\n`);
    else {
      ctx.stdout(`${'PROTO'.padEnd(5)} ${'LOCAL'.padEnd(46)} ${'REMOTE'.padEnd(46)} ${'STATE'.padEnd(12)} PROCESS\n`);
      for (const row of snapshot.rows) ctx.stdout(`${formatSocket(row)}\n`);
      const hidden = snapshot.hiddenOwners ? `, ${snapshot.hiddenOwners} with an owner this user cannot see ("sudo portolan sockets" shows every owner)` : '';
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

/** One pair as a terminal line: "tcp   curl(812) 127.0.0.1:5000 ⇄ nginx(10) 127.0.0.1:443  ESTABLISHED". */
export function formatPair(pair: SocketPair): string {
  const end = (e: SocketPair['client']) => (e.here ? `${endOwner(e)}${e.process !== null && e.pid !== null ? `(${e.pid})` : ''} ${endpoint(e.address, e.port)}` : endLabel(e));
  return `${pair.proto.padEnd(5)} ${end(pair.client)} ⇄ ${end(pair.server)}  ${pair.state}${pair.bothHere ? '  [both ends here]' : ''}`;
}

/**
 * Prints pairs: with --json, an array with one object per pair (client and server ends each with
 * address, port, pid, process, user); else each listener heading the pairs it accepted, then the
 * pairs no listener of this machine accepted.
 */
function printPairs(ctx: CliContext, table: SocketPairs, json: boolean): void {
  if (json) {
    ctx.stdout(`${JSON.stringify(table.pairs)}\n`);
    return;
  }
  const byListener = new Map<string, SocketPair[]>();
  const unheaded: SocketPair[] = [];
  for (const pair of table.pairs) {
    if (!pair.listenerId) {
      unheaded.push(pair);
      continue;
    }
    const list = byListener.get(pair.listenerId);
    if (list) list.push(pair);
    else byListener.set(pair.listenerId, [pair]);
  }
  for (const l of table.listeners) {
    ctx.stdout(`${listenerLabel(l)}  (${l.proto} ${endpoint(l.address, l.port)}${l.pid !== null ? `, pid ${l.pid}` : ''})\n`);
    for (const pair of byListener.get(l.id) ?? []) ctx.stdout(`  ${formatPair(pair)}\n`);
  }
  if (unheaded.length) {
    ctx.stdout(`no listener here (outgoing, or the listener has closed) — ${unheaded.length} ${unheaded.length === 1 ? 'pair' : 'pairs'}\n`);
    for (const pair of unheaded) ctx.stdout(`  ${formatPair(pair)}\n`);
  }
  const local = table.pairs.filter((p) => p.bothHere).length;
  ctx.stdout(`${table.pairs.length} pairs (${local} with both ends here), ${table.listeners.length} listeners, from ${table.source}\n`);
}
