/**
 * The one-line usage of every subcommand. Kept apart from the commands themselves so that
 * `portolan --help` and a wrong command line print them without loading any command's code.
 */
export const USAGE = {
  port: 'portolan port <number | range | name | words> [--json] [--page N] [--check [--udp] [--host ADDR]]',
  sockets: 'portolan sockets [--json] [--listening] [--watch [--interval MS]] | --pairs [--json] | --close ID|LOCAL_PORT:REMOTE_PORT [--json] | --end PID [--force] [--json]',
  listen: 'portolan listen <port> [--udp] [--host 127.0.0.1] [--echo | --discard | --http | --banner TEXT] [--broadcast] [--json]',
  connect: 'portolan connect <host> <port> [--udp] [--tls [--servername NAME] [--alpn h2,http/1.1]] [--timeout MS] [--json]',
  router: 'portolan router info [--json] | list [--json] | add <external-port> <internal-host>:<internal-port> [--tcp|--udp] [--lease SECONDS] [--via upnp|natpmp|pcp] [--description TEXT] [--json] | remove <external-port> [--tcp|--udp]',
  scan: 'portolan scan <targets> [-p PORTS] [--udp] [--service] [--timing 0-5] [--rate N] [--yes] [--json] [--export xml|csv|json [--out FILE]]',
  knock: 'portolan knock <host> <port[:tcp|udp]>... [-u] [-d MS] [-4|-6] [--then-check PORT] [--json]',
  guard: 'portolan guard --sequence 7000,8000:udp,9000 (--listen PORT [--host 127.0.0.1] [--responder echo|http|discard] | --forward NAME) [--window SECONDS] [--open-for SECONDS] [--run PATH [--arg ARG]...] [--json]',
  forward: 'portolan forward [<listen-host>:]<listen-port> <target-host>:<target-port> [--udp] [--allow CIDR]... [--name NAME] [--json]',
  tunnel: 'portolan tunnel ssh (-L [bind:]port:host:hostport | -R [bind:]port:host:hostport | -D [bind:]port) [user@]host|alias [-p 22] [-l user] [-i keyfile] [-J [user@]jump[:port]] [-o Key=Value]... [--accept-host-key SHA256:...] [--allow CIDR]... [--json]',
  forwards: 'portolan forwards list [--json] | forwards show <name> [--as-command] [--json] | forwards start <name> [--accept-host-key SHA256:...] [--json] | forwards stop <name>',
  exposure: 'portolan exposure [--json] [--why] [--no-router] | --diff [--json] (exit 1: something new is exposed since the baseline) | baseline [--clear] | close <port> [--udp] [--lan-only [--network CIDR]...] [--yes] | undo [--yes] | rules',
  learn: 'portolan learn [concept] [--json]',
  serve: 'portolan serve [--host 127.0.0.1] [--port 0] [--no-open]',
  settings: 'portolan settings [--start-at-login on|off] [--json]',
} as const;

/** A subcommand's name. */
export type CommandName = keyof typeof USAGE;
