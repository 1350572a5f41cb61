/**
 * Reverse DNS for the socket table: asynchronous, cached, bounded in time and in size, so a
 * toggle in the UI never stalls the engine and a slow resolver costs each address only once.
 */
import dns from 'node:dns/promises';
import net from 'node:net';

/** How long one name may take before the address is shown without it. */
const TIMEOUT_MS = 2000;
/** Entries kept; the oldest are dropped first. */
const MAX_ENTRIES = 10000;

/** Resolves addresses to host names through the OS resolver (getnameinfo: /etc/hosts, then DNS). */
export class ReverseDnsCache {
  private readonly cache = new Map<string, Promise<string | null>>();

  constructor(private readonly resolve: (address: string) => Promise<string> = async (a) => (await dns.lookupService(a, 0)).hostname) {}

  /** The name of each address, or null when it has none, is not an IP, or takes too long. */
  async names(addresses: string[]): Promise<Record<string, string | null>> {
    const unique = [...new Set(addresses)];
    const results = await Promise.all(unique.map((a) => this.name(a)));
    return Object.fromEntries(unique.map((a, i) => [a, results[i] ?? null]));
  }

  private name(address: string): Promise<string | null> {
    let pending = this.cache.get(address);
    if (!pending) {
      pending = net.isIP(address) && !/^(0\.0\.0\.0|::)$/.test(address) ? this.lookup(address) : Promise.resolve(null);
      this.cache.set(address, pending);
      if (this.cache.size > MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    }
    return pending;
  }

  private async lookup(address: string): Promise<string | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), TIMEOUT_MS);
      timer.unref();
    });
    try {
      const name = await Promise.race([this.resolve(address).catch(() => null), timeout]);
      // getnameinfo answers the address itself when it knows no name.
      return name && name !== address ? name : null;
    } finally {
      clearTimeout(timer);
    }
  }
}
