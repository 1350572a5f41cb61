import { describe, expect, it } from 'vitest';
import { parseSsTcpInfo, TrafficSampler } from '../../../src-main/engine/sockets/tcp-info.js';

// Recorded with iproute2 6.1.0 (`ss -tinOHe`) on Debian 12: a loopback pair over ::1 after the
// server sent 100,000 bytes, an IPv4 connection with retransmits, and a TIME_WAIT line (no inode).
const SS = `ESTAB 0      0      [::1]:42909 [::1]:48240 ino:1057430 sk:1018 cgroup:/ <-> ts sack bbr wscale:10,10 rto:204 rtt:0.119/0.188 ato:40 mss:47616 pmtu:65536 rcvmss:536 advmss:65464 cwnd:13 bytes_sent:100000 bytes_acked:100000 bytes_received:5 segs_out:4 segs_in:5 data_segs_out:3 data_segs_in:1 bbr:(bw:1963535152bps,mrtt:0.024,pacing_gain:2.88672,cwnd_gain:2.88672) send 41613983193bps lastsnd:260 lastrcv:260 lastack:260 pacing_rate 312153570224bps delivery_rate 1370244600bps delivered:4 rcv_space:65464 rcv_ssthresh:65464 minrtt:0.024 snd_wnd:93184
ESTAB 0      0      [::1]:48240 [::1]:42909 ino:1057428 sk:1019 cgroup:/ <-> ts sack bbr wscale:10,10 rto:204 rtt:0.034/0.019 ato:40 mss:32768 pmtu:65536 rcvmss:34464 advmss:65464 cwnd:11 bytes_sent:5 bytes_acked:6 bytes_received:100000 segs_out:5 segs_in:5 data_segs_out:1 data_segs_in:3 send 84811294118bps lastsnd:260 lastrcv:250 lastack:260 delivered:2 app_limited rcv_rtt:0.175 rcv_space:67232 minrtt:0.012 snd_wnd:65536
ESTAB 0      1448   192.0.2.5:51234 203.0.113.9:443 ino:2201 sk:2 cgroup:/ <-> ts sack cubic wscale:7,7 rto:412 rtt:48.5/12.25 mss:1448 cwnd:10 bytes_sent:40960 bytes_retrans:2896 bytes_acked:38065 bytes_received:9000 segs_out:40 segs_in:30 retrans:1/2 lastsnd:4 lastrcv:100 lastack:4
TIME-WAIT 0      0      127.0.0.1:40038 127.0.0.1:41499 timer:(timewait,59sec,0) ino:0 sk:1010
`;

describe('parseSsTcpInfo', () => {
  it('reads bytes, RTT, retransmits and idle times per socket inode, and skips sockets without one', () => {
    const infos = parseSsTcpInfo(SS);
    expect(infos).toEqual([
      { id: 'tcp6#1057430', bytesSent: 100000, bytesReceived: 5, rttMs: 0.119, retrans: 0, lastSendMs: 260, lastRecvMs: 260 },
      { id: 'tcp6#1057428', bytesSent: 5, bytesReceived: 100000, rttMs: 0.034, retrans: 0, lastSendMs: 260, lastRecvMs: 250 },
      { id: 'tcp#2201', bytesSent: 40960, bytesReceived: 9000, rttMs: 48.5, retrans: 2, lastSendMs: 4, lastRecvMs: 100 },
    ]);
  });
});

describe('TrafficSampler', () => {
  it('gives rates between samples, only for connections that moved, and a zero rate once when they stop', () => {
    const sampler = new TrafficSampler();
    const info = (sent: number, received: number) => ({ id: 'tcp#1', bytesSent: sent, bytesReceived: received, rttMs: 1, retrans: 0, lastSendMs: 0, lastRecvMs: 0 });
    const idle = { ...info(0, 0), id: 'tcp#2' };
    expect(sampler.take([info(1000, 0), idle], 10_000).map((t) => [t.id, t.sendRate])).toEqual([['tcp#1', 0], ['tcp#2', 0]]);
    expect(sampler.take([info(3000, 500), idle], 12_000)).toEqual([{ id: 'tcp#1', bytesSent: 3000, bytesReceived: 500, sendRate: 1000, recvRate: 250, rttMs: 1, retrans: 0 }]);
    expect(sampler.take([info(3000, 500), idle], 13_000)).toEqual([expect.objectContaining({ id: 'tcp#1', sendRate: 0, recvRate: 0 })]);
    expect(sampler.take([info(3000, 500), idle], 14_000)).toEqual([]);
  });
});
