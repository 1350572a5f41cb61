/**
 * Where each call's schemas live, loaded on first use. The whole table (`calls` of api.ts) builds
 * every schema of every area, about 30 ms and several MiB at each start; dispatch needs only the
 * schema of the call it runs, so it asks here and builds that call's area alone. A CLI command
 * then builds the schemas of its own calls (`portolan port 22` the dictionary's), and the desktop
 * app builds each area when a view first calls it. A unit test checks that every call resolves to
 * the very entry `calls` holds.
 */
import type { CallSpec } from './call-spec.js';
import type { CallName } from './api.js';

/** One area's part of the call table, by name. */
type AreaTable = Readonly<Record<string, CallSpec>>;

/** The area file of each call-name prefix (the part before the first dot). */
const AREAS: Readonly<Record<string, () => Promise<AreaTable>>> = {
  dictionary: async () => (await import('./dictionary.js')).dictionaryCalls,
  learn: async () => (await import('./learn.js')).learnCalls,
  system: async () => (await import('./system.js')).systemCalls,
  dns: async () => (await import('./system.js')).systemCalls,
  settings: async () => (await import('./settings.js')).settingsCalls,
  sockets: async () => (await import('./sockets.js')).socketCalls,
  processes: async () => (await import('./sockets.js')).socketCalls,
  listeners: async () => (await import('./sessions.js')).sessionCalls,
  sessions: async () => (await import('./sessions.js')).sessionCalls,
  router: async () => (await import('./router.js')).routerCalls,
  scan: async () => (await import('./scan.js')).scanCalls,
  knock: async () => (await import('./knock.js')).knockCalls,
  forwards: async () => (await import('./forwards.js')).forwardCalls,
  ssh: async () => (await import('./forwards.js')).forwardCalls,
  exposure: async () => (await import('./exposure.js')).exposureCalls,
};

/** The spec (input and output schemas, doc) of `name`, building its area's schemas if none were yet. */
export async function callSpec(name: CallName): Promise<CallSpec> {
  const area = AREAS[name.slice(0, name.indexOf('.'))];
  const spec = area ? (await area())[name] : undefined;
  // Unreachable while the unit test holds: every call of the table is in its area's file.
  if (!spec) throw new Error(`The call ${name} has no area in contract/call-areas.ts.`);
  return spec;
}
