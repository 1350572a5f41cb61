/**
 * The terminal side of `portolan listen` and `portolan connect`: received bytes go to stdout
 * unchanged and are acknowledged once stdout has taken them (so the engine's flow control holds
 * when stdout is slow), typed bytes go to the peer, and peers come and go as lines on stderr.
 * With --json, stdout has one JSON line per event instead, sent bytes too.
 */
import type { SessionInfo } from '../../contract/index.js';
import type { PortolanApp } from '../../app/create-app.js';
import type { CliContext } from '../context.js';

const endpoint = (address: string, port: number) => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

/** "127.0.0.1:5000" of a session's peer. */
export const peerOf = (s: SessionInfo) => endpoint(s.remoteAddress, s.remotePort);

/** Writes received bytes to stdout (raw, or as JSON lines) and acknowledges them once written. */
export function bytesToStdout(ctx: CliContext, app: PortolanApp, json: boolean): (id: string, base64: string) => void {
  const out = ctx.stdoutStream ?? process.stdout;
  const owed = new Map<string, number>();
  const ack = (id: string, bytes: number) => void app.invoke('sessions.ack', { id, bytes });
  out.on('drain', () => {
    for (const [id, bytes] of owed) ack(id, bytes);
    owed.clear();
  });
  return (id, base64) => {
    const bytes = Buffer.from(base64, 'base64');
    const ok = json ? out.write(`${JSON.stringify({ event: 'data', id, data: base64 })}\n`) : out.write(bytes);
    if (ok && owed.size === 0) ack(id, bytes.length);
    else owed.set(id, (owed.get(id) ?? 0) + bytes.length);
  };
}

/**
 * In --json mode, prints what went to the peers of the sessions `mine` accepts (typed input, a
 * banner) as `{"event":"sent","id","data"}` lines, so the lines hold the conversation both ways in
 * order; raw mode prints only received bytes (stdout stays the peer's bytes unchanged). Returns
 * the unsubscribe function.
 */
export function sentToStdout(ctx: CliContext, app: PortolanApp, json: boolean, mine: (id: string) => boolean): () => void {
  if (!json) return () => undefined;
  return app.bus.on('sessions.sent', (d) => {
    if (mine(d.id)) ctx.stdout(`${JSON.stringify({ event: 'sent', id: d.id, data: d.data })}\n`);
  });
}

/**
 * Sends stdin to the chosen sessions, one chunk at a time (the next is read once the previous is
 * sent). Returns a function that stops reading; `onEnd` runs at end of input.
 */
export function stdinToSessions(ctx: CliContext, app: PortolanApp, targets: () => string[], onEnd: () => void, onNoTarget: () => void): () => void {
  const input = ctx.stdin ?? process.stdin;
  const onData = async (chunk: Buffer | string) => {
    const ids = targets();
    if (ids.length === 0) return onNoTarget();
    input.pause();
    const data = Buffer.from(chunk).toString('base64');
    try {
      await Promise.all(ids.map((id) => app.invoke('sessions.send', { id, data })));
    } finally {
      input.resume();
    }
  };
  input.on('data', onData);
  input.on('end', onEnd);
  input.resume();
  return () => {
    input.off('data', onData);
    input.off('end', onEnd);
    input.pause();
  };
}

/** The TLS facts of a client session as one line. */
export function tlsLine(s: SessionInfo): string | undefined {
  if (!s.tls) return undefined;
  const t = s.tls;
  const trust = t.authorized ? 'trusted' : `NOT trusted (${t.authorizationError ?? 'unknown reason'})`;
  return `TLS ${t.protocol}${t.alpn ? `, ALPN ${t.alpn}` : ''}; certificate ${t.subject || '(no subject)'}, issued by ${t.issuer || '(unknown)'}, valid ${t.validFrom} to ${t.validTo}; ${trust}.`;
}
