/** Types of scripts/iana-index.mjs, for the tests that check the index against the package. */
export declare const IANA_INDEX_FORMAT: number;
/** The flat `port, protocols, name, description` quadruple array of a `{ "443/tcp": [name, description] }` registry. */
export declare function compactIanaRegistry(source: Record<string, readonly string[]>): (number | string)[];
/** Low bits of a port that its block leaves out (blocks of 1,024 ports). */
export declare const IANA_BLOCK_BITS: number;
/** The quadruple array split by block of 1,024 ports, every block present (empty or not). */
export declare function ianaBlocks(flat: readonly (number | string)[]): (number | string)[][];
