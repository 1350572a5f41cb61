/**
 * `portolan forwards list [--json]`, `portolan forwards show <name> [--as-command] [--json]` (the
 * forward, and the ssh or socat command line that does the same),
 * `portolan forwards start <name> [--accept-host-key FP] [--json]`
 * (runs the saved forward in the foreground until Ctrl+C) and `portolan forwards stop <name>`
 * (stops one that `forwards start` runs in another terminal).
 */
import { parseArgs } from 'node:util';
import type { ForwardInfo } from '../../contract/index.js';
import { forwardCommand } from '../../contract/ssh-command.js';
import type { CliContext, ExitCode } from '../context.js';
import { UsageError } from '../context.js';
import { forwardPidStatus, removeForwardPid, writeForwardPid, type ForwardPidStatus } from '../forward-pid-file.js';
import { callOrFail, CliCallError } from './call.js';
import { describeForward, runForeground, secretsFromEnv } from './forward.js';
import { askTty } from './tunnel.js';

/** The RUNNING column of forwards list. */
const runningText = (s: ForwardPidStatus) => (s.state === 'running' ? `cli pid ${s.pid}` : s.state === 'stale' ? 'no (stale pid)' : 'no');

/** Lists, starts (foreground) or stops saved forwards. */
export async function forwardsCommand(ctx: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: ctx.args,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, 'accept-host-key': { type: 'string' }, 'as-command': { type: 'boolean', default: false } },
  });
  const [action, ...names] = positionals;
  const name = names.join(' ');
  if (action !== 'list' && action !== 'show' && action !== 'start' && action !== 'stop') throw new UsageError('Say list, show <name>, start <name> or stop <name>.');
  if (action !== 'list' && !name) throw new UsageError(`Say which forward to ${action}: its name (see portolan forwards list).`);

  const app = await ctx.openApp('direct');
  try {
    const state = await callOrFail(app, 'forwards.list', {});
    if (state.problem) ctx.stderr(`${state.problem}\n`);
    if (action === 'list') {
      const rows = await Promise.all(state.forwards.map(async (f) => ({ forward: f, pid: await forwardPidStatus(ctx.dataDir, f.id) })));
      if (values.json) {
        const forwards = rows.map(({ forward, pid }) => ({ ...forward, ...(pid.state === 'running' ? { cliPid: pid.pid } : {}), ...(pid.state === 'stale' ? { stalePid: pid.pid } : {}) }));
        ctx.stdout(`${JSON.stringify({ ...state, forwards }, null, 2)}\n`);
        return 0;
      }
      if (rows.length === 0) {
        ctx.stdout(`No saved forwards in ${state.path}. Create one in the Forwards view, or run one now with portolan forward / portolan tunnel.\n`);
        return 0;
      }
      ctx.stdout(`${'NAME'.padEnd(28)} ${'RUNNING'.padEnd(16)} ${'AUTO'.padEnd(5)} FORWARD\n`);
      for (const { forward: f, pid } of rows) {
        ctx.stdout(`${f.spec.name.slice(0, 28).padEnd(28)} ${runningText(pid).padEnd(16)} ${(f.spec.startWithApp ? 'yes' : 'no').padEnd(5)} ${describeForward(f)}\n`);
      }
      return 0;
    }
    const forward: ForwardInfo | undefined = state.forwards.find((f) => f.spec.name === name) ?? state.forwards.find((f) => f.id === name);
    if (!forward) throw new CliCallError('NOT_FOUND', `There is no saved forward named "${name}" (see portolan forwards list).`);
    if (action === 'show') {
      const command = forwardCommand(forward.spec);
      if (values.json) ctx.stdout(`${JSON.stringify({ forward, command }, null, 2)}\n`);
      else if (values['as-command']) ctx.stdout(`${command}\n`);
      else ctx.stdout(`${forward.spec.name}\n  ${describeForward(forward)}\n  ${forward.spec.kind.startsWith('ssh-') ? 'ssh' : 'socat'}: ${command}\n`);
      return 0;
    }
    const status = await forwardPidStatus(ctx.dataDir, forward.id);
    if (status.state === 'stale') {
      // Never signal a process that cannot be shown to be the forward's: the file is a leftover.
      ctx.stderr(`The pid file of "${name}" is stale: ${status.reason}. It is not signalled; the file is removed.\n`);
      await removeForwardPid(ctx.dataDir, forward.id);
    }
    if (action === 'stop') {
      if (status.state !== 'running') {
        ctx.stderr(`"${name}" is not running in a portolan command on this machine. A forward running in the desktop app or in portolan serve is stopped there.\n`);
        return 1;
      }
      process.kill(status.pid, 'SIGTERM');
      let still = true;
      for (let i = 0; i < 100 && (still = (await forwardPidStatus(ctx.dataDir, forward.id)).state === 'running'); i++) await new Promise((r) => setTimeout(r, 50));
      if (still) {
        ctx.stderr(`"${name}" (pid ${status.pid}) was asked to stop but still runs after 5 s; press Ctrl+C in its terminal.\n`);
        return 1;
      }
      // A process killed before it could clean up leaves its file: it is stale now.
      await removeForwardPid(ctx.dataDir, forward.id);
      ctx.stdout(`Stopped "${name}" (pid ${status.pid}).\n`);
      return 0;
    }
    if (status.state === 'running') throw new CliCallError('EADDRINUSE', `"${name}" is already running in pid ${status.pid}; stop it with portolan forwards stop ${JSON.stringify(name)}.`);
    const secrets = secretsFromEnv();
    const started = await callOrFail(app, 'forwards.start', { id: forward.id, ...(secrets ? { secrets } : {}) });
    await writeForwardPid(ctx.dataDir, forward.id);
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
      await removeForwardPid(ctx.dataDir, forward.id);
    }
  } finally {
    await app.close();
  }
}
