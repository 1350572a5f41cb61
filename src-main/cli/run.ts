/** The `portolan` command line: one subcommand per capability, each with --json where it prints data. */
import { createApp } from '../app/create-app.js';
import { APP_VERSION } from '../app/version.js';
import { CliCallError } from './commands/call.js';
import { connectCommand, usage as connectUsage } from './commands/connect.js';
import { listenCommand, usage as listenUsage } from './commands/listen.js';
import { guardCommand, guardUsage, knockCommand, usage as knockUsage } from './commands/knock.js';
import { learnCommand, usage as learnUsage } from './commands/learn.js';
import { exposureCommand, usage as exposureUsage } from './commands/exposure.js';
import { forwardCommand, usage as forwardUsage } from './commands/forward.js';
import { forwardsCommand, usage as forwardsUsage } from './commands/forwards.js';
import { tunnelCommand, usage as tunnelUsage } from './commands/tunnel.js';
import { portCommand, usage as portUsage } from './commands/port.js';
import { routerCommand, usage as routerUsage } from './commands/router.js';
import { scanCommand, usage as scanUsage } from './commands/scan.js';
import { serveCommand, usage as serveUsage } from './commands/serve.js';
import { settingsCommand, usage as settingsUsage } from './commands/settings.js';
import { socketsCommand, usage as socketsUsage } from './commands/sockets.js';
import { EXIT, EXIT_HELP, exitCodeFor, UsageError, type CliContext, type ExitCode } from './context.js';

/** Subcommands with their one-line usage and summary. */
const COMMANDS: Record<string, { run: (ctx: CliContext) => Promise<ExitCode>; usage: string; summary: string }> = {
  port: { run: portCommand, usage: portUsage, summary: 'look a port up in the IANA dictionary and the curated notes' },
  sockets: { run: socketsCommand, usage: socketsUsage, summary: "list this machine's sockets and socket pairs with their processes, or follow them live" },
  listen: { run: listenCommand, usage: listenUsage, summary: 'listen on a TCP or UDP port and talk to peers, like nc -l (listen --help for details)' },
  connect: { run: connectCommand, usage: connectUsage, summary: 'connect to host:port over TCP, TLS or UDP and talk, like nc' },
  router: { run: routerCommand, usage: routerUsage, summary: 'show the router and its port mappings; map a port through it (UPnP, NAT-PMP, PCP) or remove one' },
  scan: { run: scanCommand, usage: scanUsage, summary: 'scan TCP or UDP ports of hosts (connect scan, service detection), like nmap -sT / -sU' },
  knock: { run: knockCommand, usage: knockUsage, summary: "knock a port sequence on a host, like knockd's knock (knock --help for details)" },
  guard: { run: guardCommand, usage: guardUsage, summary: 'protect a new Portolan listener or a saved TCP forward behind a knock sequence until Ctrl+C (guard --help for details)' },
  forward: { run: forwardCommand, usage: forwardUsage, summary: 'forward a local TCP or UDP port to host:port until Ctrl+C, printing each connection' },
  tunnel: { run: tunnelCommand, usage: tunnelUsage, summary: 'an SSH tunnel (-L, -R or -D SOCKS5) that reconnects by itself, until Ctrl+C' },
  forwards: { run: forwardsCommand, usage: forwardsUsage, summary: 'list saved forwards, run one in the foreground, or stop it' },
  exposure: { run: exposureCommand, usage: exposureUsage, summary: 'who can reach each listening port here: bind, host firewall rule, router mapping, verdict' },
  learn: { run: learnCommand, usage: learnUsage, summary: 'read the short explanations of ports, sockets, scanning...' },
  serve: { run: serveCommand, usage: serveUsage, summary: 'show the Portolan UI in a browser on 127.0.0.1' },
  settings: { run: settingsCommand, usage: settingsUsage, summary: "show the settings, or turn the desktop app's start at login on or off" },
};

/** The help text. */
export function helpText(): string {
  const lines = Object.values(COMMANDS).map((c) => `  ${c.usage}\n      ${c.summary}`);
  const desktop = '  portolan    (no arguments, installed app)\n      open the Portolan window; it keeps forwards, guards and listeners running in the tray';
  return `Portolan ${APP_VERSION}: a toolkit for network ports.\n\nUsage:\n${lines.join('\n')}\n\nDesktop app:\n${desktop}\n\nAdd --json to print machine-readable output.\n\n${EXIT_HELP}`;
}

/** Everything runCli needs besides the arguments. */
export type CliEnvironment = Omit<CliContext, 'args' | 'openApp'>;

/** Runs one invocation and returns its exit code; never calls process.exit (tests call this). */
export async function runCli(argv: string[], env: CliEnvironment): Promise<ExitCode> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    env.stdout(helpText());
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version' || name === '-v') {
    env.stdout(`${APP_VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    env.stderr(`portolan: unknown command "${name}".\n\n${helpText()}`);
    return EXIT.usage;
  }
  // Every command answers --help; those with a long help (listen, knock, guard) print it themselves.
  if ((args.includes('--help') || args.includes('-h')) && !['listen', 'knock', 'guard'].includes(name)) {
    env.stdout(`Usage: ${command.usage}\n  ${command.summary}\n`);
    return 0;
  }
  const ctx: CliContext = {
    ...env,
    args,
    openApp: async (transport) => {
      const app = await createApp({ assetsDir: env.assetsDir, dataDir: env.dataDir, transport, heartbeatMs: transport === 'web' ? 5000 : 0 });
      // A damaged or unreadable saved file is told on stderr, once per run, whatever the command.
      app.problems.follow((problem) => env.stderr(`portolan: ${problem}\n`));
      return app;
    },
  };
  try {
    return await command.run(ctx);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      env.stderr(`portolan ${name}: ${(err as Error).message}\nUsage: ${command.usage}\n`);
      return EXIT.usage;
    }
    if (err instanceof CliCallError) {
      env.stderr(`portolan ${name}: ${err.message}\n`);
      return exitCodeFor(err.code);
    }
    env.stderr(`portolan ${name}: ${(err as Error)?.message ?? String(err)}\n`);
    return EXIT.failed;
  }
}
