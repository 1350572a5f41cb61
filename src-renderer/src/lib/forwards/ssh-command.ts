/**
 * The forward form and ssh command lines: a pasted `ssh -L ...` fills the form (one of its
 * forwards, chosen by the user when there are several), and a forward is copied as the ssh (or
 * socat) command that does the same. The reading and writing of the line itself is the
 * contract's (contract/ssh-command.ts), shared with the CLI.
 */
import type { ForwardSpec, SshHostAlias } from '../../../../src-main/contract/forwards.js';
import { formatJump, forwardCommand, parseSshCommand, type SshCommand } from '../../../../src-main/contract/ssh-command.js';
import type { ForwardForm } from './form.js';

export { parseSshCommand, type SshCommand };

/**
 * The form filled from a pasted command's forward number `index`: kind, listen and target, the
 * SSH server, port, user, key file, jump host and keep-alive. What the line does not say stays as
 * in `base` (a user name left out keeps the one typed); the name goes back to following the route.
 */
export function formFromCommand(command: SshCommand, index: number, base: ForwardForm): ForwardForm {
  const f = command.forwards[index] ?? command.forwards[0]!;
  return {
    ...base,
    kind: f.kind,
    name: '',
    listenHost: f.listenHost,
    listenPort: String(f.listenPort),
    targetHost: f.targetHost ?? base.targetHost,
    targetPort: f.targetPort !== undefined ? String(f.targetPort) : base.targetPort,
    sshHost: command.host,
    sshPort: String(command.port ?? 22),
    sshUser: command.user ?? base.sshUser,
    ...(command.identityFile ? { sshAuth: 'key' as const, keyPath: command.identityFile } : {}),
    jump: command.jump ? formatJump(command.jump) : '',
    keepaliveSec: command.keepaliveSec !== undefined ? String(command.keepaliveSec) : base.keepaliveSec,
  };
}

/** What a pasted line would fill, in a few words, for the paste box ("SSH -L 8080 → db:5432 via me@bastion"). */
export function commandSummary(command: SshCommand, index: number): string {
  const f = command.forwards[index] ?? command.forwards[0]!;
  const server = `${command.user ? `${command.user}@` : ''}${command.host}${command.port && command.port !== 22 ? `:${command.port}` : ''}`;
  const jump = command.jump ? ` through ${formatJump(command.jump)}` : '';
  return `-${f.flag} ${f.text} via ${server}${jump}`;
}

/** The command line of a saved forward: ssh for tunnels, socat for local TCP and UDP forwards. */
export function commandOf(spec: ForwardSpec): { tool: 'ssh' | 'socat'; line: string } {
  return { tool: spec.kind === 'tcp' || spec.kind === 'udp' ? 'socat' : 'ssh', line: forwardCommand(spec) };
}

/**
 * The form's user, port and jump host from a chosen ~/.ssh/config alias, where the form has none
 * of its own yet; null when there is nothing to fill. (The engine also resolves the alias when the
 * tunnel connects: HostName, Port, IdentityFile and ProxyJump.)
 */
export function aliasFill(form: ForwardForm, alias: SshHostAlias | undefined): Partial<ForwardForm> | null {
  if (!alias) return null;
  const patch: Partial<ForwardForm> = {};
  if (alias.user && !form.sshUser.trim()) patch.sshUser = alias.user;
  if (alias.port && form.sshPort.trim() === '22' && alias.port !== 22) patch.sshPort = String(alias.port);
  if (alias.proxyJump && !form.jump.trim() && !alias.proxyJump.includes(',')) patch.jump = alias.proxyJump;
  return Object.keys(patch).length ? patch : null;
}

/** A line under the SSH host field saying where an alias leads. */
export function aliasNote(alias: SshHostAlias): string {
  const where = `${alias.user ? `${alias.user}@` : ''}${alias.hostName}${alias.port && alias.port !== 22 ? `:${alias.port}` : ''}`;
  const parts = [`~/.ssh/config: ${alias.alias} is ${where}`];
  if (alias.proxyJump) parts.push(`through ${alias.proxyJump}`);
  if (alias.identityFile) parts.push(`key ${alias.identityFile}`);
  return parts.join(', ');
}
