/** Schemas describing the engine and the machine it runs on. */
import * as z from 'zod';

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
