/**
 * Service detection for open TCP ports: read what the service says first (SSH, SMTP, FTP, POP3,
 * IMAP, MySQL greet the client), otherwise send light probes (HTTP GET, a TLS handshake with its
 * certificate and ALPN, Redis PING/INFO, PostgreSQL's SSLRequest) and name the service and version.
 * The order follows the dictionary's expectation for the port, so the common case costs one exchange.
 */
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { lazyBuiltin } from '../builtin.js';
import type { ServiceInfo, ServiceTls } from '../../contract/scan.js';

/** TLS only for --service on a TLS port. */
const tlsModule = lazyBuiltin<typeof import('node:tls')>('node:tls');

/** Detects the service on an open TCP port. */
export interface ServiceDetector {
  detect(host: string, port: number, expected: string | undefined, waitMs: number): Promise<ServiceInfo>;
}

const firstLine = (text: string) => text.split(/\r?\n/)[0]!.replace(/[^\x20-\x7e]/g, '').trim().slice(0, 200);

/** Splits "nginx/1.22.1 (Debian)" or "Apache" into product and version. */
export function splitProduct(text: string): { product: string; version?: string; extra?: string } {
  const m = /^([^/\s]+)\/(\S+)\s*(.*)$/.exec(text.trim());
  if (m) return { product: m[1]!, version: m[2]!, ...(m[3] ? { extra: m[3] } : {}) };
  return { product: text.trim().slice(0, 120) };
}

/** An HTTP response head: status line and Server header. */
export function parseHttpResponse(text: string): ServiceInfo | undefined {
  const status = /^HTTP\/(\d(?:\.\d)?) (\d{3})([^\r\n]*)/.exec(text);
  if (!status) return undefined;
  const server = /\r?\nserver:[ \t]*([^\r\n]*)/i.exec(text)?.[1]?.trim();
  const info: ServiceInfo = { name: 'http', extra: `HTTP/${status[1]} ${status[2]}${status[3]}`.trim() };
  if (server) {
    const p = splitProduct(server);
    info.product = p.product;
    if (p.version) info.version = p.version;
    if (p.extra) info.extra = `${p.extra}; ${info.extra}`;
  }
  return info;
}

