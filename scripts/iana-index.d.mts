/** Types of scripts/iana-index.mjs, for the tests that check the index against the package. */
export declare const IANA_INDEX_FORMAT: number;
/** The flat `port, protocols, name, description` quadruple array of a `{ "443/tcp": [name, description] }` registry. */
export declare function compactIanaRegistry(source: Record<string, readonly string[]>): (number | string)[];
