/**
 * Follows the chain for each listening socket: bind scope, the host firewall for a first packet
 * from this network and from the internet, a router mapping, and the verdict, with one reason
 * per link. Pure: the caller reads sockets, interfaces, the firewall and the router.
 */
import type { ExposureEntry, FirewallVerdict, Mapping, Reach, SocketRow } from '../../contract/index.js';
import { internetSources, isInternetAddress, parseAddress, prefixInterval, type AddressSet, type IpFamily } from './address-set.js';
import { evaluateConnection, type FirewallDecision } from './evaluate.js';
import type { HostFirewall } from './platform-firewall.js';

/** One address of an interface (os.networkInterfaces() flattened). */
export interface InterfaceAddress {
  name: string;
  address: string;
  family: IpFamily;
  /** Prefix length of its network. */
  prefix: number;
  internal: boolean;
}

/** The router's mappings, or why they are not known. */
/** The router's mappings (`asked`: listed by the router just now, else as last known), or why they are not known. */
export type MappingsReading = { ok: true; mappings: Mapping[]; asked: boolean } | { ok: false; reason: string };

/** Everything the assessment needs. */
export interface ExposureInputs {
  rows: SocketRow[];
  interfaces: InterfaceAddress[];
  firewall: HostFirewall;
  router: MappingsReading;
  /** net.ipv6.bindv6only: whether a socket on :: takes IPv4 too by default (0 = yes). */
  bindV6Only?: boolean;
}

/** Where a packet enters: the interface, the address it is sent to, and the LAN's senders. */
interface EntryPoint {
  iface: InterfaceAddress;
  family: IpFamily;
  daddr: string;
  lan: AddressSet;
}

const unmapped = (a: string) => (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(a) ? a.slice(7) : a);
const isLoopback = (a: string) => a === '::1' || /^127\./.test(unmapped(a));
const isAny = (a: string) => a === '0.0.0.0' || a === '::' || a === '*';

/** The bind scope of an address and the entry points through which the network reaches it. */
export function bindScope(row: SocketRow, interfaces: InterfaceAddress[], bindV6Only = false): { bind: ExposureEntry['bind']; entries: EntryPoint[]; text: string } {
  const address = row.localAddress;
  const point = (i: InterfaceAddress): EntryPoint => {
    const a = parseAddress(i.address)!;
    return { iface: i, family: i.family, daddr: i.address, lan: { family: i.family, intervals: [prefixInterval(i.family, a.value, i.prefix)] } };
  };
  const external = interfaces.filter((i) => !i.internal && parseAddress(i.address));
  if (isLoopback(address)) return { bind: 'loopback', entries: [], text: `loopback only (${address}): no other machine can connect` };
  if (isAny(address)) {
    const v6 = address === '::' || (address === '*' && row.proto.endsWith('6'));
    const families: IpFamily[] = address === '*' ? [4, 6] : v6 ? (bindV6Only ? [6] : [6, 4]) : [4];
    const entries = external.filter((i) => families.includes(i.family)).map(point);
    const what = address === '::' ? (bindV6Only ? 'every IPv6 interface (::, IPv6 only)' : 'every interface, IPv6 and IPv4 (::, with v4-mapped addresses)') : `every IPv4 interface (${address})`;
    return { bind: 'any', entries, text: `${what}: ${[...new Set(entries.map((e) => e.iface.name))].join(', ') || 'no network interface is up'}` };
  }
  const plain = unmapped(address.split('%')[0]!);
  const own = interfaces.filter((i) => i.address === plain);
  return { bind: 'interface', entries: own.filter((i) => !i.internal).map(point), text: own.length ? `one interface: ${own[0]!.name} (${plain})` : `one address, ${plain}, which no interface holds now` };
}

const RANK: Record<FirewallVerdict, number> = { allow: 3, unknown: 2, reject: 1, drop: 0 };

/** The most open decision over several entry points (a port open on one interface is open). */
function mostOpen(decisions: Array<{ point: EntryPoint; d: FirewallDecision }>): { point?: EntryPoint; d: FirewallDecision } {
  return decisions.reduce<{ point?: EntryPoint; d: FirewallDecision }>((best, x) => (RANK[x.d.verdict] > RANK[best.d.verdict] ? x : best), decisions[0] ?? { d: { verdict: 'drop', reason: 'No interface to reach it on.' } });
}

function mappingText(m: Mapping): string {
  const via = { upnp: 'UPnP IGD', natpmp: 'NAT-PMP', pcp: 'PCP' }[m.via];
  return `${m.protocol} ${m.externalPort} -> ${m.internalHost}:${m.internalPort} via ${via}`;
}

/** The assessment of every listening socket. */
export function assessExposure(inputs: ExposureInputs): ExposureEntry[] {
  const listening = inputs.rows.filter((r) => (r.proto.startsWith('tcp') ? r.state === 'LISTEN' : r.state === 'UNCONN'));
  return listening.map((row) => assessOne(row, inputs)).sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol) || a.address.localeCompare(b.address));
}