/** A MySQL/MariaDB server greeting (protocol 10) or its error packet ("host is not allowed"). */
export function parseMysqlGreeting(buf: Buffer): ServiceInfo | undefined {
  if (buf.length < 7) return undefined;
  const len = buf[0]! | (buf[1]! << 8) | (buf[2]! << 16);
  if (len < 3 || len > 1024 || buf[3] !== 0) return undefined;
  if (buf[4] === 10) {
    const end = buf.indexOf(0, 5);
    if (end < 0) return undefined;
    const version = buf.subarray(5, end).toString('latin1');
    if (!/^\d+\.\d+/.test(version)) return undefined;
    return { name: 'mysql', product: /mariadb/i.test(version) ? 'MariaDB' : 'MySQL', version: version.replace(/^5\.5\.5-/, '') };
  }
  if (buf[4] === 0xff && buf.length > 7) return { name: 'mysql', extra: buf.subarray(7, 4 + len).toString('latin1').replace(/^#\w{5}/, '').slice(0, 200) };
  return undefined;
}

/** Names a service from the first bytes it sent (a banner) or its answer to a probe. */
export function classifyBanner(buf: Buffer): ServiceInfo | undefined {
  if (buf.length === 0) return undefined;
  const text = buf.toString('latin1');
  const line = firstLine(text);
  const ssh = /^SSH-([\d.]+)-(\S+)\s*(.*)/.exec(line);
  if (ssh) {
    const soft = /^([A-Za-z][\w.-]*?)[_-](\d[\w.]*)$/.exec(ssh[2]!);
    return {
      name: 'ssh',
      product: soft ? soft[1]!.replace(/^OpenSSH$/i, 'OpenSSH') : ssh[2]!,
      ...(soft ? { version: soft[2]! } : {}),
      extra: [`protocol ${ssh[1]}`, ssh[3]].filter(Boolean).join('; '),
    };
  }
  const http = parseHttpResponse(text);
  if (http) return http;
  const mysql = parseMysqlGreeting(buf);
  if (mysql) return mysql;
  if (/^220[ -]/.test(line)) {
    const ftpProduct = /\b(vsFTPd|ProFTPD|Pure-FTPd|FileZilla Server|Microsoft FTP Service)\s*v?([\d.]+[a-z]?)?/i.exec(text);
    if (ftpProduct || /\bftp\b/i.test(line)) return { name: 'ftp', ...(ftpProduct ? { product: ftpProduct[1]!, ...(ftpProduct[2] ? { version: ftpProduct[2] } : {}) } : {}), extra: line };
    const smtpProduct = /\b(Postfix|Exim|Sendmail|Microsoft ESMTP MAIL Service|OpenSMTPD|qmail)\s*([\d.]+)?/i.exec(text);
    return { name: 'smtp', ...(smtpProduct ? { product: smtpProduct[1]!, ...(smtpProduct[2] ? { version: smtpProduct[2] } : {}) } : {}), extra: line };
  }
  if (/^\+OK/.test(line)) return { name: 'pop3', ...(/dovecot/i.test(line) ? { product: 'Dovecot' } : {}), extra: line };
  if (/^\* (OK|PREAUTH)/.test(line)) return { name: 'imap', ...(/dovecot/i.test(line) ? { product: 'Dovecot' } : /cyrus/i.test(line) ? { product: 'Cyrus' } : {}), extra: line };
  if (/^\+PONG|^-NOAUTH|^-DENIED|^-ERR (unknown command|wrong number of arguments)/.test(line)) return { name: 'redis', extra: line };
  if (/^RFB \d{3}\.\d{3}/.test(line)) return { name: 'vnc', extra: line };
  if (/^AMQP/.test(text)) return { name: 'amqp' };
  return undefined;
}

/** True when the bytes are a TLS record (a handshake or an alert): the port wants TLS. */
export function looksLikeTls(buf: Buffer): boolean {
  return buf.length >= 3 && (buf[0] === 0x15 || buf[0] === 0x16) && buf[1] === 0x03 && buf[2]! <= 0x04;
}

/** A TCP (or TLS) connection that collects what the peer sends. */
class Conversation {
  private chunks: Buffer[] = [];
  private size = 0;
  private waiter: (() => void) | undefined;
  closed = false;
  error: string | undefined;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      if (this.size < 16384) {
        this.chunks.push(chunk);
        this.size += chunk.length;
      }
      this.waiter?.();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.error = err.code ?? err.message;
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
  }

  /** Connects (TLS when asked); resolves undefined when the connection fails within `ms`. */
  static open(host: string, port: number, ms: number, useTls = false): Promise<Conversation | undefined> {
    return new Promise((resolve) => {
      const socket = useTls
        ? tlsModule().connect({ host, port, rejectUnauthorized: false, ALPNProtocols: ['h2', 'http/1.1'], ...(net.isIP(host) ? {} : { servername: host }) })
        : net.connect({ host, port });
      const timer = setTimeout(() => finish(false), ms);
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        socket.removeListener('error', onError);
        if (ok) resolve(new Conversation(socket));
        else {
          socket.destroy();
          resolve(undefined);
        }
      };
      const onError = () => finish(false);
      socket.once('error', onError);
      socket.once(useTls ? 'secureConnect' : 'connect', () => finish(true));
    });
  }

  /** Waits for data (then a short quiet period) or the close, at most `ms`; returns all bytes so far. */
  async read(ms: number): Promise<Buffer> {
    const start = this.size;
    const until = Date.now() + ms;
    while (!this.closed) {
      const left = until - Date.now();
      if (left <= 0) break;
      const got = this.size > start;
      const before = this.size;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, got ? Math.min(60, left) : left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
      if (got && this.size === before) break; // data came, then a quiet moment
    }
    return Buffer.concat(this.chunks);
  }

  write(data: string | Buffer): void {
    if (!this.closed) this.socket.write(data);
  }

  close(): void {
    this.socket.destroy();
  }
}

