/**
 * The firewall rules Portolan adds, and only in its own table `inet portolan`: a chain on the
 * input hook at priority -10 (before the usual filter chains at 0, so its drop is final) whose
 * rules each carry the comment `portolan:<id>`. Undo deletes the whole table: everything
 * Portolan added, and nothing else. The text is built here from checked values only, never from
 * a caller's string, so the elevated helper runs nothing it did not write itself.
 */
import { parseAddressSpec } from './address-set.js';

/** The table Portolan owns. */
export const PORTOLAN_TABLE = 'inet portolan';

/** What to do to a port. */
export interface FirewallAction {
  /** close: drop it from every other host; lan-only: drop it from hosts outside `networks`. */
  kind: 'close' | 'lan-only';
  protocol: 'tcp' | 'udp';
  port: number;
  /** lan-only: the networks allowed (CIDR), e.g. ["192.168.1.0/24", "fe80::/64"]. */
  networks?: string[];
}

/** A bad action: the message says what to fix. */
export class FirewallActionError extends Error {}

/** Checks an action from untrusted input; throws a sentence when it is wrong. */
export function checkAction(a: FirewallAction): FirewallAction {
  if (a.kind !== 'close' && a.kind !== 'lan-only') throw new FirewallActionError('The action is "close" or "lan-only".');
  if (a.protocol !== 'tcp' && a.protocol !== 'udp') throw new FirewallActionError('The protocol is tcp or udp.');
  if (!Number.isInteger(a.port) || a.port < 1 || a.port > 65535) throw new FirewallActionError('Ports go from 1 to 65535.');
  if (a.kind === 'lan-only') {
    const nets = a.networks ?? [];
    if (nets.length === 0) throw new FirewallActionError('Say which networks may still connect (for example 192.168.1.0/24).');
    for (const n of nets) if (!/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(n) || !parseAddressSpec(n)) throw new FirewallActionError(`"${n}" is not a network in CIDR form, such as 192.168.1.0/24.`);
  }
  return a;
}

/** The id of an action, written in each rule's comment. */
export function actionId(a: FirewallAction): string {
  return `${a.kind}-${a.protocol}-${a.port}`;
}

/** The rules (nft syntax, inside `table inet portolan` chain input) that carry out the action. */
export function actionRules(action: FirewallAction): string[] {
  const a = checkAction(action);
  const comment = `comment "portolan:${actionId(a)}"`;
  // Loopback stays open: closing to the network never cuts this machine's own clients off.
  if (a.kind === 'close') return [`iifname != "lo" ${a.protocol} dport ${a.port} drop ${comment}`];
  const v4 = (a.networks ?? []).filter((n) => parseAddressSpec(n)!.family === 4);
  const v6 = (a.networks ?? []).filter((n) => parseAddressSpec(n)!.family === 6);
  const rule = (fam: 'ip' | 'ip6', nets: string[]) =>
    nets.length ? `iifname != "lo" ${fam} saddr != { ${nets.join(', ')} } ${a.protocol} dport ${a.port} drop ${comment}` : `iifname != "lo" meta nfproto ${fam === 'ip' ? 'ipv4' : 'ipv6'} ${a.protocol} dport ${a.port} drop ${comment}`;
  return [rule('ip', v4), rule('ip6', v6)];
}

/** The nft script that creates Portolan's table and chain (if missing) and adds the rules. */
export function applyScript(action: FirewallAction): string {
  const rules = actionRules(action);
  return [
    `add table ${PORTOLAN_TABLE}`,
    `add chain ${PORTOLAN_TABLE} input { type filter hook input priority -10; policy accept; }`,
    ...rules.map((r) => `add rule ${PORTOLAN_TABLE} input ${r}`),
    '',
  ].join('\n');
}

/** The nft script that removes everything Portolan added. */
export const UNDO_SCRIPT = `delete table ${PORTOLAN_TABLE}\n`;
