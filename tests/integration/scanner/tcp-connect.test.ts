/**
 * The lean connector on loopback: a refused probe's socket is taken again by the next probe (where
 * the system allows it), and answers stay right on it: refused, open (with the source address
 * for the self-connect check), refused again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createTcpConnector, rawConnectAvailable, SPARE_SOCKETS, type TcpProbe } from '../../../src-main/engine/scanner/tcp-connect.js';
import { bannerPeer, closedPort, type Peer } from './helpers.js';

const peers: Peer[] = [];
afterAll(async () => {
  for (const p of peers) await p.close();
});

interface Answer {
  port: number;
  code: string;
  localPort?: number;
  handle: unknown;
}

describe('raw TCP connector', () => {
  it.runIf(rawConnectAvailable())('connects a refused socket again for the next probe, with every answer right', async () => {
    const open = await bannerPeer('hello\r\n');
    peers.push(open);
    const closed = await closedPort();
    // Refused, refused, open, refused, open: one probe at a time, each started as the one before ends.
    const plan = [closed, closed, open.port, closed, open.port];
    const answers: Answer[] = [];
    const started: unknown[] = [];
    const finished = new Promise<void>((resolve) => {
      const connector = createTcpConnector<TcpProbe>((probe, code, _address, localPort) => {
        answers.push({ port: probe.port, code, ...(localPort !== undefined ? { localPort } : {}), handle: started[answers.length] });
        if (answers.length === plan.length) {
          connector.release();
          return resolve();
        }
        next();
      });
      const next = () => {
        const probe: TcpProbe = { host: '127.0.0.1', family: 4, port: plan[answers.length]!, handle: undefined };
        expect(connector.start(probe)).toBeUndefined();
        started.push(probe.handle);
      };
      next();
    });
    await finished;
    expect(answers.map((a) => `${a.port} ${a.code}`)).toEqual(plan.map((p) => `${p} ${p === closed ? 'ECONNREFUSED' : 'OK'}`));
    for (const a of answers.filter((x) => x.code === 'OK')) expect(a.localPort).toBeGreaterThan(0);
    if (process.platform === 'linux') {
      // The second probe ran on the first one's socket, and the open port's probe on the second's;
      // a connected socket is reset, never used again.
      expect(started[1]).toBe(started[0]);
      expect(started[2]).toBe(started[1]);
      expect(started[3]).not.toBe(started[2]);
    }
  });

  it.runIf(rawConnectAvailable())(`keeps at most ${SPARE_SOCKETS} refused sockets when nothing takes them, and closes them on release`, async () => {
    const closed = await closedPort();
    const count = SPARE_SOCKETS * 3;
    let answered = 0;
    const handles = new Set<unknown>();
    const connector = createTcpConnector<TcpProbe>(() => {
      answered++;
    });
    const probes = Array.from({ length: count }, (): TcpProbe => ({ host: '127.0.0.1', family: 4, port: closed, handle: undefined }));
    for (const probe of probes) {
      connector.start(probe);
      handles.add(probe.handle);
    }
    expect(handles.size).toBe(count);
    while (answered < count) await new Promise((r) => setTimeout(r, 5));
    // A second round takes the kept sockets first, then new ones.
    const again = Array.from({ length: count }, (): TcpProbe => ({ host: '127.0.0.1', family: 4, port: closed, handle: undefined }));
    for (const probe of again) connector.start(probe);
    const reused = again.filter((p) => handles.has(p.handle)).length;
    expect(reused).toBeLessThanOrEqual(SPARE_SOCKETS);
    if (process.platform === 'linux') expect(reused).toBe(SPARE_SOCKETS);
    while (answered < 2 * count) await new Promise((r) => setTimeout(r, 5));
    connector.release();
  });
});
