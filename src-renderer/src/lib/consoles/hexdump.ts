/**
 * Hex dumps of received bytes, `hexdump -C` style: offset, 16 bytes in hex (a gap after 8), and
 * the printable ASCII column. {@link HexStream} draws a stream line by line as bytes arrive.
 */

/** Bytes per line of a dump. */
export const HEX_WIDTH = 16;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** One line: "00000010  68 65 6c 6c 6f 0a                                 |hello.|". */
export function hexLine(bytes: Uint8Array, offset: number): string {
  let hex = '';
  let ascii = '';
  for (let i = 0; i < HEX_WIDTH; i++) {
    if (i === 8) hex += ' ';
    if (i < bytes.length) {
      const b = bytes[i]!;
      hex += HEX[b] + ' ';
      ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
    } else {
      hex += '   ';
    }
  }
  return `${offset.toString(16).padStart(8, '0')}  ${hex} |${ascii}|`;
}

/** A whole dump of `bytes` whose first byte is at `offset`, lines joined by `eol`. */
export function hexDump(bytes: Uint8Array, offset = 0, eol = '\n'): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += HEX_WIDTH) lines.push(hexLine(bytes.subarray(i, i + HEX_WIDTH), offset + i));
  return lines.join(eol);
}

/**
 * Draws a byte stream as a hex dump on a terminal: full lines end with CRLF; the last, partial
 * line is redrawn in place (carriage return, erase line) as more bytes complete it.
 */
export class HexStream {
  private partial = new Uint8Array(0);
  private offset = 0;
  private kept = false;

  /** Starts over with `bytes` at absolute `offset`; returns the text that draws them. */
  reset(bytes: Uint8Array, offset: number): string {
    this.partial = new Uint8Array(0);
    this.offset = offset;
    this.kept = false;
    return this.push(bytes, false);
  }

  /**
   * Something else is about to be drawn (e.g. the echo of a sent line): ends the partial line
   * where it is, and the next push draws it again, completed, on a new line.
   */
  interrupt(): string {
    if (!this.partial.length || this.kept) return '';
    this.kept = true;
    return '\r\n';
  }

  /** Text that draws `bytes` after what was drawn so far. */
  push(bytes: Uint8Array, redraw = true): string {
    if (!bytes.length) return '';
    const all = new Uint8Array(this.partial.length + bytes.length);
    all.set(this.partial);
    all.set(bytes, this.partial.length);
    let out = redraw && this.partial.length && !this.kept ? '\r\x1b[2K' : '';
    this.kept = false;
    const full = all.length - (all.length % HEX_WIDTH);
    if (full) out += hexDump(all.subarray(0, full), this.offset, '\r\n') + '\r\n';
    this.offset += full;
    this.partial = all.slice(full);
    if (this.partial.length) out += hexLine(this.partial, this.offset);
    return out;
  }
}
