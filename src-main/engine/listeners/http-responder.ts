/**
 * The HTTP responder: reads one request head and answers 200 with a small page that shows the
 * request line, the headers and the peer's address, then closes. Useful to test forwards and
 * firewalls from a browser or curl.
 */

/** Largest request head read; a longer one is answered with what was read. */
export const MAX_HEAD_BYTES = 16 * 1024;

/** The end of a request head in `buf` (index after the blank line), or -1. */
export function headEnd(buf: Buffer): number {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return crlf + 4;
  return lf >= 0 ? lf + 2 : -1;
}

/** A parsed request head. */
export interface RequestHead {
  requestLine: string;
  method: string;
  headers: [string, string][];
  truncated: boolean;
}

/** Splits a request head into its request line and headers (lenient: it shows what it got). */
export function parseHead(text: string, truncated = false): RequestHead {
  const lines = text.split(/\r?\n/);
  const requestLine = lines.shift() ?? '';
  const headers: [string, string][] = [];
  for (const line of lines) {
    if (!line) continue;
    const colon = line.indexOf(':');
    headers.push(colon > 0 ? [line.slice(0, colon).trim(), line.slice(colon + 1).trim()] : [line, '']);
  }
  return { requestLine, method: requestLine.split(' ')[0] ?? '', headers, truncated };
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Where the request came from and arrived. */
export interface HttpEndpoints {
  peer: { address: string; port: number };
  local: { address: string; port: number };
}

/** The HTML page that shows a request (every received text escaped). */
export function buildHttpPage(head: RequestHead, ends: HttpEndpoints, at: Date = new Date()): string {
  const rows = head.headers.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Portolan HTTP responder</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}code,th,td{font-family:ui-monospace,monospace}th{text-align:left;padding-right:1em;vertical-align:top}</style></head>
<body><h1>Portolan received your request</h1>
<p>From <code>${escapeHtml(endpoint(ends.peer))}</code> on <code>${escapeHtml(endpoint(ends.local))}</code> at ${at.toISOString()}.</p>
<p>Request line: <code>${escapeHtml(head.requestLine)}</code></p>
<table>
${rows}
</table>
${head.truncated ? `<p>The request head was longer than ${MAX_HEAD_BYTES} bytes; only the start is shown.</p>\n` : ''}</body></html>
`;
}

const endpoint = (e: { address: string; port: number }) => (e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`);

/** The whole response (status, headers and the page; no body for HEAD). */
export function buildHttpResponse(head: RequestHead, ends: HttpEndpoints, at: Date = new Date()): Buffer {
  const body = Buffer.from(buildHttpPage(head, ends, at), 'utf8');
  const headers = [
    'HTTP/1.1 200 OK',
    'Content-Type: text/html; charset=utf-8',
    `Content-Length: ${body.length}`,
    'Cache-Control: no-store',
    'X-Content-Type-Options: nosniff',
    "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'",
    'Connection: close',
    'Server: Portolan',
  ].join('\r\n');
  const headBytes = Buffer.from(`${headers}\r\n\r\n`, 'latin1');
  return head.method === 'HEAD' ? headBytes : Buffer.concat([headBytes, body]);
}
