/**
 * What the user types in a console, turned into bytes: per line (edited locally, echoed, sent
 * with the chosen line ending on Enter) or raw (every keystroke as the terminal encodes it).
 */

/** How typed text is sent. */
export type InputMode = 'line' | 'raw';
/** The end of a line sent in line mode. */
export type LineEnding = 'lf' | 'crlf';

export const LINE_ENDINGS: Record<LineEnding, string> = { lf: '\n', crlf: '\r\n' };

const encoder = new TextEncoder();

/** UTF-8 bytes of text. */
export function encodeText(text: string): Uint8Array {
  return encoder.encode(text);
}

/** UTF-8 bytes of one line and its ending. */
export function encodeLine(line: string, ending: LineEnding): Uint8Array {
  return encoder.encode(line + LINE_ENDINGS[ending]);
}

/** What a keystroke (or a paste) did in line mode. */
export interface LineAction {
  /** Text to draw on the console as local echo. */
  echo: string;
  /** Lines completed by Enter (without their ending), to send in order. */
  lines: string[];
  /** Ctrl+D on an empty line: send end-of-stream. */
  eof: boolean;
}

/**
 * A one-line editor for line mode, fed with xterm's onData strings: printable text is kept and
 * echoed, Backspace deletes, Enter (CR or LF; a paste's CRLF counts once) completes the line,
 * Ctrl+C drops it, Ctrl+U clears it, Ctrl+D on an empty line asks for end-of-stream. Cursor and
 * function keys are ignored.
 */
export class LineEditor {
  /** The line typed so far. */
  line = '';

  feed(data: string): LineAction {
    const action: LineAction = { echo: '', lines: [], eof: false };
    for (let i = 0; i < data.length; i++) {
      const ch = data[i]!;
      if (ch === '\x1b') {
        // An escape sequence (arrows, function keys): skip it whole.
        const rest = /^\x1b(?:\[[0-9;?]*[ -/]*[@-~]|O.|.)?/.exec(data.slice(i));
        i += (rest?.[0].length ?? 1) - 1;
      } else if (ch === '\r' || ch === '\n') {
        if (ch === '\n' && data[i - 1] === '\r') continue;
        action.lines.push(this.line);
        action.echo += '\r\n';
        this.line = '';
      } else if (ch === '\x7f' || ch === '\b') {
        if (this.line) {
          this.line = Array.from(this.line).slice(0, -1).join('');
          action.echo += '\b \b';
        }
      } else if (ch === '\x03') {
        action.echo += '^C\r\n';
        this.line = '';
      } else if (ch === '\x15') {
        action.echo += '\b \b'.repeat(Array.from(this.line).length);
        this.line = '';
      } else if (ch === '\x04') {
        if (!this.line) action.eof = true;
      } else if (ch >= ' ' || ch === '\t') {
        this.line += ch;
        action.echo += ch;
      }
    }
    return action;
  }
}
