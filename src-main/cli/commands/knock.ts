/**
 * `portolan knock <host> <port[:proto]>...`: knock a sequence, with the meaning of knockd's `knock`
 * client (ports are TCP unless :udp; -u makes every step UDP; -d is the delay in ms).
 * `portolan guard --sequence ... --listen PORT | --forward NAME`: a new Portolan listener, or a saved local
 * TCP forward, behind a knock guard, until Ctrl+C.
 */
import { parseArgs } from 'node:util';
import type { PortolanApp } from '../../app/create-app.js';
import { GUARD_COMMAND_WARNING, GUARD_VISIBILITY_NOTE } from '../../contract/knock-notes.js';
import type { ForwardInfo, KnockAttempt, KnockStep, KnockStepEvent, Responder } from '../../contract/index.js';
import { parseKnockdSequence } from '../../engine/knock/knockd-conf.js';
import type { CliContext, ExitCode } from '../context.js';
import { USAGE } from '../usage.js';
import { UsageError } from '../context.js';
import { forwardPidStatus, removeForwardPid, writeForwardPid } from '../forward-pid-file.js';
import { callOrFail, CliCallError } from './call.js';
import { describeForward } from './forward.js';

/** More help, printed by `portolan knock --help`. */
export const help = `${USAGE.knock}
  Knocks the ports in order, like knockd's knock client: a TCP step sends a connection attempt (SYN)
  without waiting for a connection; a UDP step sends one datagram. Ports are TCP unless written PORT:udp.
  -u, --udp         make every step UDP (like knock -u)
  -d, --delay MS    wait MS milliseconds after each step (default 100; knock's default is 0)
  -4, -6            use IPv4 or IPv6 when the host is a name
  --then-check PORT after the sequence, check that TCP PORT is reachable; if not, knock once more and check again
  --json            print the result as JSON
  Exit status: 0 when every step was sent (and the checked port is reachable), 1 otherwise.
`;

const where = (address: string, port: number) => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

/** Knocks once (and checks, when asked). */
export async function knockCommand(ctx: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: ctx.args,
    allowPositionals: true,
    options: {
      udp: { type: 'boolean', short: 'u', default: false },
      delay: { type: 'string', short: 'd', default: '100' },
      ipv4: { type: 'boolean', short: '4', default: false },
      ipv6: { type: 'boolean', short: '6', default: false },
      'then-check': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    ctx.stdout(help);
    return 0;
  }
  const [host, ...ports] = positionals;
  if (!host || ports.length === 0) throw new UsageError('Say which host to knock on and at least one port.');
  if (values.ipv4 && values.ipv6) throw new UsageError('Choose -4 or -6, not both.');
  let steps: KnockStep[];
  try {
    steps = parseKnockdSequence(ports.join(','));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.udp) steps = steps.map((s) => ({ ...s, protocol: 'udp' }));
  const delayMs = Number(values.delay);
  if (!Number.isInteger(delayMs) || delayMs < 0) throw new UsageError('--delay takes milliseconds: 0 or more.');
  const checkText = values['then-check'];
  const checkPort = checkText === undefined ? undefined : Number(checkText);
  if (checkPort !== undefined && !(Number.isInteger(checkPort) && checkPort >= 1 && checkPort <= 65535)) {
    throw new UsageError('--then-check takes a TCP port from 1 to 65535.');
  }

  const app = await ctx.openApp('direct');
  const runId = `cli-${process.pid}-${Date.now()}`;
  const off = app.bus.on('knock.step', (e: KnockStepEvent) => {
    if (e.runId !== runId || values.json) return;
    const retry = e.attempt === 2 ? ' (again)' : '';
    ctx.stderr(`${e.step.protocol} ${e.step.port} ${e.outcome}${e.error ? `: ${e.error}` : ''}${retry}\n`);
  });
  try {
    const result = await callOrFail(app, 'knock.send', {
      host,
      steps,
      delayMs,
      runId,
      family: values.ipv4 ? 'ipv4' : values.ipv6 ? 'ipv6' : 'any',
      ...(checkPort !== undefined ? { thenCheck: { port: checkPort } } : {}),
    });
    const failed = result.steps.filter((s) => s.outcome === 'error');
    if (values.json) ctx.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else {
      const sent = result.steps.filter((s) => s.attempt === 1);
      ctx.stdout(`Knocked ${where(result.address, sent[0]!.port).replace(/:\d+$/, '')} with ${sent.map((s) => `${s.port}:${s.protocol}`).join(',')} (${delayMs} ms apart)${failed.length ? `; ${failed.length} step(s) could not be sent` : ''}.\n`);
      if (result.check) ctx.stdout(`${result.check.message}\n`);
    }
    return failed.length === 0 && (result.check?.reachable ?? true) ? 0 : 1;
  } finally {
    off();
    await app.close();
  }
}

