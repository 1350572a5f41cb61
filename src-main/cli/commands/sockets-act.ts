/**
 * `portolan sockets --close SELECTOR` and `--end PID`: TCPView's actions from a terminal. A
 * selector is a socket id (as `portolan sockets --json` prints it) or LOCAL_PORT:REMOTE_PORT;
 * several connections matching the ports is a usage error that lists their ids to choose from.
 */
import type { PortolanApp } from '../../app/create-app.js';
import type { SocketRow } from '../../contract/index.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../context.js';
import { CliCallError, callOrFail } from './call.js';
import { formatSocket } from './sockets.js';

const PORTS = /^(\d{1,5}):(\d{1,5})$/;

/** The open TCP connections a selector names (an id, or LOCAL_PORT:REMOTE_PORT). */
export function selectConnections(rows: readonly SocketRow[], selector: string): SocketRow[] {
  const ports = PORTS.exec(selector);
  if (!ports) return rows.filter((r) => r.id === selector);
  const [local, remote] = [Number(ports[1]), Number(ports[2])];
  if (local < 1 || local > 65535 || remote < 1 || remote > 65535) throw new UsageError(`--close ${selector}: ports go from 1 to 65535.`);
  return rows.filter((r) => r.proto.startsWith('tcp') && r.localPort === local && r.remotePort === remote && r.state !== 'LISTEN' && r.state !== 'TIME_WAIT');
}

/** Closes the one connection `selector` names; prints what it closed. */
export async function closeCommand(ctx: CliContext, app: PortolanApp, selector: string, json: boolean): Promise<void> {
  const { rows } = await callOrFail(app, 'sockets.snapshot', {});
  const found = selectConnections(rows, selector);
  if (found.length === 0) {
    const what = PORTS.test(selector) ? `No open TCP connection from local port ${selector.replace(':', ' to remote port ')}` : `No socket with id ${selector}`;
    throw new CliCallError('NOT_FOUND', `${what}: run \`portolan sockets\` to see the connections now.`);
  }
  if (found.length > 1) {
    throw new UsageError(`--close ${selector} matches ${found.length} connections; give one of their ids instead:\n${found.map((r) => `  ${r.id}  ${formatSocket(r)}`).join('\n')}`);
  }
  const row = found[0]!;
  await callOrFail(app, 'sockets.close', { id: row.id });
  ctx.stdout(json ? `${JSON.stringify({ closed: true, socket: row }, null, 2)}\n` : `closed ${formatSocket(row).replace(/ {2,}/g, ' ')}\n`);
}

/** Ends process `pidText` with SIGTERM (or SIGKILL with --force); prints what it sent. */
export async function endCommand(ctx: CliContext, app: PortolanApp, pidText: string, force: boolean, json: boolean): Promise<void> {
  if (!/^\d+$/.test(pidText)) throw new UsageError(`--end takes a process id (a number, as in the PROCESS column), not "${pidText}".`);
  const pid = Number(pidText);
  const { rows } = await callOrFail(app, 'sockets.snapshot', {});
  const held = rows.filter((r) => r.pid === pid);
  const result = await callOrFail(app, 'processes.end', { pid, signal: force ? 'SIGKILL' : 'SIGTERM' });
  const name = held.find((r) => r.process)?.process;
  if (json) ctx.stdout(`${JSON.stringify({ ...result, process: name ?? null, sockets: held.length }, null, 2)}\n`);
  else ctx.stdout(`sent ${result.signal} to ${name ?? 'process'} (pid ${pid}), which held ${held.length} socket${held.length === 1 ? '' : 's'}\n`);
}
