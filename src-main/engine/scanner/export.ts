/**
 * Exports of a finished scan (JSON, CSV, nmap's XML) and the diff of two scans. nmap's XML follows
 * its DTD (nmap.dtd: nmaprun / scaninfo / host / status / address / hostnames / ports / extraports /
 * port / state / service / runstats), so Zenmap-style readers and XSLT (nmap.xsl) accept it.
 */
import { PortolanError } from '../../contract/errors.js';
import type { HostDiff, PortChange, PortResult, PortState, ScanDiff, ScanResults } from '../../contract/scan.js';
import { portSet } from './ports.js';

/** Escapes text for XML attribute values and content (and drops characters XML 1.0 forbids). */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

const attrs = (values: Record<string, string | number | undefined>) =>
  Object.entries(values)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');

/** nmap's XML output (-oX) of a scan. */
export function toNmapXml(scan: ScanResults, version: string): string {
  const { info } = scan;
  const start = Math.floor(info.startedAt / 1000);
  const end = Math.floor((info.finishedAt ?? Date.now()) / 1000);
  const proto = info.spec.protocol;
  const args = `portolan scan ${info.spec.targets} -p ${info.spec.ports}${proto === 'udp' ? ' --udp' : ''}${info.spec.serviceDetection ? ' --service' : ''} --timing ${info.spec.timing}`;
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE nmaprun>',
    `<!-- Written by Portolan ${escapeXml(version).replace(/--/g, '- -')}: nmap's DTD allows only scanner="nmap", so readers of nmap -oX accept this file. -->`,
    `<nmaprun${attrs({ scanner: 'nmap', args, start, startstr: new Date(info.startedAt).toUTCString(), version, xmloutputversion: '1.05' })}>`,
    `<scaninfo${attrs({ type: proto === 'udp' ? 'udp' : 'connect', protocol: proto, numservices: info.portCount, services: info.portList })}/>`,
    '<verbose level="0"/>',
    '<debugging level="0"/>',
  ];
  const byHost = new Map<string, PortResult[]>();
  for (const r of scan.results) {
    let list = byHost.get(r.host);
    if (!list) byHost.set(r.host, (list = []));
    list.push(r);
  }
  for (const host of info.hosts) {
    const counts = scan.counts.find((c) => c.host === host.address)?.counts;
    out.push(`<host${attrs({ starttime: start, endtime: end })}><status state="up" reason="user-set" reason_ttl="0"/>`);
    out.push(`<address${attrs({ addr: host.address, addrtype: host.address.includes(':') ? 'ipv6' : 'ipv4' })}/>`);
    out.push(host.target !== host.address ? `<hostnames><hostname${attrs({ name: host.target, type: 'user' })}/></hostnames>` : '<hostnames>\n</hostnames>');
    out.push('<ports>');
    if (counts?.closed) {
      const reason = proto === 'udp' ? 'port-unreach' : 'conn-refused';
      out.push(`<extraports state="closed" count="${counts.closed}"><extrareasons${attrs({ reason, count: counts.closed, proto, ports: '' })}/></extraports>`);
    }
    for (const r of byHost.get(host.address) ?? []) {
      const reason = r.reason === 'port-unreachable' ? 'port-unreach' : r.reason === 'icmp-unreachable' ? 'host-unreach' : r.reason;
      const s = r.service;
      const service = s
        ? `<service${attrs({ name: s.name, product: s.product, version: s.version, extrainfo: s.extra, tunnel: s.tls ? 'ssl' : undefined, method: 'probed', conf: s.name === 'unknown' ? 3 : 10 })}/>`
        : r.expectedService
          ? `<service${attrs({ name: r.expectedService, method: 'table', conf: 3 })}/>`
          : '';
      out.push(`<port${attrs({ protocol: r.protocol, portid: r.port })}><state${attrs({ state: r.state, reason, reason_ttl: 0 })}/>${service}</port>`);
    }
    out.push('</ports>');
    out.push('</host>');
  }
  const elapsed = ((info.finishedAt ?? Date.now()) - info.startedAt) / 1000;
  const summary = `Portolan done at ${new Date(info.finishedAt ?? Date.now()).toUTCString()}; ${info.hosts.length} IP address${info.hosts.length === 1 ? '' : 'es'} scanned in ${elapsed.toFixed(2)} seconds`;
  out.push(
    `<runstats><finished${attrs({ time: end, timestr: new Date(end * 1000).toUTCString(), summary, elapsed: elapsed.toFixed(2), exit: info.state === 'failed' ? 'error' : 'success', errormsg: info.state === 'failed' ? info.message : undefined })}/>` +
      `<hosts up="${info.hosts.length}" down="0" total="${info.hosts.length}"/></runstats>`,
  );
  out.push('</nmaprun>');
  return `${out.join('\n')}\n`;
}