/** More help, printed by `portolan guard --help`. */
export const guardHelp = `${USAGE.guard}
  Puts a knock guard in front of one of two things, until Ctrl+C:
  --listen PORT    a new Portolan listener on PORT (0 for any free port), on --host (default 127.0.0.1),
                   answering with --responder echo, http or discard (default echo)
  --forward NAME   a saved TCP, UDP, SSH -L or -D forward, by name or id (see portolan forwards list); guard starts it if
                   it is not running. An SSH -R forward cannot be guarded: its clients reach the SSH server.
  Give one of them. Only addresses that knocked the sequence within --window seconds (default 10) get in; a
  correct knock opens it for that address for --open-for seconds (default 30; connections made meanwhile stay).
  Other addresses are refused at once (a guarded forward closes them without contacting its target).
  The knock ports are bound on the listener's address, or on the forward's listen address.
  --run PATH   run PATH (with --arg arguments; {source} becomes the knocking address) on each correct knock.
               ${GUARD_COMMAND_WARNING}
  --json       print each knock attempt as one JSON line
  Visibility: ${GUARD_VISIBILITY_NOTE}
  Knock it with: portolan knock HOST 7000 8000:udp 9000   (or knockd's: knock HOST 7000 8000:udp 9000)
  Ctrl+C removes the guard and closes the listener, or stops the forward if guard started it.
`;

