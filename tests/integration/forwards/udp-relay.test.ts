/**
 * The UDP forward's runner on real loopback sockets, with its relay in a worker thread (as the app
 * runs it) and on the calling thread (the fallback): flows and replies, exact totals, per-flow
 * byte reports, the flow limit, stop reporting every open flow, and a busy port.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionInfo, ForwardSpec } from '../../../src-main/contract/forwards.js';
import type { ForwardCounters, ForwardOwner } from '../../../src-main/engine/forwards/types.js';
import { UdpForward } from '../../../src-main/engine/forwards/udp-forward.js';
import { FLOW_REPORT_MS } from '../../../src-main/engine/forwards/udp-relay.js';
import { until } from './helpers.js';

type UdpSpec = Extract<ForwardSpec, { kind: 'udp' }>;

function udpSocket(): Promise<dgram.Socket> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1', () => resolve(s));
  });
}

/** A target that answers every datagram with "re:" and the datagram. */
async function echoTarget(): Promise<dgram.Socket> {
  const target = await udpSocket();
  target.on('message', (msg, rinfo) => target.send(Buffer.concat([Buffer.from('re:'), msg]), rinfo.port, rinfo.address));
  return target;
}

function recorder() {
  const counters: ForwardCounters = { activeConnections: 0, totalConnections: 0, bytesIn: 0, bytesOut: 0, refused: 0, targetErrors: 0 };
  const opened: ConnectionInfo[] = [];
  const closed: ConnectionInfo[] = [];
  const refused: [string, number][] = [];
  const states: string[] = [];
  const host: ForwardOwner = {
    id: 'fwd',
    counters,
    setState: (state) => void states.push(state),
    opened: (c) => void opened.push(c),
    closed: (c) => void closed.push(c),
    refusedClient: (address, port) => void refused.push([address, port]),
    hostKey: () => undefined,
  };
  return { host, counters, opened, closed, refused, states };
}

const spec = (targetPort: number, extra: Partial<UdpSpec> = {}): UdpSpec => ({
  kind: 'udp',
  name: 'u',
  listenHost: '127.0.0.1',
  listenPort: 0,
  allow: [],
  startWithApp: false,
  targetHost: '127.0.0.1',
  targetPort,
  udpIdleMs: 60_000,
  ...extra,
});

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe.each([
  ['in a worker thread', true],
  ['on the calling thread', false],
])('UDP forward relay %s', (_name, thread) => {
  it('relays both ways per client, with exact totals and per-flow byte reports', async () => {
    const target = await echoTarget();
    cleanup.push(() => target.close());
    const rec = recorder();
    const fwd = new UdpForward(spec(target.address().port), rec.host, undefined, thread);
    await fwd.start();
    cleanup.push(() => fwd.stop());
    expect(fwd.inWorker).toBe(thread);
    expect(rec.states).toEqual(['listening']);
    const clients = await Promise.all([udpSocket(), udpSocket()]);
    cleanup.push(() => clients.forEach((c) => c.close()));
    const replies = clients.map(() => [] as string[]);
    clients.forEach((c, i) => c.on('message', (m) => replies[i]!.push(String(m))));
    for (let round = 0; round < 3; round++) clients.forEach((c, i) => c.send(`c${i} r${round}`, fwd.boundPort!, '127.0.0.1'));
    await until(() => replies.every((r) => r.length === 3), 3000, 'replies');
    replies.forEach((r, i) => expect(r.sort()).toEqual([0, 1, 2].map((round) => `re:c${i} r${round}`)));
    // Totals are exact as soon as the replies are back: they live in the relay's (shared) array.
    fwd.syncCounters();
    expect(rec.counters).toMatchObject({ bytesIn: 6 * 5, bytesOut: 6 * 8, refused: 0, targetErrors: 0 });
    expect(rec.opened.map((c) => c.client.port).sort()).toEqual(clients.map((c) => c.address().port).sort());
    // Per-flow counts follow within a report period.
    await until(() => rec.opened.every((c) => c.bytesIn === 15 && c.bytesOut === 24), FLOW_REPORT_MS * 4, 'flow byte reports');
    expect(rec.opened.every((c) => c.localTargetSide?.port)).toBe(true);
  });

  it('closes the least recently active flow to make room, and reports every open flow on stop', async () => {
    const target = await echoTarget();
    cleanup.push(() => target.close());
    const rec = recorder();
    const fwd = new UdpForward(spec(target.address().port), rec.host, 2, thread);
    await fwd.start();
    const clients = await Promise.all([udpSocket(), udpSocket(), udpSocket()]);
    cleanup.push(() => clients.forEach((c) => c.close()));
    for (const c of clients) {
      const reply = new Promise((resolve) => c.once('message', resolve));
      c.send('hi', fwd.boundPort!, '127.0.0.1');
      await reply;
    }
    await until(() => rec.closed.length === 1, 2000, 'an evicted flow');
    expect(rec.closed[0]).toMatchObject({ client: { port: clients[0]!.address().port }, error: { code: 'FLOW_LIMIT' }, bytesIn: 2, bytesOut: 5 });
    await fwd.stop();
    expect(rec.closed.map((c) => c.client.port)).toEqual(clients.map((c) => c.address().port));
    expect(rec.closed.every((c) => c.closedAt !== undefined)).toBe(true);
  });

  it('drops and counts datagrams from clients outside the allowlist', async () => {
    const target = await echoTarget();
    cleanup.push(() => target.close());
    const rec = recorder();
    const fwd = new UdpForward(spec(target.address().port, { allow: ['10.0.0.0/8'] }), rec.host, undefined, thread);
    await fwd.start();
    cleanup.push(() => fwd.stop());
    const client = await udpSocket();
    cleanup.push(() => client.close());
    client.send('x', fwd.boundPort!, '127.0.0.1');
    client.send('y', fwd.boundPort!, '127.0.0.1');
    await until(() => rec.refused.length === 2, 2000, 'refusals');
    fwd.syncCounters();
    expect(rec.counters.refused).toBe(2);
    expect(rec.opened).toEqual([]);
  });

  it('names the holder of a busy port', async () => {
    const holder = await udpSocket();
    cleanup.push(() => holder.close());
    const rec = recorder();
    const fwd = new UdpForward(spec(9, { listenPort: holder.address().port }), rec.host, undefined, thread);
    await expect(fwd.start()).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await fwd.stop();
  });
});
