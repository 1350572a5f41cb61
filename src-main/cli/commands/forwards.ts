/**
 * `portolan forwards list [--json]`, `portolan forwards start <name> [--accept-host-key FP] [--json]`
 * (runs the saved forward in the foreground until Ctrl+C) and `portolan forwards stop <name>`
 * (stops one that `forwards start` runs in another terminal).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ForwardInfo } from '../../contract/index.js';
import type { CliContext, ExitCode } from '../context.js';
import { UsageError } from '../context.js';
import { callOrFail, CliCallError } from './call.js';
import { describeForward, runForeground, secretsFromEnv } from './forward.js';
import { askTty } from './tunnel.js';

export const usage = 'portolan forwards list [--json] | forwards start <name> [--accept-host-key SHA256:...] [--json] | forwards stop <name>';

const pidFile = (dataDir: string, id: string) => path.join(dataDir, 'run', `forward-${id}.pid`);

async function runningPid(dataDir: string, id: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(pidFile(dataDir, id), 'utf8')).trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Lists, starts (foreground) or stops saved forwards. */
export async function forwardsCommand(ctx: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: ctx.args,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, 'accept-host-key': { type: 'string' } },
  });
  const [action, ...names] = positionals;
  const name = names.join(' ');
  if (action !== 'list' && action !== 'start' && action !== 'stop') throw new UsageError('Say list, start <name> or stop <name>.');
  if (action !== 'list' && !name) throw new UsageError(`Say which forward to ${action}: its name (see portolan forwards list).`);

  const app = await ctx.openApp('direct');
  try {
    const state = await callOrFail(app, 'forwards.list', {});
    if (state.problem) ctx.stderr(`${state.problem}\n`);
    if (action === 'list') {
      const rows = await Promise.all(state.forwards.map(async (f) => ({ ...f, cliPid: await runningPid(ctx.dataDir, f.id) })));
      if (values.json) {
        ctx.stdout(`${JSON.stringify({ ...state, forwards: rows }, null, 2)}\n`);
        return 0;
      }
      if (rows.length === 0) {
        ctx.stdout(`No saved forwards in ${state.path}. Create one in the Forwards view, or run one now with portolan forward / portolan tunnel.\n`);
        return 0;
      }
      ctx.stdout(`${'NAME'.padEnd(28)} ${'RUNNING'.padEnd(16)} ${'AUTO'.padEnd(5)} FORWARD\n`);
      for (const f of rows) {
        const running = f.cliPid ? `cli pid ${f.cliPid}` : 'no';
        ctx.stdout(`${f.spec.name.slice(0, 28).padEnd(28)} ${running.padEnd(16)} ${(f.spec.startWithApp ? 'yes' : 'no').padEnd(5)} ${describeForward(f)}\n`);
      }
      return 0;
    }
    const forward: ForwardInfo | undefined = state.forwards.find((f) => f.spec.name === name) ?? state.forwards.find((f) => f.id === name);
    if (!forward) throw new CliCallError('NOT_FOUND', `There is no saved forward named "${name}" (see portolan forwards list).`);
    const pid = await runningPid(ctx.dataDir, forward.id);
    if (action === 'stop') {
      if (!pid) {
        ctx.stderr(`"${name}" is not running in a portolan command on this machine. A forward running in the desktop app or in portolan serve is stopped there.\n`);
        return 1;
      }
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 100 && (await runningPid(ctx.dataDir, forward.id)); i++) await new Promise((r) => setTimeout(r, 50));
      ctx.stdout(`Stopped "${name}" (pid ${pid}).\n`);
      return 0;
    }
    if (pid) throw new CliCallError('EADDRINUSE', `"${name}" is already running in pid ${pid}; stop it with portolan forwards stop ${JSON.stringify(name)}.`);
    const secrets = secretsFromEnv();
    const started = await callOrFail(app, 'forwards.start', { id: forward.id, ...(secrets ? { secrets } : {}) });
    const file = pidFile(ctx.dataDir, forward.id);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `${process.pid}\n`);
    try {
      const tty = !!process.stdin.isTTY && !values.json;
      return await runForeground(
        ctx,
        app,
        started,
        values.json,
        values['accept-host-key'] ? { acceptFingerprint: values['accept-host-key'] } : tty ? { ask: async (q) => /^y(es)?$/i.test((await askTty(q)).trim()) } : {},
      );
    } finally {
      await rm(file, { force: true });
    }
  } finally {
    await app.close();
  }
}
