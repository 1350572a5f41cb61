/**
 * Per-connection TCP counters from the Linux kernel's tcp_info, as `ss -tinOHe` prints them (one
 * line per socket: state, queues, both ends, then `key:value` fields), and the rates between two
 * samples. `ss` asks the kernel over netlink sock_diag; the owner runs it off the main thread.
 */
import type { SocketTraffic } from '../../contract/index.js';

/** The counters of one connection at one moment. */
export interface TcpInfo {
  /** The socket row's id (protocol#inode). */
  id: string;
  bytesSent: number;
  bytesReceived: number;
  /** Smoothed round-trip time, ms (0 when the kernel has none yet). */
  rttMs: number;
  /** Segments retransmitted over the connection's life. */
  retrans: number;
  /** Since the last data sent and received, ms. */
  lastSendMs: number;
  lastRecvMs: number;
}

/** The value after `key` in a line of fields ("bytes_sent:123"), or undefined. */
function field(line: string, key: string): string | undefined {
  let at = line.indexOf(` ${key}`);
  if (at < 0) return undefined;
  at += key.length + 1;
  let end = line.indexOf(' ', at);
  if (end < 0) end = line.length;
  return line.slice(at, end);
}

const num = (text: string | undefined) => {
  const n = Number(text);
  return text === undefined || !Number.isFinite(n) ? 0 : n;
};

/**
 * Parses `ss -tinOHe` output. Sockets without an inode (TIME_WAIT, orphans) carry no counters
 * and are left out; so are lines that are not socket lines.
 */
export function parseSsTcpInfo(text: string): TcpInfo[] {
  const out: TcpInfo[] = [];
  for (const line of text.split('\n')) {
    const ino = field(line, 'ino:');
    if (!ino || ino === '0') continue;
    // State, Recv-Q, Send-Q, Local, Peer: IPv6 ends are written [addr]:port.
    const local = line.split(/\s+/, 4)[3] ?? '';
    const retrans = field(line, 'retrans:');
    out.push({
      id: `${local.startsWith('[') ? 'tcp6' : 'tcp'}#${ino}`,
      bytesSent: num(field(line, 'bytes_sent:')),
      bytesReceived: num(field(line, 'bytes_received:')),
      rttMs: num(field(line, 'rtt:')?.split('/')[0]),
      // "retrans:0/5": unrecovered now / over the connection's life.
      retrans: num(retrans?.split('/')[1] ?? retrans),
      lastSendMs: num(field(line, 'lastsnd:')),
      lastRecvMs: num(field(line, 'lastrcv:')),
    });
  }
  return out;
}

/**
 * Keeps the previous sample and turns the next into per-connection traffic: totals, rates over
 * the time between samples, RTT and retransmits. Only connections whose counters moved (or that
 * are new) are returned, so an idle table costs nothing to send.
 */
export class TrafficSampler {
  private previous = new Map<string, TcpInfo>();
  private previousAt = 0;
  /** Connections sent with a rate above 0 last time. */
  private moved = new Set<string>();

  take(infos: readonly TcpInfo[], at: number): SocketTraffic[] {
    const seconds = this.previousAt ? Math.max(0.001, (at - this.previousAt) / 1000) : 0;
    const next = new Map<string, TcpInfo>();
    const out: SocketTraffic[] = [];
    for (const info of infos) {
      next.set(info.id, info);
      const before = this.previous.get(info.id);
      const still = before && before.bytesSent === info.bytesSent && before.bytesReceived === info.bytesReceived && before.retrans === info.retrans && before.rttMs === info.rttMs;
      // Unchanged: nothing to send, unless it moved last time (its rate is 0 again, said once).
      if (still && !this.moved.has(info.id)) continue;
      const sent = before ? info.bytesSent - before.bytesSent : 0;
      const received = before ? info.bytesReceived - before.bytesReceived : 0;
      out.push({
        id: info.id,
        bytesSent: info.bytesSent,
        bytesReceived: info.bytesReceived,
        sendRate: seconds ? Math.max(0, sent) / seconds : 0,
        recvRate: seconds ? Math.max(0, received) / seconds : 0,
        rttMs: info.rttMs,
        retrans: info.retrans,
      });
    }
    this.moved = new Set(out.filter((t) => t.sendRate > 0 || t.recvRate > 0).map((t) => t.id));
    this.previous = next;
    this.previousAt = at;
    return out;
  }
}
