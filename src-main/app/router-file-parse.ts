/**
 * The parser of router-mappings.json, apart from its file (router-file.ts) so that zod and the
 * router's schemas load only when there is a file to check.
 */
import * as z from 'zod';
import { MappingProtocol, MappingState, NatProtocol, RouterError } from '../contract/router.js';
import type { OwnedMapping } from '../engine/nat/nat-engine.js';
import { wholeFile, zodReason, type Parsed } from './data-file.js';

const PortNumber = z.number().int().min(0).max(65535);

/** One remembered mapping, as router-mappings.json holds it. */
const SavedMapping: z.ZodType<OwnedMapping> = z.object({
  gateway: z.string(),
  protocol: MappingProtocol,
  externalPort: PortNumber,
  requestedExternalPort: PortNumber,
  internalHost: z.string(),
  internalPort: PortNumber,
  leaseSeconds: z.number().min(0),
  grantedLease: z.number().min(0),
  description: z.string(),
  via: NatProtocol,
  removeOnQuit: z.boolean(),
  nonce: z.string().optional(),
  expiresAt: z.number().optional(),
  state: MappingState,
  error: RouterError.optional(),
  note: z.string().optional(),
});
const MappingsFile = z.object({ mappings: z.array(z.unknown()) });

/** Checks router-mappings.json: the whole file must hold a list; a bad mapping is left out (and reported). */
export function parseMappingsFile(raw: unknown): Parsed<OwnedMapping[]> {
  const { mappings } = wholeFile(MappingsFile)(raw).value;
  const value: OwnedMapping[] = [];
  const dropped: string[] = [];
  mappings.forEach((m, i) => {
    const parsed = SavedMapping.safeParse(m);
    if (parsed.success) value.push(parsed.data);
    else dropped.push(`mapping #${i + 1} (${zodReason(parsed.error)})`);
  });
  return { value, dropped };
}
