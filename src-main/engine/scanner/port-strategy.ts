/**
 * The order probes go out in, kept apart from the engine that sends them (as RustScan keeps its
 * PortStrategy apart from its scanner). A scan numbers its probes host-major, 0 to size-1
 * (host h, port p is h x ports + p); a strategy maps the n-th probe sent to one of those numbers,
 * every number exactly once. Shards of a scan share one strategy and take every count-th position
 * of it, so the threads together still send each probe once.
 *
 * The random order is a keyed permutation, not a shuffled array, so a scan of 65,536 hosts x
 * 65,535 ports costs no memory for it: a four-round Feistel network over the smallest even power
 * of two at or above the size, cycle-walking past numbers out of range (a bijection of [0, 4^k)
 * restricted to [0, size) stays a bijection; fewer than four steps on average).
 */

/** How the probes of a scan are ordered. */
export type PortOrder = 'sequential' | 'random';

/** Maps the n-th probe sent (0 <= n < size) to its host-major number. */
export interface PortStrategy {
  readonly order: PortOrder;
  readonly size: number;
  probeAt(n: number): number;
}

/** Host by host, ports in the order given: the n-th probe is probe n. */
export function sequentialStrategy(size: number): PortStrategy {
  return { order: 'sequential', size, probeAt: (n) => n };
}

/** A 32-bit mix of a half-block and a round key (murmur3's finalizer). */
function mix(value: number, key: number): number {
  let h = Math.imul(value ^ key, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Every probe once, in an order no one can guess without the seed: hosts and ports interleaved,
 * so a host or a firewall sees no sweep of neighbouring ports.
 */
export function randomStrategy(size: number, seed: number): PortStrategy {
  let halfBits = 1;
  while (2 ** (2 * halfBits) < size) halfBits++;
  const half = 2 ** halfBits;
  const mask = half - 1;
  const keys = [1, 2, 3, 4].map((r) => mix(seed >>> 0, r * 0x9e3779b9));
  const permute = (x: number): number => {
    let left = Math.floor(x / half);
    let right = x % half;
    for (const key of keys) {
      const next = (left ^ mix(right, key)) & mask;
      left = right;
      right = next;
    }
    return left * half + right;
  };
  return {
    order: 'random',
    size,
    probeAt(n) {
      let x = permute(n);
      while (x >= size) x = permute(x);
      return x;
    },
  };
}

/** The strategy for an order; a random one needs its seed (shared by the shards of one scan). */
export function portStrategy(order: PortOrder, size: number, seed = 0): PortStrategy {
  return order === 'random' ? randomStrategy(size, seed) : sequentialStrategy(size);
}
