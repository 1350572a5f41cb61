/** Bytes in the consoles: base64 on the wire, a bounded buffer of what a session received, sizes and durations for people. */

/** Decodes base64 (what `sessions.data` carries) to bytes. */
export function fromBase64(data: string): Uint8Array {
  const native = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  if (native) return native(data);
  const text = atob(data);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** Encodes bytes as base64 (what `sessions.send` takes). */
export function toBase64(bytes: Uint8Array): string {
  const native = (bytes as unknown as { toBase64?: () => string }).toBase64;
  if (native) return native.call(bytes);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** The number of bytes a base64 string decodes to, without decoding it. */
export function base64Length(data: string): number {
  const pad = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.floor((data.length * 3) / 4) - pad;
}

/**
 * The last `capacity` bytes of a stream, kept as the chunks they came in. Offsets are absolute
 * (counted from the stream's first byte), so a hex dump can label its lines after older bytes
 * were dropped.
 */
export class ByteRing {
  private chunks: Uint8Array[] = [];
  private size = 0;
  /** Absolute offset just past the last byte pushed. */
  end = 0;

  constructor(readonly capacity: number) {}

  /** Absolute offset of the oldest byte still kept. */
  get start(): number {
    return this.end - this.size;
  }

  /** Bytes kept now. */
  get length(): number {
    return this.size;
  }

  /** Holds these chunks instead (a record kept elsewhere), the last one ending at absolute offset `end`. */
  replace(chunks: readonly Uint8Array[], end: number): void {
    this.chunks = [];
    this.size = 0;
    this.end = end - chunks.reduce((n, c) => n + c.length, 0);
    for (const chunk of chunks) this.push(chunk);
  }

  push(bytes: Uint8Array): void {
    if (!bytes.length) return;
    this.chunks.push(bytes);
    this.size += bytes.length;
    this.end += bytes.length;
    while (this.size > this.capacity) {
      const first = this.chunks[0]!;
      const over = this.size - this.capacity;
      if (first.length <= over) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(over);
        this.size -= over;
      }
    }
  }

  /** The kept bytes from absolute offset `from` (clamped to what is kept) to the end, as one array. */
  slice(from = this.start): Uint8Array {
    const skip = Math.max(0, Math.min(this.size, from - this.start));
    const out = new Uint8Array(this.size - skip);
    let at = 0;
    let toSkip = skip;
    for (const chunk of this.chunks) {
      if (toSkip >= chunk.length) {
        toSkip -= chunk.length;
        continue;
      }
      const part = toSkip ? chunk.subarray(toSkip) : chunk;
      toSkip = 0;
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
  }
}

/** "512 B", "1.5 KiB", "12.3 MiB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** "0:07", "12:34", "1:02:03" for a duration in ms. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** address:port, with IPv6 addresses in brackets. */
export function endpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
