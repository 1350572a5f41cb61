/** Scanner building blocks: targets, ports, timing, UDP probe encoders/decoders, banners, exports. */
import { describe, expect, it } from 'vitest';
import { diffScans, csvCell, escapeXml, toCsv, toNmapXml } from '../../../../src-main/engine/scanner/export.js';
import { readOpenFileLimit } from '../../../../src-main/engine/scanner/fd-limit.js';
import { sameService } from '../../../../src-main/engine/scanner/port-scan.js';
import { compactPorts, parsePorts, portSet } from '../../../../src-main/engine/scanner/ports.js';
import { classifyBanner, parseHttpResponse, parseMysqlGreeting, probeOrder } from '../../../../src-main/engine/scanner/service-detect.js';
import { bigIntToIpv6, ipv6ToBigInt, isPrivateAddress } from '../../../../src-main/contract/ip-address.js';
import { expandTargets, parseTargets } from '../../../../src-main/engine/scanner/targets.js';
import { MIN_PROBES_PER_WORKER, planWorkers } from '../../../../src-main/engine/scanner/scan-workers.js';
import { isLoopbackAddress } from '../../../../src-main/engine/net/address.js';
import { CongestionWindow, LOOPBACK_MAX_WINDOW, loopbackPreset, RateLimiter, RttEstimator, shardPreset, TIMING_PRESETS } from '../../../../src-main/engine/scanner/timing.js';
import { berOctetStrings, decodeDns, decodeUdpReply, encodeDnsQuery, encodeNbstat, encodeNtpRequest, encodeSnmpGet, udpProbeFor } from '../../../../src-main/engine/scanner/udp-probes.js';
import type { ScanResults } from '../../../../src-main/contract/index.js';

const addrs = (text: string) => parseTargets(text).map((p) => (p.kind === 'address' ? p.address : `name:${p.name}`));

describe('targets', () => {
  it('expands literals, CIDR blocks, ranges, lists and names', () => {
    expect(addrs('10.0.0.1-3, 192.168.1.254/31 ::1 example.test')).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '192.168.1.254', '192.168.1.255', '::1', 'name:example.test']);
    expect(addrs('10.1.2.3/24')).toHaveLength(256);
    expect(addrs('10.1.2.3/24')[0]).toBe('10.1.2.0');
    expect(addrs('10.0.0.250-10.0.1.2')).toEqual(['10.0.0.250', '10.0.0.251', '10.0.0.252', '10.0.0.253', '10.0.0.254', '10.0.0.255', '10.0.1.0', '10.0.1.1', '10.0.1.2']);
    expect(addrs('fd00::1/126')).toEqual(['fd00::', 'fd00::1', 'fd00::2', 'fd00::3']);
    expect(addrs('fd00::fe-101')).toEqual(['fd00::fe', 'fd00::ff', 'fd00::100', 'fd00::101']);
    expect(addrs('[0:0:0:0:0:0:0:1]')).toEqual(['::1']);
  });

  it('refuses huge blocks and nonsense with a sentence', () => {
    expect(() => parseTargets('10.0.0.0/8')).toThrow(/16,777,216 addresses; a scan takes at most 65,536/);
    expect(() => parseTargets('fd00::/64')).toThrow(/at most 65,536 hosts/);
    expect(() => parseTargets('10.0.0.9-3')).toThrow(/reversed/);
    expect(() => parseTargets('300.1.1.1')).toThrow(/not an address/);
    expect(() => parseTargets('10.0.0.0/33')).toThrow(/0 to 32/);
  });

  it('resolves names, shows every address and scans the first IPv4 one', async () => {
    const hosts = await expandTargets('db.lan,127.0.0.1', async () => ['fd00::5', '10.0.0.5']);
    expect(hosts).toEqual([
      { target: 'db.lan', address: '10.0.0.5', addresses: ['fd00::5', '10.0.0.5'] },
      { target: '127.0.0.1', address: '127.0.0.1', addresses: ['127.0.0.1'] },
    ]);
    await expect(expandTargets('nowhere.invalid', async () => Promise.reject(Object.assign(new Error('x'), { code: 'ENOTFOUND' })))).rejects.toThrow(/could not be resolved \(ENOTFOUND\)/);
  });

  it('tells private, loopback and link-local addresses from public ones', () => {
    for (const a of ['127.0.0.1', '10.2.3.4', '172.31.0.1', '192.168.0.1', '169.254.1.1', '100.64.0.1', '::1', 'fd12::1', 'fe80::1', '::ffff:192.168.1.1']) expect(isPrivateAddress(a), a).toBe(true);
    for (const a of ['8.8.8.8', '172.32.0.1', '192.0.2.1', '2001:db8::1', '::ffff:8.8.8.8']) expect(isPrivateAddress(a), a).toBe(false);
  });

  it('round-trips IPv6 spellings to the canonical form', () => {
    expect(bigIntToIpv6(ipv6ToBigInt('2001:0db8:0000:0000:0000:ff00:0042:8329')!)).toBe('2001:db8::ff00:42:8329');
    expect(bigIntToIpv6(ipv6ToBigInt('::ffff:10.0.0.1')!)).toBe('::ffff:a00:1');
    expect(ipv6ToBigInt('1::2::3')).toBeUndefined();
  });
});

