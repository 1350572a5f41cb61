/**
 * router-mappings.json, Portolan's own router mappings (a {@link DataFile}): apart from the router
 * service so that the composition can read and check it at start without loading the NAT engine.
 */
import type { OwnedMapping } from '../engine/nat/nat-engine.js';
import { DataFile } from './data-file.js';
import type { ProblemSink } from './problem-log.js';

/** router-mappings.json at `file`: a missing file means no mappings; a bad mapping is left out (and reported). */
export function routerMappingsFile(file: string, problems?: ProblemSink): DataFile<OwnedMapping[]> {
  return new DataFile(file, {
    what: 'router mappings file',
    instead: 'mappings made by an earlier run are not renewed or removed by this one',
    empty: () => [],
    problems,
    // zod and the router's schemas load only when there is a file to check.
    parse: { load: async () => (await import('./router-file-parse.js')).parseMappingsFile },
  });
}
