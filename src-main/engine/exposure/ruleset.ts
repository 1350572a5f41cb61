/**
 * One model of a host firewall's input path, whichever tool wrote it: nftables' JSON
 * (`nft -j list ruleset`, which also shows iptables-nft, ufw and firewalld rules) and
 * `iptables-save` text both parse to these chains, and one evaluator walks them.
 */
import type { AddressSet, IpFamily } from './address-set.js';

/** Where a base chain is attached, in the order a packet arriving for this host meets them. */
export type Hook = 'ingress' | 'prerouting' | 'input';

/**
 * A match of a rule. `negate` inverts it (nft's `!=`, iptables' `!`). What the evaluator cannot
 * decide for a packet (marks, xt matches, tcp flags...) is `opaque`, naming what it uses.
 */
export type Cond =
  | { kind: 'iif'; negate: boolean; names: string[]; text: string }
  | { kind: 'addr'; field: 'saddr' | 'daddr'; negate: boolean; family: IpFamily; set: AddressSet; text: string }
  | { kind: 'l4proto'; negate: boolean; protos: string[]; text: string }
  | { kind: 'port'; field: 'dport' | 'sport'; proto: string; negate: boolean; ranges: Array<[number, number]>; text: string }
  | { kind: 'ctstate'; negate: boolean; states: string[]; text: string }
  | { kind: 'nfproto'; negate: boolean; families: IpFamily[]; text: string }
  | { kind: 'daddrtype'; negate: boolean; types: string[]; text: string }
  | { kind: 'pkttype'; negate: boolean; types: string[]; text: string }
  /** A reverse-path check (firewalld's `fib saddr . iif oif missing`): true for a packet whose source routes back. */
  | { kind: 'rpf-missing'; negate: boolean; text: string }
  /** Matches the first packets of a flow (rate limits not yet reached): `limit rate 3/minute`. */
  | { kind: 'always'; text: string }
  /** The opposite: `limit rate over ...` does not match a first packet. */
  | { kind: 'never'; text: string }
  /** `impliesProto`: a transport-header field (tcp flags): false for a packet of another protocol. */
  | { kind: 'opaque'; what: string; text: string; impliesProto?: string };

/** What a rule does when it matches. */
export type Verdict =
  | { kind: 'accept' | 'drop' | 'reject' | 'return' | 'continue' }
  | { kind: 'jump' | 'goto'; target: string }
  /** Per-key verdicts (nft `vmap`): the key is a match like any other. */
  | { kind: 'vmap'; entries: Array<{ cond: Cond; verdict: Verdict }> }
  | { kind: 'opaque'; what: string };

/** One rule, with where it is for people: its position in the chain (1-based) and nft handle. */
export interface Rule {
  position: number;
  handle?: number;
  conds: Cond[];
  verdict: Verdict;
  /** The rule as nft or iptables-save writes it, for reasons. */
  text: string;
}

/** A chain; base chains carry their hook, priority and policy. */
export interface Chain {
  /** `family table name`, e.g. "inet filter input". */
  id: string;
  family: string;
  table: string;
  name: string;
  base?: { hook: Hook; type: string; priority: number; policy: 'accept' | 'drop'; device?: string };
  rules: Rule[];
}

/** A whole ruleset: chains by id, and where it came from. */
export interface Ruleset {
  chains: Map<string, Chain>;
  /** E.g. "nftables 1.0.6", "iptables-save (legacy)". */
  sources: string[];
}

/** The id of a chain. */
export const chainId = (family: string, table: string, name: string): string => `${family} ${table} ${name}`;

/** Writes a verdict the way nft does. */
export function verdictText(v: Verdict): string {
  switch (v.kind) {
    case 'jump':
    case 'goto':
      return `${v.kind} ${v.target}`;
    case 'vmap':
      return `vmap { ${v.entries.map((e) => `${e.cond.text} : ${verdictText(e.verdict)}`).join(', ')} }`;
    case 'opaque':
      return v.what;
    case 'continue':
      return '';
    default:
      return v.kind;
  }
}
