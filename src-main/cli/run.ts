/** The `portolan` command line: one subcommand per capability, each with --json where it prints data. */
import type { PortolanApp } from '../app/create-app.js';
import { APP_VERSION } from '../app/version.js';
import { CliCallError } from './commands/call.js';
import { EXIT, EXIT_HELP, exitCodeFor, SOCKET_READER_COMMAND, UsageError, type CliContext, type ExitCode } from './context.js';
import { USAGE, type CommandName } from './usage.js';

/** A subcommand's code, loaded when it runs: `portolan port 22` never compiles the scanner or the SSH client. */
type CommandLoader = () => Promise<(ctx: CliContext) => Promise<ExitCode>>;

/** Subcommands with their summary and how to load them; their usage lines are in usage.ts. */
const COMMANDS: Record<CommandName, { load: CommandLoader; summary: string }> = {
  port: { load: async () => (await import('./commands/port.js')).portCommand, summary: 'look a port up in the IANA dictionary and the curated notes' },
  sockets: { load: async () => (await import('./commands/sockets.js')).socketsCommand, summary: "list this machine's sockets and socket pairs with their processes, or follow them live" },
  listen: { load: async () => (await import('./commands/listen.js')).listenCommand, summary: 'listen on a TCP or UDP port and talk to peers, like nc -l (listen --help for details)' },
  connect: { load: async () => (await import('./commands/connect.js')).connectCommand, summary: 'connect to host:port over TCP, TLS or UDP and talk, like nc' },
  router: { load: async () => (await import('./commands/router.js')).routerCommand, summary: 'show the router and its port mappings; map a port through it (UPnP, NAT-PMP, PCP) or remove one' },
  scan: { load: async () => (await import('./commands/scan.js')).scanCommand, summary: 'scan TCP or UDP ports of hosts (connect scan, service detection), like nmap -sT / -sU' },
  knock: { load: async () => (await import('./commands/knock.js')).knockCommand, summary: "knock a port sequence on a host, like knockd's knock (knock --help for details)" },
  guard: { load: async () => (await import('./commands/knock.js')).guardCommand, summary: 'protect a new Portolan listener or a saved TCP forward behind a knock sequence until Ctrl+C (guard --help for details)' },
  forward: { load: async () => (await import('./commands/forward.js')).forwardCommand, summary: 'forward a local TCP or UDP port to host:port until Ctrl+C, printing each connection' },
  tunnel: { load: async () => (await import('./commands/tunnel.js')).tunnelCommand, summary: 'an SSH tunnel (-L, -R or -D SOCKS5) that reconnects by itself, until Ctrl+C' },
  forwards: { load: async () => (await import('./commands/forwards.js')).forwardsCommand, summary: 'list saved forwards, run one in the foreground, or stop it' },
  exposure: { load: async () => (await import('./commands/exposure.js')).exposureCommand, summary: 'who can reach each listening port here: bind, host firewall rule, router mapping, verdict' },
  learn: { load: async () => (await import('./commands/learn.js')).learnCommand, summary: 'read the short explanations of ports, sockets, scanning...' },
  serve: { load: async () => (await import('./commands/serve.js')).serveCommand, summary: 'show the Portolan UI in a browser on 127.0.0.1' },
  settings: { load: async () => (await import('./commands/settings.js')).settingsCommand, summary: "show the settings, or turn the desktop app's start at login on or off" },
};

const isCommand = (name: string): name is CommandName => Object.hasOwn(COMMANDS, name);

/** The help text. */
export function helpText(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${USAGE[name as CommandName]}\n      ${c.summary}`);
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
  // The socket reader on its own, speaking JSON lines on stdio: what sockets.elevate starts through
  // pkexec (engine/sockets/elevated-provider.ts). Not a command for people, so not in the help.
  if (name === SOCKET_READER_COMMAND) {
    const { runStdioSocketReader } = await import('../engine/sockets/socket-reader.js');
    await runStdioSocketReader(env.stdin ?? process.stdin, env.stdoutStream ?? process.stdout);
    return EXIT.ok;
  }
  if (!isCommand(name)) {
    env.stderr(`portolan: unknown command "${name}".\n\n${helpText()}`);
    return EXIT.usage;
  }
  const command = { ...COMMANDS[name], usage: USAGE[name] };
  // Every command answers --help; those with a long help (listen, knock, guard) print it themselves.
  if ((args.includes('--help') || args.includes('-h')) && !['listen', 'knock', 'guard'].includes(name)) {
    env.stdout(`Usage: ${command.usage}\n  ${command.summary}\n`);
    return 0;
  }
  const ctx: CliContext = {
    ...env,
    args,
    openApp: async (transport): Promise<PortolanApp> => {
      // serve parses every call for hours: zod's compiled parsers pay off there, not in one command.
      if (transport === 'direct') await import('./zod-config.js');
      const { createApp } = await import('../app/create-app.js');
      const app = await createApp({
        assetsDir: env.assetsDir,
        dataDir: env.dataDir,
        transport,
        heartbeatMs: transport === 'web' ? 5000 : 0,
        ...(env.socketReader ? { socketReader: { readerCommand: [...env.socketReader, SOCKET_READER_COMMAND] } } : {}),
      });
      // A damaged or unreadable saved file is told on stderr, once per run, whatever the command.
      app.problems.follow((problem) => env.stderr(`portolan: ${problem}\n`));
      return app;
    },
  };
  try {
    return await (await command.load())(ctx);
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
