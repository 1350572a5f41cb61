/**
 * The parser of forwards.json, apart from its store (forwards-store.ts) so that zod and the forward
 * schemas load only when there is a file to check.
 */
import * as z from 'zod';
import { ForwardSpec } from '../contract/forwards.js';
import { zodReason, type Parsed } from './data-file.js';
import type { SavedForward } from './forwards-store.js';

const ProfilesFile = z.object({
  version: z.literal(1),
  forwards: z.array(z.object({ id: z.string().min(1).max(64), spec: z.unknown() })),
});

/** Checks forwards.json: the whole file must be version 1 with a list; a bad profile is left out (and reported). */
export function parseForwardsFile(raw: unknown): Parsed<SavedForward[]> {
  const parsed = ProfilesFile.safeParse(raw);
  if (!parsed.success) throw new Error(zodReason(parsed.error));
  const value: SavedForward[] = [];
  const dropped: string[] = [];
  for (const item of parsed.data.forwards) {
    const spec = ForwardSpec.safeParse(item.spec);
    if (spec.success) value.push({ id: item.id, spec: spec.data });
    else dropped.push(`${item.id} (${zodReason(spec.error)})`);
  }
  return { value, dropped };
}

