import { describe, expect, it } from 'vitest';
import { csvField, exportFileName, netstatLine, ssLine, toCsv, toJson } from '../../src-renderer/src/lib/sockets/export.js';
import { row } from './socket-rows.js';

describe('CSV escaping', () => {
  it('quotes commas, quotes and line breaks, doubling quotes (RFC 4180)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField(443)).toBe('443');
    expect(csvField(undefined)).toBe('');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' padded ')).toBe('" padded "');
  });

  it('defuses text a spreadsheet would run as a formula', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('-cmd')).toBe("'-cmd");
    expect(csvField(-1)).toBe('-1');
  });
});

describe('exports', () => {
  const r = row({ localPort: 8080, remotePort: 443, remoteAddress: '192.0.2.9', pid: 4, process: 'my,app', user: 'bob' });
  const names = { serviceName: (p: number) => (p === 443 ? 'https' : undefined), hostName: (a: string) => (a === '192.0.2.9' ? 'web.test' : undefined) };

  it('writes CSV with a header, names where known and CRLF line ends', () => {
    const csv = toCsv([r], names);
    const [head, line, end] = csv.split('\r\n');
    expect(head).toBe('proto,localAddress,localPort,localService,remoteAddress,remoteHost,remotePort,remoteService,state,pid,process,user,rxQueue,txQueue,pairId,ownedBy');
    expect(line).toBe('tcp,127.0.0.1,8080,,192.0.2.9,web.test,443,https,ESTABLISHED,4,"my,app",bob,0,0,,');
    expect(end).toBe('');
  });

  it('writes JSON records and one row as ss and netstat print it (their state names, wildcard peers, process fields)', () => {
    expect(JSON.parse(toJson([r], names))).toEqual([expect.objectContaining({ remoteHost: 'web.test', remoteService: 'https', process: 'my,app' })]);
    expect(ssLine(r)).toBe('tcp ESTAB 0 0 127.0.0.1:8080 192.0.2.9:443 users:(("my,app",pid=4))');
    expect(netstatLine(r)).toBe('tcp 0 0 127.0.0.1:8080 192.0.2.9:443 ESTABLISHED 4/my,app');
    const v6 = row({ proto: 'tcp6', localAddress: '::', localPort: 22 });
    expect(ssLine(v6)).toBe('tcp LISTEN 0 0 [::]:22 [::]:*');
    expect(netstatLine(v6)).toBe('tcp6 0 0 :::22 :::* LISTEN -');
    const tw = row({ localPort: 50000, remotePort: 443, state: 'TIME_WAIT', rxQueue: 1, txQueue: 2 });
    expect(ssLine(tw)).toBe('tcp TIME-WAIT 1 2 127.0.0.1:50000 127.0.0.1:443');
    const dns = row({ proto: 'udp', localAddress: '0.0.0.0', localPort: 53, state: 'UNCONN', pid: 7, process: 'dnsmasq' });
    expect(ssLine(dns)).toBe('udp UNCONN 0 0 0.0.0.0:53 0.0.0.0:* users:(("dnsmasq",pid=7))');
    expect(netstatLine(dns)).toBe('udp 0 0 0.0.0.0:53 0.0.0.0:* 7/dnsmasq');
    expect(exportFileName('csv', new Date('2025-01-31T12:34:56Z'))).toBe('portolan-sockets-2025-01-31T12-34-56.csv');
  });
});
