import { describe, expect, it } from 'vitest';
import { parseProcNet } from '../../../src-main/engine/sockets/proc-net.js';

// Recorded from a Debian 12 machine: a listener on 0.0.0.0:2024, an established loopback pair.
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 126 1 000000004b647915 100 0 0 10 0
   1: 0100007F:1F90 0100007F:C350 01 0000000A:00000002 00:00000000 00000000  1000        0 98765 1 0000000000000000 20 4 30 10 -1
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2222 1 0000000000000000 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:01BB 0000000000000000FFFF00000100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 3333 1 0000000000000000 100 0 0 10 0
   2: B80D0120000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4444 1 0000000000000000 100 0 0 10 0
`;
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  100: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 5555 2 0000000000000000 0
`;

describe('parseProcNet', () => {
  it('decodes IPv4 endpoints, states, queues, uid and inode', () => {
    const rows = parseProcNet(TCP, 'tcp');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ localAddress: '0.0.0.0', localPort: 2024, state: 'LISTEN', inode: 126, uid: 0 });
    expect(rows[1]).toMatchObject({
      localAddress: '127.0.0.1',
      localPort: 8080,
      remoteAddress: '127.0.0.1',
      remotePort: 50000,
      state: 'ESTABLISHED',
      txQueue: 10,
      rxQueue: 2,
      uid: 1000,
      inode: 98765,
    });
  });

  it('decodes IPv6, IPv4-mapped and compressed addresses', () => {
    const rows = parseProcNet(TCP6, 'tcp');
    expect(rows.map((r) => `${r.localAddress}|${r.localPort}`)).toEqual(['::1|22', '::ffff:127.0.0.1|443', '2001:db8::1|80']);
    expect(rows[1]?.remotePort).toBe(54321);
  });

  it('reports UDP sockets as UNCONN unless connected', () => {
    expect(parseProcNet(UDP, 'udp')[0]).toMatchObject({ localAddress: '127.0.0.1', localPort: 53, state: 'UNCONN', uid: 101 });
  });

  it('skips headers and junk', () => {
    expect(parseProcNet('garbage\n\n', 'tcp')).toEqual([]);
  });
});
