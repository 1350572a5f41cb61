/**
 * knock.json, the knock profiles and guard specs beside the settings (a {@link DataFile}): apart
 * from the knock service so that the composition can read and check it at start without loading
 * the knock engine (one CLI command tells a damaged file, whatever the command).
 */
import type { KnockProfile, ParsedGuardSpec } from '../contract/index.js';
import { DataFile, zodReason } from './data-file.js';

/** A saved guard: its spec with the id it was given. */
export type SavedGuard = ParsedGuardSpec & { id: string };

/** What knock.json holds, once its entries are checked. */
export interface KnockFile {
  profiles: KnockProfile[];
  guards: SavedGuard[];
}

/** The knock schemas, loaded when there is a file to check. */
type KnockSchemas = Pick<typeof import('../contract/knock.js'), 'GuardSpec' | 'KnockProfile'>;

/** Checks knock.json: the whole file must be an object of lists; a bad entry is left out (and reported). */
function parseKnockFile(raw: unknown, { GuardSpec, KnockProfile }: KnockSchemas): { value: KnockFile; dropped: string[] } {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('not an object with profiles and guards');
  const data = raw as { profiles?: unknown; guards?: unknown };
  if (data.profiles !== undefined && !Array.isArray(data.profiles)) throw new Error('profiles: not a list');
  if (data.guards !== undefined && !Array.isArray(data.guards)) throw new Error('guards: not a list');
  const value: KnockFile = { profiles: [], guards: [] };
  const dropped: string[] = [];
  const label = (item: unknown, i: number, kind: string) => {
    const id = (item as { id?: unknown } | null)?.id;
    return typeof id === 'string' ? `${kind} ${id}` : `${kind} #${i + 1}`;
  };
  (data.profiles ?? []).forEach((p: unknown, i: number) => {
    const parsed = KnockProfile.safeParse(p);
    if (parsed.success) value.profiles.push(parsed.data);
    else dropped.push(`${label(p, i, 'profile')} (${zodReason(parsed.error)})`);
  });
  (data.guards ?? []).forEach((g: unknown, i: number) => {
    const parsed = GuardSpec.safeParse(g);
    if (parsed.success && parsed.data.id) value.guards.push({ ...parsed.data, id: parsed.data.id });
    else dropped.push(`${label(g, i, 'guard')} (${parsed.success ? 'id: missing' : zodReason(parsed.error)})`);
  });
  return { value, dropped };
}

/** knock.json at `file`: a missing file means no profiles and no guards. */
export function knockDataFile(file: string): DataFile<KnockFile> {
  return new DataFile(file, {
    what: 'knock profiles file',
    instead: 'no knock profiles or guards were loaded from it',
    empty: () => ({ profiles: [], guards: [] }),
    parse: {
      load: async () => {
        const schemas = await import('../contract/knock.js');
        return (raw) => parseKnockFile(raw, schemas);
      },
    },
  });
}