/** A CSV cell: quoted when needed, and a leading = + - @ neutralized so spreadsheets do not run it. */
export function csvCell(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const CSV_HEADER = ['host', 'port', 'protocol', 'state', 'reason', 'detail', 'rtt_ms', 'service', 'product', 'version', 'extra', 'tls_subject', 'tls_issuer', 'tls_valid_to', 'tls_alpn', 'expected_service', 'mismatch'];

/** Non-closed ports as CSV (one line per port, header first). */
export function toCsv(scan: ScanResults): string {
  const lines = [CSV_HEADER.join(',')];
  for (const r of scan.results) {
    const s = r.service;
    lines.push(
      [r.host, r.port, r.protocol, r.state, r.reason, r.detail, r.rttMs, s?.name, s?.product, s?.version, s?.extra, s?.tls?.subject, s?.tls?.issuer, s?.tls?.validTo, s?.tls?.alpn, r.expectedService, r.mismatch]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Compares an earlier scan `a` with a later scan `b`, per host both scanned, over ports both scanned. */
export function diffScans(a: ScanResults, b: ScanResults): ScanDiff {
  if (a.info.spec.protocol !== b.info.spec.protocol) {
    throw new PortolanError('INVALID_INPUT', `Scan ${a.info.id} is ${a.info.spec.protocol.toUpperCase()} and scan ${b.info.id} is ${b.info.spec.protocol.toUpperCase()}: compare two scans of the same protocol.`);
  }
  const hostsB = new Set(b.info.hosts.map((h) => h.address));
  const common = a.info.hosts.map((h) => h.address).filter((h) => hostsB.has(h));
  if (common.length === 0) throw new PortolanError('INVALID_INPUT', 'The two scans have no host in common: a diff compares scans of the same host.');
  const inA = portSet(a.info.portList);
  const inB = portSet(b.info.portList);
  const hosts: HostDiff[] = common.map((host) => {
    const ra = new Map(a.results.filter((r) => r.host === host).map((r) => [r.port, r]));
    const rb = new Map(b.results.filter((r) => r.host === host).map((r) => [r.port, r]));
    const ports = [...new Set([...ra.keys(), ...rb.keys()])].filter((p) => inA[p] && inB[p]).sort((x, y) => x - y);
    const diff: HostDiff = { host, newlyOpen: [], newlyClosed: [], changed: [] };
    for (const port of ports) {
      const from: PortState = ra.get(port)?.state ?? 'closed';
      const to: PortState = rb.get(port)?.state ?? 'closed';
      const change: PortChange = { port, protocol: a.info.spec.protocol, from, to };
      if (from !== 'open' && to === 'open') diff.newlyOpen.push(rb.get(port)!);
      else if (from === 'open' && to !== 'open') diff.newlyClosed.push(change);
      else if (from !== to) diff.changed.push(change);
      else if (from === 'open') {
        const sa = ra.get(port)?.service?.name;
        const sb = rb.get(port)?.service?.name;
        if (sa && sb && (sa !== sb || ra.get(port)?.service?.version !== rb.get(port)?.service?.version)) {
          diff.changed.push({ ...change, serviceFrom: [sa, ra.get(port)?.service?.version].filter(Boolean).join(' '), serviceTo: [sb, rb.get(port)?.service?.version].filter(Boolean).join(' ') });
        }
      }
    }
    return diff;
  });
  return { a: a.info.id, b: b.info.id, hosts };
}
