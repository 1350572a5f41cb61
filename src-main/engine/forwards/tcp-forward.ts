/** Local TCP forward: listen, and for each admitted client (allowlist, then knock gate) connect to the target and relay both ways. */
import type net from 'node:net';
import type { ConnectionInfo, ForwardSpec } from '../../contract/forwards.js';
import { plainAddress } from '../net/address.js';
import { ClientAdmission } from './admission.js';
import { closeServer, listenTcp } from './listen.js';
import { connectAndRelay } from './relay.js';
import { connectionId, socketError, type ForwardOwner, type ForwardRunner } from './types.js';

type TcpSpec = Extract<ForwardSpec, { kind: 'tcp' }>;

/** A running TCP forward. */
export class TcpForward implements ForwardRunner {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly admission: ClientAdmission;
  boundPort: number | undefined;

  constructor(
    private readonly spec: TcpSpec,
    private readonly owner: ForwardOwner,
  ) {
    this.admission = new ClientAdmission(spec.allow, owner);
  }

  async start(): Promise<void> {
    this.server = await listenTcp(this.spec.listenHost, this.spec.listenPort, (client) => this.accept(client), true);
    this.boundPort = (this.server.address() as net.AddressInfo).port;
    this.owner.setState('listening');
  }

  private accept(accepted: net.Socket): void {
    // Refused before any connection to the target is made: the target never sees this client.
    if (!this.admission.admitSocket(accepted)) return;
    const { counters } = this.owner;
    const connection: ConnectionInfo = {
      id: connectionId(),
      forwardId: this.owner.id,
      client: { address: plainAddress(accepted.remoteAddress), port: accepted.remotePort ?? 0 },
      localClientSide: { address: plainAddress(accepted.localAddress), port: accepted.localPort ?? 0 },
      target: { host: this.spec.targetHost, port: this.spec.targetPort },
      bytesIn: 0,
      bytesOut: 0,
      openedAt: Date.now(),
    };
    const pair = connectAndRelay(accepted, this.spec.targetHost, this.spec.targetPort, connection, counters);
    const { client, target } = pair;
    this.sockets.add(client);
    this.sockets.add(target);
    this.owner.opened(connection);
    let connected = false;
    let open = 2;
    const closed = () => {
      if (--open > 0) return;
      connection.closedAt = Date.now();
      this.owner.closed(connection);
    };
    target.once('connect', () => {
      connected = true;
      connection.localTargetSide = { address: plainAddress(target.localAddress), port: target.localPort ?? 0 };
    });
    target.on('error', (err) => {
      if (!connected) {
        counters.targetErrors++;
        connection.error = socketError(err, `the target ${this.spec.targetHost}:${this.spec.targetPort} refused or could not be reached`);
      } else connection.error ??= socketError(err, 'target connection');
      client.destroy();
    });
    client.on('error', (err) => {
      connection.error ??= socketError(err, 'client connection');
      target.destroy();
    });
    target.once('close', () => {
      this.sockets.delete(target);
      closed();
    });
    client.once('close', () => {
      this.sockets.delete(client);
      closed();
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server, [...this.sockets]);
    this.sockets.clear();
  }
}
