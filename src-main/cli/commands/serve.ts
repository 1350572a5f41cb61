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
  const opened = values['no-open'] ? 'not-tried' : (await openInBrowser(server.url)) ? 'opened' : 'failed';
  ctx.stdout(browserHint(opened, server.url));
  await ctx.interrupted;
  await server.close();
  await app.close();
  ctx.stdout('Portolan stopped.\n');
  return 0;
}

/**
 * What to do with the URL, said plainly whatever happened to the browser: "open this URL" comes
 * every time, since an opener that ran does not prove a window appeared.
 */
export function browserHint(opened: 'opened' | 'failed' | 'not-tried', url: string): string {
  const lead =
    opened === 'opened'
      ? 'Your browser should be opening it. If no window appeared, open this URL in a browser:'
      : opened === 'failed'
        ? 'No browser could be opened here. Open this URL in a browser:'
        : 'Open this URL in a browser:';
  return `${lead}\n\n    ${url}\n\nThe token in it is made for this run only. Press Ctrl+C to stop.\n`;
}

/** How long an opener may run before it counts as having opened the browser (some wait for it to close). */
const OPENER_GRACE_MS = 3000;

/**
 * Best effort: a headless machine has no browser, and that is fine. Resolves true when the
 * system's opener (xdg-open, open, explorer) ran and did not fail, false when it is missing or
 * exited with an error.
 */
export function openInBrowser(url: string, command = defaultOpener()): Promise<boolean> {
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command, [url], { stdio: 'ignore', detached: true });
    } catch {
      resolve(false);
      return;
    }
    // Still running after a while: it is showing the page (and may wait for the browser to close).
    const grace = setTimeout(() => resolve(true), OPENER_GRACE_MS);
    child.on('error', () => {
      clearTimeout(grace);
      resolve(false);
    });
    // explorer.exe exits with 1 even when it opened the page.
    child.on('exit', (code) => {
      clearTimeout(grace);
      resolve(code === 0 || (process.platform === 'win32' && code === 1));
    });
    child.unref();
  });
}

function defaultOpener(): string {
  return process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
}
