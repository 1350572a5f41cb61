/**
 * `portolan knock <host> <port[:proto]>...`: knock a sequence, with the meaning of knockd's `knock`
 * client (ports are TCP unless :udp; -u makes every step UDP; -d is the delay in ms).
 * `portolan guard --sequence ... --listen PORT`: a Portolan listener behind a knock guard, until Ctrl+C.
 */
import { parseArgs } from 'node:util';
import { GUARD_COMMAND_WARNING, GUARD_VISIBILITY_NOTE, type KnockAttempt, type KnockStep, type KnockStepEvent, type Responder } from '../../contract/index.js';
import { parseKnockdSequence } from '../../engine/knock/knockd-conf.js';
import type { CliContext, ExitCode } from '../context.js';
import { UsageError } from '../context.js';
import { callOrFail } from './call.js';

export const usage = 'portolan knock <host> <port[:tcp|udp]>... [-u] [-d MS] [-4|-6] [--then-check PORT] [--json]';

/** More help, printed by `portolan knock --help`. */
export const help = `${usage}
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

export const guardUsage =
  'portolan guard --sequence 7000,8000:udp,9000 --listen PORT [--host 127.0.0.1] [--responder echo|http|discard] [--window SECONDS] [--open-for SECONDS] [--run PATH [--arg ARG]...] [--json]';

/** More help, printed by `portolan guard --help`. */
export const guardHelp = `${guardUsage}
  Opens a Portolan listener on PORT that accepts connections only from addresses that knocked the
  sequence within --window seconds (default 10); a correct knock opens it for that address for
  --open-for seconds (default 30; connections made meanwhile stay). Other addresses are refused at once.
  --responder  how the listener answers (default echo)
  --run PATH   run PATH (with --arg arguments; {source} becomes the knocking address) on each correct knock.
               ${GUARD_COMMAND_WARNING}
  --json       print each knock attempt as one JSON line
  Visibility: ${GUARD_VISIBILITY_NOTE}
  Knock it with: portolan knock HOST 7000 8000:udp 9000   (or knockd's: knock HOST 7000 8000:udp 9000)
  Ctrl+C stops the guard and closes the listener.
`;

const seconds = (text: string, what: string): number => {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${what} takes a number of seconds greater than 0.`);
  return Math.round(n * 1000);
};

/** Runs a guarded listener until interrupted, printing knock attempts. */
export async function guardCommand(ctx: CliContext): Promise<ExitCode> {
  const { values } = parseArgs({
    args: ctx.args,
    options: {
      sequence: { type: 'string' },
      listen: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      responder: { type: 'string', default: 'echo' },
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
  if (values.listen === undefined) throw new UsageError('Give the port to protect with --listen PORT (0 for any free port).');
  let sequence: KnockStep[];
  try {
    sequence = parseKnockdSequence(values.sequence);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const port = Number(values.listen);
  if (!['echo', 'http', 'discard'].includes(values.responder)) throw new UsageError('--responder takes echo, http or discard.');
  const windowMs = seconds(values.window, '--window');
  const openForMs = seconds(values['open-for'], '--open-for');
  if (values.arg.length && !values.run) throw new UsageError('--arg goes with --run PATH.');

  const app = await ctx.openApp('direct');
  const out = (line: string, json: object) => (values.json ? ctx.stdout(`${JSON.stringify(json)}\n`) : ctx.stderr(`${line}\n`));
  const offAttempt = app.bus.on('knock.attempt', ({ attempts }) => {
    for (const a of attempts) out(attemptLine(a, sequence.length), { event: 'attempt', attempt: a });
  });
  let refused = 0;
  const offChanged = app.bus.on('knock.guards.changed', ({ guards }) => {
    const g = guards[0];
    if (g && g.refused > refused) {
      out(`refused ${g.refused - refused} connection(s) from addresses that had not knocked (${g.refused} in all)`, { event: 'refused', total: g.refused });
      refused = g.refused;
    }
  });
  try {
    const listener = await callOrFail(app, 'listeners.open', { protocol: 'tcp', host: values.host, port, responder: values.responder as Responder });
    const guard = await callOrFail(app, 'knock.guards.create', {
      name: `guard of ${listener.port}`,
      sequence,
      windowMs,
      openForMs,
      target: { kind: 'listener', listenerId: listener.id },
      ...(values.run ? { command: { path: values.run, args: values.arg, enabled: true } } : {}),
    });
    if (values.json) ctx.stdout(`${JSON.stringify({ event: 'guarding', listener, guard })}\n`);
    else {
      ctx.stderr(
        `Guarding ${listener.protocol} ${where(listener.host, listener.port)} (${listener.responder}) behind ${sequence.map((s) => `${s.port}:${s.protocol}`).join(',')}: ` +
          `knock within ${windowMs / 1000} s to be let in for ${openForMs / 1000} s. Ctrl+C stops.\n`,
      );
      ctx.stderr(`Note: ${GUARD_VISIBILITY_NOTE}\n`);
      if (values.run) ctx.stderr(`Warning: ${GUARD_COMMAND_WARNING}\n`);
    }
    if (listener.exposureWarning) ctx.stderr(`Warning: ${listener.exposureWarning}\n`);
    await ctx.interrupted;
    return 0;
  } finally {
    offAttempt();
    offChanged();
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
