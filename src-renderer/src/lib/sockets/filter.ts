/**
 * The socket table's filter language: free words plus `key:value` terms, combined with spaces
 * (every term must match). A value may list alternatives with commas (`state:listen,established`),
 * ports may be ranges (`port:1-1023`), and a leading `-` negates a term (`-state:time_wait`).
 */
import type { SocketRow } from '../../../../src-main/contract/sockets.js';

/** The keys the filter understands, with what each one matches. */
export const FILTER_KEYS = {
  proto: 'tcp, udp (both families) or tcp6, udp6',
  state: 'part of the state: listen, established, time_wait…',
  port: 'local or remote port, or a range 1-1023',
  lport: 'local port or range',
  rport: 'remote port or range',
  pid: 'process id',
  process: 'part of the process name',
  user: 'part of the user name',
  addr: 'part of the local or remote address (or its host name)',
} as const;
export type FilterKey = keyof typeof FILTER_KEYS;

/** What free words are matched against besides the row itself: service and host names. */
export interface MatchContext {
  serviceName(port: number): string | undefined;
  hostName(address: string): string | undefined;
}

/** One term of a filter. */
export interface FilterTerm {
  key: FilterKey | 'text';
  value: string;
  negate: boolean;
  test: (row: SocketRow, ctx: MatchContext) => boolean;
}

/** A parsed filter: its terms, and sentences about the parts it could not use. */
export interface ParsedFilter {
  terms: FilterTerm[];
  problems: string[];
  /** True when a free word is present (its matches depend on service and host names). */
  hasText: boolean;
}

const TOKEN = /-?(?:[A-Za-z]+:)?(?:"[^"]*"?|\S+)/g;

function unquote(value: string): string {
  return value.replace(/^"|"$/g, '');
}

/** Parses a port, a range "a-b", "a-" or "-b"; null when it is neither. */
function portRange(text: string): [number, number] | null {
  const m = /^(\d{1,5})?(-)?(\d{1,5})?$/.exec(text);
  if (!m || (!m[1] && !m[3])) return null;
  const low = m[1] ? Number(m[1]) : 0;
  const high = m[2] ? (m[3] ? Number(m[3]) : 65535) : low;
  if (high > 65535 || low > high) return null;
  return [low, high];
}

const has = (haystack: string | undefined, needle: string) => haystack !== undefined && haystack.toLowerCase().includes(needle);

/** A row's own text for free words (cached per row object: rows are immutable). */
const rowText = new WeakMap<SocketRow, string>();
function textOf(row: SocketRow): string {
  let text = rowText.get(row);
  if (text === undefined) {
    text = [
      row.proto,
      `${row.localAddress}:${row.localPort}`,
      `${row.remoteAddress}:${row.remotePort}`,
      row.state,
      row.pid ?? '',
      row.process ?? '',
      row.user ?? '',
      row.ownedBy ? `portolan ${row.ownedBy}` : '',
    ]
      .join(' ')
      .toLowerCase();
    rowText.set(row, text);
  }
  return text;
}

