/**
 * `portolan connect <host> <port> [--udp] [--tls [--servername NAME] [--alpn P,...]] [--timeout MS] [--json]`:
 * a client session in the terminal, like nc. Typed input goes to the peer, received bytes to
 * stdout unchanged; end of input ends our side (TCP) and the command ends when the peer closes.
 */
import { parseArgs } from 'node:util';
import type { SessionInfo } from '../../contract/index.js';
import type { CliContext, ExitCode } from '../context.js';
import { UsageError } from '../context.js';
import { callOrFail } from './call.js';
import { bytesToStdout, peerOf, sentToStdout, stdinToSessions, tlsLine } from './console-io.js';

/** Connects and relays until the peer closes or Ctrl+C. */
export async function connectCommand(ctx: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: ctx.args,
    allowPositionals: true,
    options: {
      udp: { type: 'boolean', default: false },
      tls: { type: 'boolean', default: false },
      servername: { type: 'string' },
      alpn: { type: 'string' },
      timeout: { type: 'string', default: '10000' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 2) throw new UsageError('Say where to connect: a host and a port.');
  const [host, portText] = positionals as [string, string];
  const port = Number(portText);
  const timeoutMs = Number(values.timeout);

  const app = await ctx.openApp('direct');
  let id = '';
  const early: { id: string; data: string }[] = [];
  const write = bytesToStdout(ctx, app, values.json);
  let closed: (s: SessionInfo) => void = () => undefined;
  const ended = new Promise<SessionInfo>((resolve) => (closed = resolve));
  const offData = app.bus.on('sessions.data', (d) => {
    if (!id) early.push(d);
    else if (d.id === id) write(d.id, d.data);
  });
  // Nothing is sent before the session is open (no banner on this side), so `id` is known by then.
  const offSent = sentToStdout(ctx, app, values.json, (sid) => sid === id);
  const offChanged = app.bus.on('sessions.changed', (c) => {
    for (const s of c.sessions) if (s.id === id && s.state === 'closed') closed(s);
  });
  let stopInput = () => undefined as void;
  try {
    const session = await callOrFail(app, 'sessions.connect', {
      protocol: values.udp ? 'udp' : 'tcp',
      host,
      port,
      tls: values.tls,
      timeoutMs,
      ...(values.servername ? { servername: values.servername } : {}),
      ...(values.alpn ? { alpn: values.alpn.split(',') } : {}),
    });
    id = session.id;
    for (const d of early.splice(0)) if (d.id === id) write(d.id, d.data);
    if (values.json) ctx.stdout(`${JSON.stringify({ event: 'session', session })}\n`);
    else {
      const local = session.localAddress.includes(':') ? `[${session.localAddress}]:${session.localPort}` : `${session.localAddress}:${session.localPort}`;
      ctx.stderr(`Connected to ${peerOf(session)} (${session.protocol}${session.tls ? '+tls' : ''}) from ${local}. Ctrl+C closes.\n`);
      const tls = tlsLine(session);
      if (tls) ctx.stderr(`${tls}\n`);
    }
    stopInput = stdinToSessions(
      ctx,
      app,
      () => [id],
      () => {
        // Like nc: end of input ends our side; the peer's answer still arrives.
        if (session.protocol === 'tcp') void app.invoke('sessions.close', { id, half: true });
      },
      () => undefined,
    );
    const result = await Promise.race([ended, ctx.interrupted.then(() => undefined)]);
    if (!result) {
      await app.invoke('sessions.close', { id });
      return 0;
    }
    if (result.error) {
      ctx.stderr(`portolan connect: ${result.error.message}\n`);
      return 1;
    }
    if (!values.json) ctx.stderr(`Closed by the peer (${result.bytesIn} bytes in, ${result.bytesOut} out).\n`);
    return 0;
  } finally {
    stopInput();
    offData();
    offSent();
    offChanged();
    await app.close();
  }
}
