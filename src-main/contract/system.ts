/** Schemas describing the engine and the machine it runs on. */
import * as z from 'zod';
import { Empty, type CallSpec } from './call-spec.js';

/** Facts about the running engine and this machine. */
export const SystemInfo = z.object({
  version: z.string(),
  platform: z.string(),
  hostname: z.string(),
  node: z.string(),
  /** Which face the engine serves: the desktop window, the browser (serve) or tests. */
  transport: z.enum(['ipc', 'web', 'direct']),
  ephemeral: z.object({ low: z.number().int(), high: z.number().int(), source: z.string() }),
  dictionarySize: z.number().int(),
});
export type SystemInfo = z.infer<typeof SystemInfo>;

/** A heartbeat, so that a client can tell a live engine from a stalled connection. */
export const Heartbeat = z.object({ at: z.number(), uptimeMs: z.number() });
export type Heartbeat = z.infer<typeof Heartbeat>;

/** Facts about this machine and its resolver: that part of the contract's call table (spread into `calls` of api.ts). */
export const systemCalls = {
  /** Facts about the engine and this machine. */
  'system.info': {
    input: Empty,
    output: SystemInfo,
    doc: 'Facts about the engine and this machine (version, platform, ephemeral port range).',
  },
  /** Host names of addresses (reverse DNS), cached; null where an address has none. */
  'dns.reverse': {
    input: z.object({ addresses: z.array(z.string().max(64)).max(500) }),
    output: z.record(z.string(), z.string().nullable()),
    doc: 'Reverse DNS names of addresses (asynchronous, cached, 2 s limit each).',
  },
  /** The addresses a host name resolves to on this machine (IPv4 first); ENOTFOUND with the resolver's code, or ETIMEDOUT after 3 s. */
  'dns.resolve': {
    input: z.object({ host: z.string().trim().min(1, 'Give a host: an IP address or a name.').max(255) }),
    output: z.object({ addresses: z.array(z.string()) }),
    doc: "The addresses a host name resolves to here, through this machine's resolver (/etc/hosts, then DNS; 3 s limit); an IP address is its own answer.",
  },
} as const satisfies Record<string, CallSpec>;

/** The system part of the contract's event table. */
export const systemEvents = {
  /** Sent every few seconds so that clients can show the engine connection as live. */
  'system.heartbeat': Heartbeat,
} as const;
