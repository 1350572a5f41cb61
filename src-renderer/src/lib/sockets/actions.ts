/**
 * What the user can do next with a socket, as links into the other views: talk to it in a
 * console, forward it, scan the peer, expose it through the router. Links (not callbacks) so that
 * each action is also a place Back returns from, and the target view fills its form from them.
 */
import type { SocketRow } from '../../../../src-main/contract/sockets.js';
import { href } from '../state/app.svelte.js';
import { isListening } from './filter.js';

/** One next action of the detail panel. */
export interface SocketAction {
  label: string;
  href: string;
  title: string;
}

/** A listener on every address is reached on loopback from here. */
function reachable(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::' || address === '::ffff:0.0.0.0') return '::1';
  return address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
}

/** The next actions for a row: for a listener, its own port; for a connection, the remote end. */
export function socketActions(row: SocketRow): SocketAction[] {
  const proto = row.proto.startsWith('udp') ? 'udp' : 'tcp';
  if (isListening(row)) {
    const host = reachable(row.localAddress);
    const actions: SocketAction[] = [
      { label: 'Open a console to it', href: href.connect({ host, port: row.localPort, proto }), title: `Connect to ${host} port ${row.localPort} in a console` },
      { label: 'Forward this port', href: href.forward({ targetHost: host, targetPort: row.localPort, proto }), title: 'Make a forward whose target is this listener' },
    ];
    // Routers map IPv4 ports; a listener on loopback only cannot be reached through one.
    if (!row.proto.endsWith('6') && !row.localAddress.startsWith('127.')) {
      actions.push({ label: 'Expose through router', href: href.router({ internalPort: row.localPort, proto }), title: 'Map this port on the home router (opens it to the internet)' });
    }
    return actions;
  }
  if (row.remotePort === 0) return [];
  const remote = row.remoteAddress.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  return [
    { label: 'Open a console to the remote end', href: href.connect({ host: remote, port: row.remotePort, proto }), title: `Connect to ${remote} port ${row.remotePort} in a new console` },
    { label: 'Scan the remote host', href: href.scan({ target: remote, proto }), title: `Scan ${remote} for open ports` },
    { label: 'Forward the remote port', href: href.forward({ targetHost: remote, targetPort: row.remotePort, proto }), title: `Make a forward to ${remote} port ${row.remotePort}` },
  ];
}
