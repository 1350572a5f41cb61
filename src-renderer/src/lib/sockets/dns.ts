/** Reverse DNS names of remote addresses: asked for in batches (the engine takes 500 at most), cached. */

/** Resolves addresses to names (null: none), as the engine's dns.reverse call does. */
export type ReverseLookup = (addresses: string[]) => Promise<Record<string, string | null>>;

/** Addresses with nothing to resolve: wildcards and unspecified. */
export function resolvable(address: string): boolean {
  return address !== '*' && address !== '0.0.0.0' && address !== '::' && address !== '';
}

export class ReverseNames {
  private readonly cache = new Map<string, string | null>();
  private readonly wanted = new Set<string>();
  private busy = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly lookup: ReverseLookup,
    private readonly onUpdate: () => void,
    private readonly batch = 500,
    private readonly delayMs = 100,
  ) {}

  /** The name when resolved; null when the address has none; undefined when not resolved yet. */
  get(address: string): string | null | undefined {
    return this.cache.get(address);
  }

  /** Asks for names of these addresses (after a short pause, so scrolling asks once). */
  request(addresses: Iterable<string>): void {
    for (const a of addresses) if (resolvable(a) && !this.cache.has(a)) this.wanted.add(a);
    if (this.wanted.size && !this.timer && !this.busy) this.timer = setTimeout(() => void this.run(), this.delayMs);
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    this.busy = true;
    try {
      while (this.wanted.size) {
        const chunk = [...this.wanted].slice(0, this.batch);
        chunk.forEach((a) => this.wanted.delete(a));
        try {
          const names = await this.lookup(chunk);
          for (const a of chunk) this.cache.set(a, names[a] ?? null);
        } catch {
          break; // asked again when the rows are next on screen
        }
        this.onUpdate();
      }
    } finally {
      this.busy = false;
      this.wanted.clear();
    }
  }
}