describe('ports', () => {
  const top = { tcp: [80, 23, 443, 21, 22], udp: [631, 161, 137] };
  const services = (name: string) => ({ ssh: [22], http: [80, 8008] })[name] ?? [];
  it('parses lists, ranges, all, top:N and service names, keeping order and dropping repeats', () => {
    expect(parsePorts('22,80,443', 'tcp', top, services)).toEqual([22, 80, 443]);
    expect(parsePorts('1-5', 'tcp', top, services)).toEqual([1, 2, 3, 4, 5]);
    expect(parsePorts('all', 'tcp', top, services)).toHaveLength(65535);
    expect(parsePorts('top:3,22,ssh', 'tcp', top, services)).toEqual([80, 23, 443, 22]);
    expect(parsePorts('top:2', 'udp', top, services)).toEqual([631, 161]);
    expect(parsePorts('ssh,http', 'tcp', top, services)).toEqual([22, 80, 8008]);
    expect(parsePorts('65530-', 'tcp', top, services)).toEqual([65530, 65531, 65532, 65533, 65534, 65535]);
  });
  it('refuses bad specs with a sentence', () => {
    expect(() => parsePorts('0', 'tcp', top, services)).toThrow(/ports go from 1 to 65535/);
    expect(() => parsePorts('90-80', 'tcp', top, services)).toThrow(/reversed/);
    expect(() => parsePorts('top:9', 'tcp', top, services)).toThrow(/top takes 1 to 5/);
    expect(() => parsePorts('gopherish', 'tcp', top, services)).toThrow(/No TCP port is known for the service "gopherish"/);
  });
  it('compacts port lists into ranges and back', () => {
    expect(compactPorts([443, 22, 80, 81, 82, 22])).toBe('22,80-82,443');
    const set = portSet('22,80-82');
    expect([21, 22, 80, 82, 83].map((p) => set[p])).toEqual([0, 1, 1, 1, 0]);
    // The ends of the port space, and every port (a full scan).
    const all = Array.from({ length: 65535 }, (_, i) => 65535 - i);
    expect(compactPorts(all)).toBe('1-65535');
    expect(compactPorts([65535, 1, 65534, 3])).toBe('1,3,65534-65535');
    expect(compactPorts([])).toBe('');
    const odd = all.filter((p) => p % 7 !== 0);
    const back = portSet(compactPorts(odd));
    expect(odd.every((p) => back[p] === 1)).toBe(true);
    expect(back.reduce((n, v) => n + v, 0)).toBe(odd.length);
  });
  it('ships a curated top-ports order with sources', async () => {
    const { loadTopPorts } = await import('../../../../src-main/engine/scanner/ports.js');
    const { ASSETS_DIR } = await import('../../../helpers/app.js');
    const t = await loadTopPorts(ASSETS_DIR);
    expect(t.tcp.slice(0, 5)).toEqual([80, 23, 443, 21, 22]);
    expect(new Set(t.tcp).size).toBe(t.tcp.length);
    expect(t.udp.length).toBeGreaterThanOrEqual(100);
  });
});