function tlsInfo(socket: TLSSocket): ServiceTls {
  const cert = socket.getPeerCertificate();
  const dn = (x: Record<string, string | string[]> | undefined) =>
    x ? Object.entries(x).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`).join(', ') : '';
  const subject = dn(cert?.subject as unknown as Record<string, string>);
  const issuer = dn(cert?.issuer as unknown as Record<string, string>);
  const info: ServiceTls = { subject, issuer, validTo: cert?.valid_to ? new Date(cert.valid_to).toISOString() : '', selfSigned: subject !== '' && subject === issuer };
  if (socket.alpnProtocol) info.alpn = socket.alpnProtocol;
  const protocol = socket.getProtocol();
  if (protocol) info.protocol = protocol;
  return info;
}

const TLS_NAMES: Record<string, string> = { http: 'https', imap: 'imaps', pop3: 'pop3s', smtp: 'smtps', ftp: 'ftps' };
const HTTP_GET = (host: string, port: number) => `GET / HTTP/1.0\r\nHost: ${host.includes(':') ? `[${host}]` : host}:${port}\r\nUser-Agent: Portolan\r\nAccept: */*\r\n\r\n`;

type Step = 'banner' | 'http' | 'tls' | 'redis' | 'postgres';

/** Which exchange to try first for a port, from its number and the dictionary's expectation. */
export function probeOrder(port: number, expected: string | undefined): Step[] {
  const e = expected?.toLowerCase() ?? '';
  const first: Step | undefined =
    /https|ssl|tls|imaps|pop3s|smtps|submissions|ldaps|ftps/.test(e) || [443, 465, 636, 853, 990, 993, 995, 8443, 9443].includes(port)
      ? 'tls'
      : /^(http|www|http-alt|http-proxy|webcache)/.test(e) || [80, 8000, 8008, 8080, 8081, 8888, 3000, 5000, 9000].includes(port)
        ? 'http'
        : /redis/.test(e) || port === 6379
          ? 'redis'
          : /postgres/.test(e) || port === 5432
            ? 'postgres'
            : undefined;
  const rest: Step[] = ['banner', 'tls', 'redis', 'postgres'];
  return first ? [first, ...rest.filter((s) => s !== first && !(first === 'http' && s === 'banner'))] : rest;
}

/** The standard detector over real connections. */
export class TcpServiceDetector implements ServiceDetector {
  async detect(host: string, port: number, expected: string | undefined, waitMs: number): Promise<ServiceInfo> {
    let fallback: ServiceInfo | undefined;
    for (const step of probeOrder(port, expected)) {
      const found = await this.step(step, host, port, waitMs).catch(() => undefined);
      if (found && found.name !== 'unknown') return found;
      fallback ??= found;
    }
    return fallback ?? { name: 'unknown' };
  }

  private async step(step: Step, host: string, port: number, waitMs: number): Promise<ServiceInfo | undefined> {
    if (step === 'tls') return this.tls(host, port, waitMs);
    const c = await Conversation.open(host, port, waitMs);
    if (!c) return undefined;
    try {
      if (step === 'banner' || step === 'http') {
        if (step === 'banner') {
          const banner = await c.read(waitMs);
          const found = classifyBanner(banner);
          if (found) return found;
          if (banner.length > 0) return { name: 'unknown', extra: firstLine(banner.toString('latin1')) || `${banner.length} bytes, not text` };
          if (c.closed) return undefined;
        }
        c.write(HTTP_GET(host, port));
        const answer = await c.read(waitMs);
        if (looksLikeTls(answer)) return undefined; // the TLS step names it
        const found = classifyBanner(answer);
        if (found && /plain HTTP request was sent to HTTPS port/i.test(answer.toString('latin1'))) return undefined;
        return found;
      }
      if (step === 'redis') {
        c.write('PING\r\n');
        const answer = (await c.read(waitMs)).toString('latin1');
        if (/^\+PONG/.test(answer)) {
          c.write('INFO server\r\n');
          const info = (await c.read(waitMs)).toString('latin1');
          const version = /redis_version:([^\r\n]+)/.exec(info)?.[1];
          return { name: 'redis', product: 'Redis', ...(version ? { version } : {}) };
        }
        if (/^-(NOAUTH|DENIED)/.test(answer)) return { name: 'redis', product: 'Redis', extra: firstLine(answer) };
        return undefined;
      }
      // PostgreSQL: an SSLRequest is answered with a single byte, S (TLS offered) or N (not).
      c.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]));
      const answer = await c.read(waitMs);
      if (answer.length === 1 && (answer[0] === 0x53 || answer[0] === 0x4e)) {
        return { name: 'postgresql', product: 'PostgreSQL', extra: answer[0] === 0x53 ? 'offers TLS' : 'no TLS' };
      }
      return undefined;
    } finally {
      c.close();
    }
  }

  private async tls(host: string, port: number, waitMs: number): Promise<ServiceInfo | undefined> {
    const c = await Conversation.open(host, port, waitMs, true);
    if (!c) return undefined;
    try {
      const socket = c.socket as TLSSocket;
      const info = tlsInfo(socket);
      if (info.alpn === 'h2') return { name: 'https', extra: 'HTTP/2', tls: info };
      // TLS-wrapped mail services greet first; otherwise ask HTTP.
      let inner = classifyBanner(await c.read(Math.min(waitMs, 500)));
      if (!inner && !c.closed) {
        c.write(HTTP_GET(host, port));
        inner = classifyBanner(await c.read(waitMs));
      }
      if (!inner) return { name: 'ssl', tls: info };
      return { ...inner, name: TLS_NAMES[inner.name] ?? `ssl/${inner.name}`, tls: info };
    } finally {
      c.close();
    }
  }
}
