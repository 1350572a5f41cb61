/** Schemas of the port dictionary: look-ups, port cards and the live bind check. */
import * as z from 'zod';
import type { CallSpec } from './call-spec.js';

/** A TCP/UDP port number, 0-65535. */
export const PortNumber = z.number().int().min(0).max(65535);

/** Transport protocols IANA assigns ports for. */
export const Protocol = z.enum(['tcp', 'udp', 'sctp', 'dccp']);
export type Protocol = z.infer<typeof Protocol>;

/** IANA's three ranges of port numbers (RFC 6335). */
export const RangeCategory = z.enum(['well-known', 'registered', 'dynamic']);
export type RangeCategory = z.infer<typeof RangeCategory>;

/** One IANA assignment of a port for one protocol. */
export const Assignment = z.object({
  protocol: Protocol,
  name: z.string(),
  description: z.string(),
});
export type Assignment = z.infer<typeof Assignment>;

/** A widely used port that IANA did not assign to that use, with where the fact comes from. */
export const UnofficialUse = z.object({
  protocols: z.array(z.enum(['tcp', 'udp'])),
  service: z.string(),
  description: z.string(),
  source: z.string(),
});
export type UnofficialUse = z.infer<typeof UnofficialUse>;

/** A warning about exposing the service usually found on a port. */
export const SecurityNote = z.object({
  severity: z.enum(['info', 'warning', 'critical']),
  text: z.string(),
  source: z.string(),
});
export type SecurityNote = z.infer<typeof SecurityNote>;

/** A look-up: a number ("443"), a name ("ssh"), free text ("time") or a range ("0-1023", "49152-"). */
export const LookupQuery = z.object({
  query: z.string().trim().min(1, 'Type a port number, a service name, a word or a range such as 0-1023.').max(200),
  page: z.number().int().min(0).default(0),
  pageSize: z.number().int().min(1).max(500).default(50),
});
export type LookupQuery = z.input<typeof LookupQuery>;

/** One row of a look-up result: a port with its best-matching names. */
export const PortSummary = z.object({
  port: PortNumber,
  category: RangeCategory,
  names: z.array(z.string()),
  description: z.string(),
  protocols: z.array(Protocol),
  unofficial: z.array(z.string()),
  risky: z.boolean(),
});
export type PortSummary = z.infer<typeof PortSummary>;

/** What kind of query the engine understood the text as. */
export const QueryKind = z.enum(['number', 'range', 'name', 'text']);

/** A page of look-up results, ranked best first. */
export const LookupResult = z.object({
  query: z.string(),
  kind: QueryKind,
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
  items: z.array(PortSummary),
  tookMs: z.number(),
});
export type LookupResult = z.infer<typeof LookupResult>;

/** Asks for one port's card. */
export const CardQuery = z.object({ port: PortNumber });
export type CardQuery = z.input<typeof CardQuery>;

/** Everything known about one port number. */
export const PortCard = z.object({
  port: PortNumber,
  category: RangeCategory,
  categoryExplained: z.string(),
  assignments: z.array(Assignment),
  protocolNote: z.string(),
  ephemeral: z.object({
    inRange: z.boolean(),
    low: PortNumber,
    high: PortNumber,
    source: z.string(),
  }),
  unofficial: z.array(UnofficialUse),
  security: z.array(SecurityNote),
  privileged: z.boolean(),
});
export type PortCard = z.infer<typeof PortCard>;

/** Asks whether this machine could listen on a port right now. */
export const BindCheckQuery = z.object({
  port: PortNumber,
  protocol: z.enum(['tcp', 'udp']).default('tcp'),
  host: z.string().min(1).max(255).default('127.0.0.1'),
});
export type BindCheckQuery = z.input<typeof BindCheckQuery>;

/** The answer of a bind check: free, in use (by whom when known), needs privileges, or another error. */
export const BindCheckResult = z.object({
  port: PortNumber,
  protocol: z.enum(['tcp', 'udp']),
  host: z.string(),
  status: z.enum(['free', 'in-use', 'needs-privileges', 'unavailable']),
  message: z.string(),
  holder: z.object({ pid: z.number().int().optional(), process: z.string().optional() }).optional(),
});
export type BindCheckResult = z.infer<typeof BindCheckResult>;

/** The dictionary part of the contract's call table (spread into `calls` of api.ts). */
export const dictionaryCalls = {
  /** Looks ports up by number, range, service name or free text; ranked and paged. */
  'dictionary.lookup': {
    input: LookupQuery,
    output: LookupResult,
    doc: 'Look ports up by number ("443"), range ("0-1023", "49152-"), service name ("ssh") or words ("time").',
  },
  /** Everything known about one port: IANA assignments, range, ephemeral range, unofficial uses, risks. */
  'dictionary.card': {
    input: CardQuery,
    output: PortCard,
    doc: "One port's card: IANA names per protocol, range category, unofficial uses and security notes.",
  },
  /** Tries to bind the port now and reports free, in use (and by whom) or needs privileges. */
  'dictionary.bindCheck': {
    input: BindCheckQuery,
    output: BindCheckResult,
    doc: 'Check whether this machine can listen on a port right now.',
  },
  /** Dictionary summaries of many ports at once (tables of sockets or scan results); null where the dictionary has nothing. */
  'dictionary.summaries': {
    input: z.object({ ports: z.array(z.number().int().min(0).max(65535)).max(5000) }),
    output: z.record(z.string(), PortSummary.nullable()),
    doc: 'The dictionary summary (names, description, risk) of each port, in one call.',
  },
} as const satisfies Record<string, CallSpec>;
