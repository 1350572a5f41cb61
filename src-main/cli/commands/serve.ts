/** `portolan serve [--host ADDR] [--port N] [--no-open]`: the UI in a browser, for machines without a desktop. */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { isLoopbackHost } from '../../engine/net/address.js';
import { startWebServer } from '../../transports/web.js';
import { isWildcardAddress, wildcardAddresses } from '../../transports/web-guard.js';
import type { CliContext, ExitCode } from '../context.js';
import { UsageError } from '../context.js';

/** Starts the engine and the web transport, prints the token URL and runs until interrupted. */
export async function serveCommand(ctx: CliContext): Promise<ExitCode> {
  const { values } = parseArgs({
    args: ctx.args,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      'no-open': { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port takes a number from 0 (any free port) to 65535.');
  const host = values.host === 'localhost' ? '127.0.0.1' : values.host;

  const app = await ctx.openApp('web');
  const server = await startWebServer({ app, staticDir: ctx.staticDir, host, port });
  ctx.stdout(`Portolan is serving on ${server.url}\n`);
  ctx.stdout('Open that URL in a browser; the token in it is made for this run only. Press Ctrl+C to stop.\n');
  if (isWildcardAddress(host)) {
    // The other addresses a browser on the network can use (the Host check accepts exactly these).
    for (const address of wildcardAddresses(host).filter((a) => !isLoopbackHost(a))) {
      ctx.stdout(`Also reachable at http://${address.includes(':') ? `[${address}]` : address}:${server.port}/?token=${server.token}\n`);
    }
  }
  if (!isLoopbackHost(host)) {
    ctx.stderr(
      `Warning: ${host} exposes Portolan to the network. Anyone who can reach this address and has the URL can use the engine ` +
        '(open ports, read your sockets). Use 127.0.0.1 with an SSH tunnel instead unless you mean it.\n',
    );
  }
  if (!values['no-open']) openInBrowser(server.url);
  await ctx.interrupted;
  await server.close();
  await app.close();
  ctx.stdout('Portolan stopped.\n');
  return 0;
}

/** Best effort: a headless machine has no browser, and that is fine. */
function openInBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(command, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No opener installed: the printed URL is enough.
  }
}
