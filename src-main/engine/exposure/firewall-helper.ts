/**
 * Applies and undoes Portolan's firewall rules (firewall-rules.ts) with nft, elevated through
 * pkexec when this process is not root: the polkit prompt names nft, and the script nft reads
 * was written by Portolan from a checked action (the view and the CLI show it, and ask, first).
 * Everything happens in the table `inet portolan`; undo deletes that table and nothing else.
 */
import { execFile } from 'node:child_process';
import { applyScript, actionRules, checkAction, PORTOLAN_TABLE, UNDO_SCRIPT, type FirewallAction } from './firewall-rules.js';

/** Runs a program with optional standard input; resolves its stdout, rejects with its stderr. */
export type RunWithInput = (file: string, args: string[], input?: string) => Promise<string>;

/** Runs a program without a shell, feeding `input` on stdin. */
export const runWithInput: RunWithInput = (file, args, input) =>
  new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: 120000, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(new Error(String(stderr || err.message).trim()), { code: (err as NodeJS.ErrnoException).code }));
      else resolve(stdout);
    });
    child.stdin?.end(input ?? '');
  });

/** How rules get applied here: directly as root, through pkexec, or not at all (with why). */
export type Elevation = { via: 'root' | 'pkexec' } | { via: 'none'; reason: string };

/** Finds how this process can change the firewall. */
export async function elevation(run: RunWithInput = runWithInput, platform = process.platform, uid = process.getuid?.()): Promise<Elevation> {
  if (platform !== 'linux') return { via: 'none', reason: `Portolan changes the firewall on Linux (nftables) only; on ${platform} use the system's firewall settings` };
  if (uid === 0) return { via: 'root' };
  try {
    await run('pkexec', ['--version']);
    return { via: 'pkexec' };
  } catch {
    return { via: 'none', reason: 'pkexec (polkit) is not installed: install policykit-1, or run "sudo portolan exposure close ..."' };
  }
}

async function nft(script: string, how: Elevation, run: RunWithInput): Promise<void> {
  if (how.via === 'none') throw new Error(how.reason);
  const nftArgs = ['-f', '-'];
  try {
    if (how.via === 'root') await run('nft', nftArgs, script);
    else await run('pkexec', ['nft', ...nftArgs], script);
  } catch (err) {
    const msg = (err as Error).message;
    // pkexec exits 126 when the user dismissed the prompt and 127 when not authorized.
    if (/dismissed|Not authorized|126|127/i.test(msg) && how.via === 'pkexec') throw new Error('The firewall was not changed: the administrator password was not given.');
    throw new Error(`nft refused the change: ${msg}`);
  }
}

/** Adds the action's rules to Portolan's table (creating it); resolves with the rules added. */
export async function applyAction(action: FirewallAction, how: Elevation, run: RunWithInput = runWithInput): Promise<string[]> {
  checkAction(action);
  await nft(applyScript(action), how, run);
  return actionRules(action);
}

/** Deletes Portolan's table, with every rule it added; resolves false when there was none. */
export async function undoAll(how: Elevation, run: RunWithInput = runWithInput): Promise<boolean> {
  try {
    await nft(UNDO_SCRIPT, how, run);
    return true;
  } catch (err) {
    if (/No such file or directory/i.test((err as Error).message)) return false;
    throw err;
  }
}

/** Portolan's rules now (text as nft lists them), or undefined when the ruleset cannot be read without privileges. */
export async function ownRules(run: RunWithInput = runWithInput): Promise<string[] | undefined> {
  let text: string;
  try {
    text = await run('nft', ['list', 'table', ...PORTOLAN_TABLE.split(' ')]);
  } catch (err) {
    return /No such file|does not exist/i.test((err as Error).message) ? [] : undefined;
  }
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /comment "portolan:/.test(l));
}