function termTest(key: FilterKey, values: string[], problems: string[]): FilterTerm['test'] | null {
  const lower = values.map((v) => v.toLowerCase());
  switch (key) {
    case 'proto': {
      const bad = lower.filter((v) => !/^(tcp|udp)6?$/.test(v));
      if (bad.length) {
        problems.push(`proto: "${bad.join(',')}" is not tcp, udp, tcp6 or udp6.`);
        return null;
      }
      return (row) => lower.some((v) => (v.endsWith('6') ? row.proto === v : row.proto.startsWith(v)));
    }
    case 'state': {
      const wanted = lower.map((v) => v.replace(/-/g, '_'));
      return (row) => wanted.some((v) => row.state.toLowerCase().includes(v));
    }
    case 'port':
    case 'lport':
    case 'rport': {
      const ranges = lower.map(portRange);
      if (ranges.some((r) => r === null)) {
        problems.push(`${key}: "${values.join(',')}" is not a port number or a range such as 1-1023.`);
        return null;
      }
      const inAny = (port: number) => ranges.some((r) => port >= r![0] && port <= r![1]);
      if (key === 'lport') return (row) => inAny(row.localPort);
      if (key === 'rport') return (row) => row.remotePort !== 0 && inAny(row.remotePort);
      return (row) => inAny(row.localPort) || (row.remotePort !== 0 && inAny(row.remotePort));
    }
    case 'pid': {
      if (lower.some((v) => !/^\d+$/.test(v))) {
        problems.push(`pid: "${values.join(',')}" is not a process id.`);
        return null;
      }
      const pids = lower.map(Number);
      return (row) => row.pid !== undefined && pids.includes(row.pid);
    }
    case 'process':
      return (row) => lower.some((v) => has(row.process, v));
    case 'user':
      return (row) => lower.some((v) => has(row.user, v));
    case 'addr':
      return (row, ctx) =>
        lower.some(
          (v) =>
            has(row.localAddress, v) || has(row.remoteAddress, v) || has(ctx.hostName(row.localAddress), v) || has(ctx.hostName(row.remoteAddress), v),
        );
  }
}

function textTest(word: string): FilterTerm['test'] {
  const w = word.toLowerCase();
  return (row, ctx) =>
    textOf(row).includes(w) ||
    has(ctx.serviceName(row.localPort), w) ||
    (row.remotePort !== 0 && has(ctx.serviceName(row.remotePort), w)) ||
    has(ctx.hostName(row.remoteAddress), w);
}

/** Parses the text of the filter box. Terms it cannot use are reported and left out. */
export function parseFilter(text: string): ParsedFilter {
  const terms: FilterTerm[] = [];
  const problems: string[] = [];
  for (const token of text.match(TOKEN) ?? []) {
    const negate = token.length > 1 && token.startsWith('-');
    const body = negate ? token.slice(1) : token;
    const m = /^([A-Za-z]+):(.*)$/.exec(body);
    const key = m?.[1]?.toLowerCase();
    if (m && key && key in FILTER_KEYS) {
      const values = unquote(m[2]!)
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
      if (!values.length) {
        problems.push(`${key}: needs a value, e.g. ${key}:${key === 'proto' ? 'udp' : key === 'state' ? 'listen' : key.endsWith('port') ? '443' : '…'}.`);
        continue;
      }
      const test = termTest(key as FilterKey, values, problems);
      if (test) terms.push({ key: key as FilterKey, value: values.join(','), negate, test });
      continue;
    }
    // "fe80::1" and "127.0.0.1:8080" are words, not keys; "prot:tcp" is a typo worth a hint.
    if (m && key && !/^[0-9a-f]+$/.test(key) && m[2]) {
      problems.push(`Unknown filter "${key}:"; known: ${Object.keys(FILTER_KEYS).join(', ')}.`);
    }
    const word = unquote(body);
    if (word) terms.push({ key: 'text', value: word, negate, test: textTest(word) });
  }
  return { terms, problems, hasText: terms.some((t) => t.key === 'text') };
}

/** True when the row passes every term of the filter. */
export function matchesFilter(row: SocketRow, filter: ParsedFilter, ctx: MatchContext): boolean {
  for (const term of filter.terms) if (term.test(row, ctx) === term.negate) return false;
  return true;
}

/** Listening sockets: TCP LISTEN and unconnected UDP sockets (what `ss -l` lists). */
export function isListening(row: SocketRow): boolean {
  return row.state === 'LISTEN' || (row.proto.startsWith('udp') && row.state === 'UNCONN');
}

/** Addresses of the loopback interface: 127.0.0.0/8 and ::1, also IPv4-mapped. */
export function isLoopback(address: string): boolean {
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\./.test(a);
}
