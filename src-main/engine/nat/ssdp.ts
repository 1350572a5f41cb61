/**
 * SSDP discovery of a UPnP Internet Gateway Device: an M-SEARCH to 239.255.255.250:1900 from the
 * LAN interface (and, unicast, to the gateway itself), answered by HTTP-like UDP responses whose
 * LOCATION header is the root description URL.
 */
import dgram from 'node:dgram';

export const SSDP_ADDRESS = '239.255.255.250';
export const SSDP_PORT = 1900;
/** Search targets, most specific first: IGD v2 and v1 devices and their WAN connection services. */
export const IGD_SEARCH_TARGETS = [
  'urn:schemas-upnp-org:device:InternetGatewayDevice:2',
  'urn:schemas-upnp-org:device:InternetGatewayDevice:1',
];

/** An M-SEARCH request for one search target; `mx` is the seconds a device may wait to answer. */
export function buildMSearch(searchTarget: string, mx = 1, host = `${SSDP_ADDRESS}:${SSDP_PORT}`): string {
  return `M-SEARCH * HTTP/1.1\r\nHOST: ${host}\r\nMAN: "ssdp:discover"\r\nMX: ${mx}\r\nST: ${searchTarget}\r\n\r\n`;
}

/** The headers of an SSDP answer that matter here. */
export interface SsdpResponse {
  location: string;
  st: string;
  usn: string;
  server: string;
}

/** Parses an SSDP search answer (or NOTIFY); undefined when it is neither or has no LOCATION. */
export function parseSsdpResponse(text: string): SsdpResponse | undefined {
  const lines = text.split(/\r?\n/);
  const first = lines[0]?.trim() ?? '';
  if (!/^HTTP\/1\.[01] 200\b/i.test(first) && !/^NOTIFY \* HTTP\/1\.[01]$/i.test(first)) return undefined;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const location = headers.get('location');
  if (!location || !/^https?:\/\//i.test(location)) return undefined;
  return { location, st: headers.get('st') ?? headers.get('nt') ?? '', usn: headers.get('usn') ?? '', server: headers.get('server') ?? '' };
}

/** Where and how to search. */
export interface SsdpSearchOptions {
  /** This machine's LAN address: the socket binds to it so the search leaves by the LAN interface. */
  localAddress: string;
  /** The gateway: it is asked by unicast too, and its answers are preferred. */
  gateway: string;
  /** Send the multicast search (off in tests on loopback). */
  multicast?: boolean;
  /** The gateway's SSDP port (1900; tests use another). */
  port?: number;
  /** How long to wait for answers in ms (an answer from the gateway ends the wait early). */
  timeoutMs?: number;
}

/** Searches for an IGD; resolves with the answers (gateway's first), empty when nothing answered. */
export function searchIgd(search: SsdpSearchOptions): Promise<Array<SsdpResponse & { from: string }>> {
  const port = search.port ?? SSDP_PORT;
  const timeoutMs = search.timeoutMs ?? 2500;
  return new Promise((resolve) => {
    const found: Array<SsdpResponse & { from: string }> = [];
    const socket = dgram.createSocket({ type: 'udp4' });
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = () => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      socket.close();
      found.sort((a, b) => Number(b.from === search.gateway) - Number(a.from === search.gateway));
      resolve(found);
    };
    socket.on('error', finish);
    socket.on('message', (msg, rinfo) => {
      const r = parseSsdpResponse(msg.toString('latin1'));
      if (!r || !/InternetGatewayDevice|WANIPConnection|WANPPPConnection/i.test(r.st)) return;
      if (found.some((f) => f.location === r.location)) return;
      found.push({ ...r, from: rinfo.address });
      // The gateway answered: give the other search target a moment, then stop.
      if (rinfo.address === search.gateway) timers.push(setTimeout(finish, 150));
    });
    socket.bind(0, search.localAddress, () => {
      const send = () => {
        for (const st of IGD_SEARCH_TARGETS) {
          if (search.multicast !== false && !search.gateway.startsWith('127.')) {
            try {
              socket.setMulticastInterface(search.localAddress);
              socket.setMulticastTTL(2);
            } catch {
              // Loopback or an interface without multicast: the unicast search still goes out.
            }
            socket.send(buildMSearch(st, 1), SSDP_PORT, SSDP_ADDRESS, () => undefined);
          }
          socket.send(buildMSearch(st, 1, `${search.gateway}:${port}`), port, search.gateway, () => undefined);
        }
      };
      send();
      // UDP may be lost: search once more.
      timers.push(setTimeout(() => !settled && send(), Math.min(1000, timeoutMs / 2)));
      timers.push(setTimeout(finish, timeoutMs));
    });
  });
}
