/**
 * Reads this Linux machine's firewall: nftables through `nft -j list ruleset` (which includes
 * the tables iptables-nft, ufw and firewalld make), and iptables where nft's JSON cannot show it:
 * tables with iptables-nft's opaque "xt" matches are replaced by their `iptables-nft-save`
 * text, and legacy iptables tables (`iptables-legacy-save`) are added, as they run beside nft.
 */
import { execFile } from 'node:child_process';
import { parseIptablesSave } from './iptables-save.js';
import { parseNftJson } from './nft-json.js';
import type { Chain, Ruleset } from './ruleset.js';

/** Runs a program; resolves its stdout, rejects with its stderr or the spawn error. */
export type RunCommand = (file: string, args: string[]) => Promise<string>;

/** The machine's ruleset, or why it could not be read. */
export type FirewallReading = { ok: true; ruleset: Ruleset; notes: string[] } | { ok: false; reason: string };

/** Runs a command with a time limit, without a shell. */
export const runCommand: RunCommand = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 10000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(new Error(String(stderr || err.message).trim()), { code: (err as NodeJS.ErrnoException).code }));
      else resolve(stdout);
    });
  });

const hasXt = (chain: Chain) =>
  chain.rules.some((r) => r.conds.some((c) => c.kind === 'opaque' && c.text.startsWith('xt ')) || (r.verdict.kind === 'opaque' && r.verdict.what.startsWith('the iptables target')));

/** Replaces or adds the chains of `extra` (whole tables at once). */
export function mergeTables(base: Ruleset, extra: Ruleset, replace: boolean): Ruleset {
  const tables = new Set([...extra.chains.values()].map((c) => `${c.family} ${c.table}`));
  const chains = new Map<string, Chain>();
  for (const [id, c] of base.chains) if (!(replace && tables.has(`${c.family} ${c.table}`))) chains.set(id, c);
  for (const [id, c] of extra.chains) {
    // Legacy tables beside nft ones of the same name are different tables in the kernel.
    chains.set(replace || !base.chains.has(id) ? id : `${id} (legacy)`, c);
  }
  return { chains, sources: [...base.sources, ...extra.sources] };
}

async function tryRun(run: RunCommand, file: string, args: string[]): Promise<string | undefined> {
  try {
    return await run(file, args);
  } catch {
    return undefined;
  }
}

/** Reads the ruleset with the given runner (tests pass recorded outputs). */
export async function readLinuxFirewall(run: RunCommand = runCommand): Promise<FirewallReading> {
  const notes: string[] = [];
  let ruleset: Ruleset | undefined;
  let nftError = '';
  try {
    ruleset = parseNftJson(await run('nft', ['-j', 'list', 'ruleset']));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    nftError = e.code === 'ENOENT' ? 'nft is not installed' : e.message;
  }
  if (ruleset && [...ruleset.chains.values()].some(hasXt)) {
    // iptables-nft rules with matches nft's JSON shows only as "xt": read them as iptables writes them.
    for (const [file, family] of [['iptables-nft-save', 4], ['ip6tables-nft-save', 6]] as const) {
      const text = (await tryRun(run, file, [])) ?? (await tryRun(run, file.replace('-nft', ''), []));
      if (text && /nf_tables/.test(text)) ruleset = mergeTables(ruleset, parseIptablesSave(text, family, `${file}`), true);
      else if (family === 4) notes.push('Some rules were made by iptables-nft with matches nft cannot show, and iptables-nft-save is not installed to read them.');
    }
  }
  for (const [file, family] of [['iptables-legacy-save', 4], ['ip6tables-legacy-save', 6]] as const) {
    const text = await tryRun(run, file, []);
    if (text && /^-A /m.test(text)) {
      const legacy = parseIptablesSave(text, family, `${file}`);
      ruleset = ruleset ? mergeTables(ruleset, legacy, false) : legacy;
    }
  }
  if (!ruleset) {
    // No nft: plain iptables-save may still be legacy iptables.
    for (const [file, family] of [['iptables-save', 4], ['ip6tables-save', 6]] as const) {
      const text = await tryRun(run, file, []);
      if (text !== undefined) {
        const parsed = parseIptablesSave(text, family, file);
        ruleset = ruleset ? mergeTables(ruleset, parsed, false) : parsed;
      }
    }
  }
  if (!ruleset) {
    const why = /permission|not permitted/i.test(nftError)
      ? 'reading the firewall needs root (nft says "Operation not permitted"): run "sudo portolan exposure", or start Portolan as root once to see it'
      : `neither nft nor iptables-save could be read (${nftError || 'not installed'})`;
    return { ok: false, reason: why };
  }
  return { ok: true, ruleset, notes };
}