const seconds = (text: string, what: string): number => {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${what} takes a number of seconds greater than 0.`);
  return Math.round(n * 1000);
};

/** The saved forward named (or with the id) `name`, as `portolan forwards start` finds it; a sentence when it cannot be guarded. */
async function guardableForward(ctx: CliContext, app: PortolanApp, name: string): Promise<ForwardInfo> {
  const state = await callOrFail(app, 'forwards.list', {});
  if (state.problem) ctx.stderr(`${state.problem}\n`);
  const forward = state.forwards.find((f) => f.spec.name === name) ?? state.forwards.find((f) => f.id === name);
  if (!forward) {
    const names = state.forwards.map((f) => JSON.stringify(f.spec.name));
    throw new CliCallError(
      'NOT_FOUND',
      names.length
        ? `There is no saved forward named "${name}". The saved forwards are: ${names.join(', ')} (see portolan forwards list).`
        : `There is no saved forward named "${name}", and no forwards are saved in ${state.path}. Create one in the Forwards view first, or guard a new listener with --listen PORT.`,
    );
  }
  if (forward.spec.kind === 'ssh-remote') {
    throw new CliCallError(
      'INVALID_INPUT',
      `"${forward.spec.name}" is an SSH -R forward: its clients connect to the SSH server, out of reach of knock ports here. Choose a TCP, UDP, SSH -L or -D forward (see portolan forwards list), or guard a new listener with --listen PORT.`,
    );
  }
  const running = await forwardPidStatus(ctx.dataDir, forward.id);
  if (running.state === 'running' && running.pid !== process.pid) {
    throw new CliCallError(
      'EADDRINUSE',
      `"${forward.spec.name}" is running in another portolan command (pid ${running.pid}), which a guard here cannot reach: stop it with portolan forwards stop ${JSON.stringify(forward.spec.name)}, then run guard again (guard starts it itself).`,
    );
  }
  return forward;
}

/** Runs a guarded listener or forward until interrupted, printing knock attempts. */
export async function guardCommand(ctx: CliContext): Promise<ExitCode> {
  const { values } = parseArgs({
    args: ctx.args,
    options: {
      sequence: { type: 'string' },
      listen: { type: 'string' },
      forward: { type: 'string' },
      host: { type: 'string' },
      responder: { type: 'string' },
      window: { type: 'string', default: '10' },
      'open-for': { type: 'string', default: '30' },
      run: { type: 'string' },
      arg: { type: 'string', multiple: true, default: [] },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    ctx.stdout(guardHelp);
    return 0;
  }
  if (!values.sequence) throw new UsageError('Give the knock sequence, for example --sequence 7000,8000:udp,9000.');
  if (values.listen !== undefined && values.forward !== undefined) {
    throw new UsageError('Choose what to guard: --listen PORT for a new listener, or --forward NAME for a saved forward, not both.');
  }
  if (values.listen === undefined && values.forward === undefined) {
    throw new UsageError('Say what to guard: --listen PORT for a new listener (0 for any free port), or --forward NAME for a saved TCP forward (see portolan forwards list).');
  }
  const forwardName = values.forward?.trim();
  if (forwardName !== undefined) {
    if (!forwardName) throw new UsageError('--forward takes the name or id of a saved forward (see portolan forwards list).');
    if (values.host !== undefined || values.responder !== undefined) {
      throw new UsageError('--host and --responder go with --listen: a guarded forward keeps the listen address of its profile, and its knock ports are bound there too.');
    }
  }
  let sequence: KnockStep[];
  try {
    sequence = parseKnockdSequence(values.sequence);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const responder = values.responder ?? 'echo';
  if (!['echo', 'http', 'discard'].includes(responder)) throw new UsageError('--responder takes echo, http or discard.');
  const windowMs = seconds(values.window, '--window');
  const openForMs = seconds(values['open-for'], '--open-for');
  if (values.arg.length && !values.run) throw new UsageError('--arg goes with --run PATH.');

  const app = await ctx.openApp('direct');
  const out = (line: string, json: object) => (values.json ? ctx.stdout(`${JSON.stringify(json)}\n`) : ctx.stderr(`${line}\n`));
  let guardId: string | undefined;
  const offAttempt = app.bus.on('knock.attempt', ({ attempts }) => {
    for (const a of attempts) if (a.guardId === guardId) out(attemptLine(a, sequence.length), { event: 'attempt', attempt: a });
  });
  let refused = 0;
  const offChanged = app.bus.on('knock.guards.changed', ({ guards }) => {
    // The data folder may hold guards saved by others (stopped): only this one's counter matters.
    const g = guards.find((x) => x.id === guardId);
    if (g && g.refused > refused) {
      out(`refused ${g.refused - refused} connection(s) from addresses that had not knocked (${g.refused} in all)`, { event: 'refused', total: g.refused });
      refused = g.refused;
    }
  });
  const common = {
    sequence,
    windowMs,
    openForMs,
    ...(values.run ? { command: { path: values.run, args: values.arg, enabled: true } } : {}),
  };
  const knocks = sequence.map((s) => `${s.port}:${s.protocol}`).join(',');
  const timing = `knock within ${windowMs / 1000} s to be let in for ${openForMs / 1000} s. Ctrl+C stops.`;
  const notes = () => {
    ctx.stderr(`Note: ${GUARD_VISIBILITY_NOTE}\n`);
    if (values.run) ctx.stderr(`Warning: ${GUARD_COMMAND_WARNING}\n`);
  };
  let listenerId: string | undefined;
  let startedForward: { id: string } | undefined;
  try {
    if (forwardName === undefined) {
      const listener = await callOrFail(app, 'listeners.open', { protocol: 'tcp', host: values.host ?? '127.0.0.1', port: Number(values.listen), responder: responder as Responder });
      listenerId = listener.id;
      const guard = await callOrFail(app, 'knock.guards.create', { name: `guard of ${listener.port}`, ...common, target: { kind: 'listener', listenerId: listener.id } });
      guardId = guard.id;
      if (values.json) ctx.stdout(`${JSON.stringify({ event: 'guarding', listener, guard })}\n`);
      else {
        ctx.stderr(`Guarding ${listener.protocol} ${where(listener.host, listener.port)} (${listener.responder}) behind ${knocks}: ${timing}\n`);
        notes();
      }
      if (listener.exposureWarning) ctx.stderr(`Warning: ${listener.exposureWarning}\n`);
    } else {
      const forward = await guardableForward(ctx, app, forwardName);
      // The gate goes on before the forward listens: it never relays a client that had not knocked.
      const guard = await callOrFail(app, 'knock.guards.create', { name: `guard of ${forward.spec.name}`, ...common, target: { kind: 'forward', forwardId: forward.id } });
      guardId = guard.id;
      let running = forward;
      if (forward.state === 'stopped' || forward.state === 'failed') {
        running = await callOrFail(app, 'forwards.start', { id: forward.id });
        startedForward = { id: forward.id };
        // As `portolan forwards start` does: forwards list shows it running here, and forwards stop ends this guard.
        await writeForwardPid(ctx.dataDir, forward.id);
      }
      if (values.json) ctx.stdout(`${JSON.stringify({ event: 'guarding', forward: running, guard })}\n`);
      else {
        ctx.stderr(`Guarding forward "${running.spec.name}" (${describeForward(running)}) behind ${knocks}: ${timing}\n`);
        notes();
      }
      if (running.exposureWarning) ctx.stderr(`Warning: ${running.exposureWarning}\n`);
    }
    await ctx.interrupted;
    return 0;
  } finally {
    offAttempt();
    offChanged();
    // What this command made goes first, then the guard: its gate comes off only when nothing is left to reach.
    if (listenerId) await app.invoke('listeners.close', { id: listenerId });
    if (startedForward) {
      await app.invoke('forwards.stop', { id: startedForward.id });
      await removeForwardPid(ctx.dataDir, startedForward.id);
    }
    if (guardId) await app.invoke('knock.guards.delete', { id: guardId });
    await app.close();
  }
}

/** One log line: time, source, the knock, outcome. */
export function attemptLine(a: KnockAttempt, total: number): string {
  const time = new Date(a.at).toISOString().slice(11, 23);
  const knock = a.step ? `${a.step.port}:${a.step.protocol}` : '-';
  const what = {
    progress: `step ${a.stepsMatched}/${total}`,
    opened: `OPENED (all ${total} steps)`,
    'reset-wrong-port': `wrong knock, reset (had ${a.stepsMatched}/${total})`,
    expired: `too slow, expired (had ${a.stepsMatched}/${total})`,
  }[a.outcome];
  return `${time} ${a.source.padEnd(15)} ${knock.padEnd(10)} ${what}`;
}