describe('timing', () => {
  const preset = TIMING_PRESETS[4]!;
  it('estimates the timeout as srtt + 4 rttvar within the preset bounds', () => {
    const rtt = new RttEstimator(preset);
    expect(rtt.timeoutMs()).toBe(preset.initialRttMs);
    for (let i = 0; i < 20; i++) rtt.sample(0.05);
    expect(rtt.timeoutMs()).toBe(preset.minRttMs);
    const slow = new RttEstimator(preset);
    for (const s of [200, 260, 180, 300, 220]) slow.sample(s);
    expect(slow.timeoutMs()).toBeCloseTo(slow.srtt + 4 * slow.rttvar, 6);
    for (let i = 0; i < 5; i++) slow.sample(5000);
    expect(slow.timeoutMs()).toBe(preset.maxRttMs);
  });
  it('grows the window on answers and halves it once per timeout period', () => {
    const w = new CongestionWindow(preset);
    const start = w.limit;
    for (let i = 0; i < 100; i++) w.onAnswer();
    expect(w.limit).toBe(start + 100);
    w.onTimeout(1000, 100);
    expect(w.limit).toBe(Math.floor((start + 100) / 2));
    w.onTimeout(1050, 100);
    expect(w.limit).toBe(Math.floor((start + 100) / 2));
    w.cap = 7;
    expect(w.limit).toBe(7);
  });
  it('limits the rate with a token bucket', () => {
    const r = new RateLimiter(100, 0);
    let sent = 0;
    for (let t = 0; t <= 1000; t += 1) while (r.take(t) === 0) sent++;
    expect(sent).toBeGreaterThanOrEqual(95);
    expect(sent).toBeLessThanOrEqual(106);
  });
  it('bounds the window on loopback, where a bigger one only queues in this process', () => {
    for (const address of ['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(address), address).toBe(true);
    for (const address of ['128.0.0.1', '10.0.0.1', '::2', 'fe80::1', '::ffff:10.0.0.1', 'localhost', '']) expect(isLoopbackAddress(address), address).toBe(false);
    const insane = loopbackPreset(TIMING_PRESETS[5]!);
    expect(insane).toMatchObject({ maxWindow: LOOPBACK_MAX_WINDOW, initialWindow: LOOPBACK_MAX_WINDOW, minWindow: TIMING_PRESETS[5]!.minWindow, minRttMs: TIMING_PRESETS[5]!.minRttMs });
    expect(loopbackPreset(TIMING_PRESETS[2]!)).toEqual(TIMING_PRESETS[2]);
  });
  it('gives each of n threads an n-th of the window, so the probes in flight stay the same', () => {
    const base = TIMING_PRESETS[4]!;
    expect(shardPreset(base, 1)).toBe(base);
    expect(shardPreset(base, 2)).toMatchObject({ minWindow: 5, initialWindow: 32, maxWindow: 1024, minRttMs: base.minRttMs, scanDelayMs: 0 });
    expect(shardPreset(TIMING_PRESETS[3]!, 4).minWindow).toBe(1);
  });
  it('uses threads only for scans big enough to pay for them, within the cores and the open-file budget', () => {
    expect(planWorkers(65535, 20000, undefined, 2)).toBe(2);
    expect(planWorkers(65535, 20000, undefined, 16)).toBe(7);
    expect(planWorkers(16_777_216, 20000, undefined, 64)).toBe(8);
    expect(planWorkers(MIN_PROBES_PER_WORKER * 2 - 1, 20000, undefined, 8)).toBe(1);
    expect(planWorkers(65535, 20000, undefined, 1)).toBe(1);
    expect(planWorkers(65535, 7, undefined, 8)).toBe(1); // ulimit -n 64: one thread does better
    expect(planWorkers(100, 7, 2, 1)).toBe(2); // asked for
    expect(planWorkers(100, 7, 0, 8)).toBe(1);
  });
  it('reads the soft open-file limit from /proc/self/limits', () => {
    const text = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files\n';
    expect(readOpenFileLimit(text)).toBe(1024);
    expect(readOpenFileLimit('Max open files            unlimited            unlimited            files\n')).toBeUndefined();
  });
});

describe('UDP probes', () => {
  it('encodes DNS, NTP, SNMP and NetBIOS requests byte for byte', () => {
    expect(encodeDnsQuery(0x1234, 'version.bind', 16, 3).toString('hex')).toBe('1234010000010000000000000776657273696f6e0462696e640000100003');
    const ntp = encodeNtpRequest();
    expect(ntp.length).toBe(48);
    expect(ntp[0]).toBe(0xe3);
    expect(encodeSnmpGet(1).toString('hex')).toBe('302602010004067075626c6963a019020101020100020100300e300c06082b060102010101000500');
    const nb = encodeNbstat(1);
    expect(nb.subarray(13, 45).toString('latin1')).toBe('CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(nb.subarray(-4).toString('hex')).toBe('00210001');
    expect(udpProbeFor(9999, '127.0.0.1').payload.length).toBe(0);
    expect(udpProbeFor(1900, '10.0.0.1').payload.toString()).toContain('HOST: 10.0.0.1:1900');
  });
  it('decodes a DNS version.bind answer and an SNMP sysDescr', () => {
    const q = encodeDnsQuery(7, 'version.bind', 16, 3);
    const answer = Buffer.concat([q, Buffer.from('c00c00100003000000000006', 'hex'), Buffer.from([5]), Buffer.from('9.18.')]);
    answer.writeUInt16BE(0x8500, 2);
    answer.writeUInt16BE(1, 6);
    expect(decodeDns(answer)).toMatchObject({ response: true, answers: 1, txt: '9.18.' });
    expect(decodeUdpReply(udpProbeFor(53, 'x'), answer)).toMatchObject({ name: 'domain', version: '9.18.' });
    const reply = Buffer.from(encodeSnmpGet(1).toString('hex').replace('0500', '0405') + Buffer.from('Linux').toString('hex'), 'hex');
    expect(berOctetStrings(reply)).toEqual(['public']);
    expect(decodeUdpReply(udpProbeFor(9, 'x'), Buffer.from('hello\n'))).toEqual({ name: 'unknown', extra: 'hello' });
    const probe = udpProbeFor(53, 'x');
    expect(decodeUdpReply(probe, probe.payload)).toMatchObject({ extra: 'echoes the probe back' });
  });
});

describe('service banners', () => {
  it('names services from banners and answers', () => {
    expect(classifyBanner(Buffer.from('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'))).toEqual({ name: 'ssh', product: 'OpenSSH', version: '9.2p1', extra: 'protocol 2.0; Debian-2+deb12u3' });
    expect(classifyBanner(Buffer.from('220 mail.example.test ESMTP Postfix (Debian/GNU)\r\n'))).toMatchObject({ name: 'smtp', product: 'Postfix' });
    expect(classifyBanner(Buffer.from('220 (vsFTPd 3.0.3)\r\n'))).toMatchObject({ name: 'ftp', product: 'vsFTPd', version: '3.0.3' });
    expect(classifyBanner(Buffer.from('+OK Dovecot ready.\r\n'))).toMatchObject({ name: 'pop3', product: 'Dovecot' });
    expect(classifyBanner(Buffer.from('* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n'))).toMatchObject({ name: 'imap', product: 'Dovecot' });
    expect(classifyBanner(Buffer.from('-NOAUTH Authentication required.\r\n'))).toMatchObject({ name: 'redis' });
    expect(parseHttpResponse('HTTP/1.1 404 Not Found\r\nServer: Apache/2.4.57 (Debian)\r\n\r\n')).toEqual({ name: 'http', product: 'Apache', version: '2.4.57', extra: '(Debian); HTTP/1.1 404 Not Found' });
    const greeting = Buffer.concat([Buffer.from([0x4a, 0, 0, 0, 10]), Buffer.from('8.0.36\0'), Buffer.alloc(60)]);
    expect(parseMysqlGreeting(greeting)).toEqual({ name: 'mysql', product: 'MySQL', version: '8.0.36' });
    expect(parseMysqlGreeting(Buffer.concat([Buffer.from([0x4a, 0, 0, 0, 10]), Buffer.from('5.5.5-10.11.6-MariaDB-0+deb12u1\0'), Buffer.alloc(40)]))).toMatchObject({ product: 'MariaDB', version: '10.11.6-MariaDB-0+deb12u1' });
    expect(classifyBanner(Buffer.from([0x16, 0x03, 0x01]))).toBeUndefined();
  });
  it('tries the expected protocol first', () => {
    expect(probeOrder(443, undefined)[0]).toBe('tls');
    expect(probeOrder(8080, 'http-alt')).toEqual(['http', 'tls', 'redis', 'postgres']);
    expect(probeOrder(6379, 'redis')[0]).toBe('redis');
    expect(probeOrder(2222, undefined)[0]).toBe('banner');
    expect(sameService('www-http', 'http')).toBe(true);
    expect(sameService('http', 'ssh')).toBe(false);
  });
});

describe('exports and diff', () => {
  const scan = (id: string, results: ScanResults['results'], portList = '1-1000'): ScanResults => ({
    info: { id, spec: { targets: 'h<&>"', ports: '1-1000', protocol: 'tcp', serviceDetection: true, timing: 4, confirmPublic: false }, state: 'done', hosts: [{ target: 'h<&>"', address: '10.0.0.1', addresses: ['10.0.0.1'] }], portCount: 1000, portList, total: 1000, done: 1000, open: results.filter((r) => r.state === 'open').length, rate: 0, etaMs: 0, startedAt: 0, finishedAt: 1000 },
    results,
    counts: [{ host: '10.0.0.1', counts: { open: 1, closed: 998, filtered: 1, 'open|filtered': 0, error: 0 } }],
  });
  const open = (port: number, extra: object = {}) => ({ host: '10.0.0.1', port, protocol: 'tcp' as const, state: 'open' as const, reason: 'syn-ack' as const, ...extra });

  it('escapes XML and CSV', () => {
    expect(escapeXml(`a<b>&"c'\n\u0001`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;&#10;');
    expect(csvCell('=cmd()')).toBe("'=cmd()");
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    const xml = toNmapXml(scan('x', [open(22, { service: { name: 'ssh', product: 'Open"SSH<', extra: 'a & b' } })]), '0.1.0');
    expect(xml).toContain('product="Open&quot;SSH&lt;" extrainfo="a &amp; b"');
    expect(xml).toContain('<hostname name="h&lt;&amp;&gt;&quot;" type="user"/>');
    expect(xml).toContain('<extraports state="closed" count="998">');
    expect(toCsv(scan('x', [open(22)])).split('\r\n')[1]).toBe('10.0.0.1,22,tcp,open,syn-ack,,,,,,,,,,,,');
  });

  it('diffs newly open, newly closed and changed ports over ports both scans covered', () => {
    const a = scan('a', [open(22, { service: { name: 'ssh', version: '8.0' } }), open(80), { ...open(443), state: 'filtered', reason: 'no-response' }]);
    const b = scan('b', [open(22, { service: { name: 'ssh', version: '9.2' } }), open(8080), open(5000)], '1-1000,5000');
    expect(diffScans(a, b).hosts).toEqual([
      {
        host: '10.0.0.1',
        newlyOpen: [],
        newlyClosed: [{ port: 80, protocol: 'tcp', from: 'open', to: 'closed' }],
        changed: [
          { port: 22, protocol: 'tcp', from: 'open', to: 'open', serviceFrom: 'ssh 8.0', serviceTo: 'ssh 9.2' },
          { port: 443, protocol: 'tcp', from: 'filtered', to: 'closed' },
        ],
      },
    ]);
    expect(() => diffScans(a, { ...b, info: { ...b.info, hosts: [{ target: 'y', address: '10.0.0.2', addresses: [] }] } })).toThrow(/no host in common/);
  });
});
