/**
 * `portolan listen <port> [--udp] [--host ADDR] [--echo|--discard|--http|--banner TEXT] [--broadcast] [--json]`:
 * a listener in the terminal, like nc -l. Received bytes go to stdout unchanged; typed input goes
 * to the most recent peer (or every peer with --broadcast); peers come and go on stderr.
 */
import { parseArgs } from 'node:util';
import type { Responder, SessionInfo } from '../../contract/index.js';
import type { CliContext, ExitCode } from '../context.js';
import { USAGE } from '../usage.js';
import { UsageError } from '../context.js';
import { callOrFail } from './call.js';
import { bytesToStdout, peerOf, sentToStdout, stdinToSessions } from './console-io.js';

/** More help, printed by `portolan listen --help`. */
export const help = `${USAGE.listen}
  Listens on <port> (0 = any free port) on --host (default 127.0.0.1; 0.0.0.0 or :: expose it to the network).
  Bytes from peers are written to stdout unchanged; peers connecting and leaving are reported on stderr.
  What you type goes to the most recent peer that is still connected; with --broadcast, to every connected peer.
  --echo, --discard, --http and --banner TEXT answer peers by themselves (see the Listeners view).
  --json prints one JSON object per line on stdout: listening, session (changes), data (received, base64)
  and sent (what went to a peer: typed input or the banner, base64), in the order of the conversation.
  Ctrl+C closes the listener and its peers.
`;

/** Runs a listener until interrupted. */
export async function listenCommand(ctx: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: ctx.args,
    allowPositionals: true,
    options: {
      udp: { type: 'boolean', default: false },
      host: { type: 'string', default: '127.0.0.1' },
      echo: { type: 'boolean', default: false },
      discard: { type: 'boolean', default: false },
      http: { type: 'boolean', default: false },
      banner: { type: 'string' },
      broadcast: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    ctx.stdout(help);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('Say which port to listen on (0 for any free port).');
  const port = Number(positionals[0]);
  const chosen = (['echo', 'discard', 'http'] as const).filter((r) => values[r]);
  if (values.banner !== undefined) chosen.push('banner' as never);
  if (chosen.length > 1) throw new UsageError('Choose one responder: --echo, --discard, --http or --banner TEXT.');
  const responder: Responder = (chosen[0] as Responder | undefined) ?? 'interactive';

  const app = await ctx.openApp('direct');
  const mine = new Map<string, SessionInfo>();
  const order: string[] = [];
  let listenerId = '';
  const write = bytesToStdout(ctx, app, values.json);
  const offData = app.bus.on('sessions.data', (d) => {
    if (mine.has(d.id)) write(d.id, d.data);
  });
  const offSent = sentToStdout(ctx, app, values.json, (id) => mine.has(id));
  const offChanged = app.bus.on('sessions.changed', (c) => {
    for (const s of c.sessions) {
      if (s.listenerId !== listenerId) continue;
      const known = mine.get(s.id);
      mine.set(s.id, s);
      // Typed input goes to the newest peer in --json mode too.
      if (!known) order.push(s.id);
      if (values.json) {
        if (!known || known.state !== s.state) ctx.stdout(`${JSON.stringify({ event: 'session', session: s })}\n`);
        continue;
      }
      if (!known) {
        ctx.stderr(`+ ${peerOf(s)} connected (${s.id})\n`);
      }
      if (s.state === 'closed' && known?.state !== 'closed') {
        ctx.stderr(`- ${peerOf(s)} ${s.protocol === 'udp' ? 'forgotten' : 'disconnected'} (${s.id}, ${s.bytesIn} bytes in, ${s.bytesOut} out)${s.error ? `: ${s.error.message}` : ''}\n`);
      }
    }
  });
  let stopInput = () => undefined as void;
  try {
    const listener = await callOrFail(app, 'listeners.open', {
      protocol: values.udp ? 'udp' : 'tcp',
      host: values.host,
      port,
      responder,
      ...(values.banner !== undefined ? { banner: values.banner } : {}),
    });
    listenerId = listener.id;
    if (values.json) ctx.stdout(`${JSON.stringify({ event: 'listening', listener })}\n`);
    else {
      const where = listener.host.includes(':') ? `[${listener.host}]:${listener.port}` : `${listener.host}:${listener.port}`;
      const input = responder === 'interactive' || responder === 'banner' ? (values.broadcast ? ' Typed input goes to every peer.' : ' Typed input goes to the most recent peer.') : '';
      ctx.stderr(`Listening on ${listener.protocol} ${where} (${responder}).${input} Ctrl+C stops.\n`);
    }
    if (listener.exposureWarning) ctx.stderr(`Warning: ${listener.exposureWarning}\n`);
    if (responder === 'interactive' || responder === 'banner') {
      const open = () => order.filter((id) => mine.get(id)?.state === 'open');
      stopInput = stdinToSessions(
        ctx,
        app,
        () => (values.broadcast ? open() : open().slice(-1)),
        () => undefined,
        () => ctx.stderr('(no peer is connected: input not sent)\n'),
      );
    }
    await ctx.interrupted;
    return 0;
  } finally {
    stopInput();
    offData();
    offSent();
    offChanged();
    await app.close();
  }
}