function assessOne(row: SocketRow, inputs: ExposureInputs): ExposureEntry {
  const protocol = row.proto.startsWith('tcp') ? ('tcp' as const) : ('udp' as const);
  const scope = bindScope(row, inputs.interfaces, inputs.bindV6Only);
  const who = row.process ? `${row.process}${row.pid ? ` (pid ${row.pid})` : ''}` : 'a process Portolan cannot see';
  const reasons = [`Bind: ${scope.text}; held by ${who}.`];
  const base = {
    id: row.id,
    protocol,
    address: row.localAddress,
    port: row.localPort,
    ...(row.pid !== undefined ? { pid: row.pid } : {}),
    ...(row.process ? { process: row.process } : {}),
    ...(row.ownedBy ? { ownedBy: row.ownedBy } : {}),
    bind: scope.bind,
    interfaces: [...new Set(scope.entries.map((e) => e.iface.name))],
  };
  if (scope.bind === 'loopback' || scope.entries.length === 0) {
    reasons.push(`Verdict: only this machine can connect.`);
    return { ...base, firewall: { lan: 'drop', internet: 'drop', rule: 'not reachable: bound to loopback' }, router: null, reachableFrom: 'machine', reasons };
  }

  // Router: a mapping whose internal host is an address this socket answers on.
  const addresses = new Set(scope.entries.map((e) => e.daddr));
  const mapping = inputs.router.ok ? inputs.router.mappings.find((m) => m.protocol === protocol && m.internalPort === row.localPort && addresses.has(m.internalHost) && m.state !== 'removed') : undefined;
  // Straight from the internet: a public IPv4 address on an interface the socket answers on.
  const publicV4 = scope.entries.find((e) => e.family === 4 && isInternetAddress(e.daddr));
  const globalV6 = scope.entries.find((e) => e.family === 6 && isInternetAddress(e.daddr));
  // Where the internet's packets arrive: the address a router mapping forwards to, or a public
  // address of this machine; else (no way in seen) every interface, to say what the firewall would do.
  const internetPoints = mapping ? scope.entries.filter((e) => e.daddr === mapping.internalHost) : publicV4 ? [publicV4] : globalV6 ? [globalV6] : scope.entries;

  const fw = inputs.firewall;
  let lan: { point?: EntryPoint; d: FirewallDecision };
  let net: { point?: EntryPoint; d: FirewallDecision };
  if (fw.ok) {
    const probe = (p: EntryPoint, sources: AddressSet, from: 'lan' | 'internet') =>
      'platform' in fw
        ? fw.platform.decide({ protocol, port: row.localPort, from, iface: p.iface.name, family: p.family, ...(row.process ? { process: row.process } : {}) })
        : evaluateConnection(fw.ruleset, { family: p.family, iif: p.iface.name, sources, daddr: p.daddr, protocol, port: row.localPort });
    lan = mostOpen(scope.entries.map((point) => ({ point, d: probe(point, point.lan, 'lan') })));
    net = mostOpen(internetPoints.map((point) => ({ point, d: probe(point, internetSources(point.family), 'internet') })));
    reasons.push(`Firewall, from this network${lan.point ? ` (${lan.point.iface.name})` : ''}: ${lan.d.reason}`);
    reasons.push(`Firewall, from the internet${net.point && (mapping || publicV4 || globalV6) ? ` (${net.point.iface.name})` : ''}: ${net.d.reason}`);
  } else {
    const d: FirewallDecision = { verdict: 'unknown', reason: `Unknown: ${fw.reason}.` };
    lan = { d };
    net = { d };
    reasons.push(`Firewall: ${d.reason}`);
  }

  if (!inputs.router.ok) reasons.push(`Router: mappings not known (${inputs.router.reason}).`);
  else if (mapping) reasons.push(`Router: mapping ${mappingText(mapping)} forwards the internet to it${inputs.router.asked ? '' : ' (as last listed)'}.`);
  else reasons.push(inputs.router.asked ? `Router: no mapping forwards ${protocol}/${row.localPort} to this machine.` : `Router: no known mapping forwards ${protocol}/${row.localPort} here (the router was not asked just now).`);

  let reach: Reach;
  let verdict: string;
  if (lan.d.verdict === 'unknown' && net.d.verdict !== 'allow') {
    reach = 'unknown';
    verdict = `unknown: ${lan.d.reason.replace(/^Unknown: /, '')}`;
  } else if (net.d.verdict === 'allow' && (mapping || publicV4)) {
    reach = 'internet';
    verdict = mapping ? `the internet (through router mapping ${mappingText(mapping)})` : `the internet (this machine has the public address ${publicV4!.daddr})`;
  } else if (net.d.verdict === 'unknown' && (mapping || publicV4)) {
    reach = 'unknown';
    verdict = `unknown: the firewall's verdict for the internet is unknown and ${mapping ? `router mapping ${mappingText(mapping)} forwards to it` : `this machine has the public address ${publicV4!.daddr}`}`;
  } else if (net.d.verdict === 'allow' && globalV6) {
    reach = 'unknown';
    verdict = `unknown: the firewall lets the internet in over IPv6 (${globalV6.daddr} is a global address); only the router's own IPv6 firewall, which Portolan cannot see, could stop it`;
  } else if (lan.d.verdict === 'allow') {
    reach = 'lan';
    verdict = 'this network';
  } else if (lan.d.verdict === 'unknown') {
    reach = 'unknown';
    verdict = `unknown: ${lan.d.reason.replace(/^Unknown: /, '')}`;
  } else {
    reach = 'machine';
    verdict = 'only this machine (the firewall stops other hosts)';
  }
  reasons.push(`Verdict: ${verdict.replace(/\.$/, '')}.`);
  return {
    ...base,
    firewall: { lan: lan.d.verdict, internet: net.d.verdict, ...(lan.d.rule ? { rule: lan.d.rule } : {}), ...(net.d.rule ? { internetRule: net.d.rule } : {}) },
    router: mapping ? { mapping: mappingText(mapping), id: mapping.id } : null,
    reachableFrom: reach,
    reasons,
  };
}
