/**
 * router-mappings.json, Portolan's own router mappings (a {@link DataFile}): apart from the router
 * service so that the composition can read and check it at start without loading the NAT engine.
 */
import * as z from 'zod';
import { MappingProtocol, MappingState, NatProtocol, RouterError } from '../contract/router.js';
import type { OwnedMapping } from '../engine/nat/nat-engine.js';
import { DataFile, wholeFile, zodReason } from './data-file.js';
import type { ProblemSink } from './problem-log.js';

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

/** router-mappings.json at `file`: a missing file means no mappings; a bad mapping is left out (and reported). */
export function routerMappingsFile(file: string, problems?: ProblemSink): DataFile<OwnedMapping[]> {
  return new DataFile(file, {
    what: 'router mappings file',
    instead: 'mappings made by an earlier run are not renewed or removed by this one',
    empty: () => [],
    problems,
    parse: (raw) => {
      const { mappings } = wholeFile(MappingsFile)(raw).value;
      const value: OwnedMapping[] = [];
      const dropped: string[] = [];
      mappings.forEach((m, i) => {
        const parsed = SavedMapping.safeParse(m);
        if (parsed.success) value.push(parsed.data);
        else dropped.push(`mapping #${i + 1} (${zodReason(parsed.error)})`);
      });
      return { value, dropped };
    },
  });
}
