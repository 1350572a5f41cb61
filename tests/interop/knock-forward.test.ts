/**
 * Debian's `knock` client (package knockd) against a Portolan-guarded local TCP **forward**, in the
 * test's own network namespaces joined by a veth pair (knock-net.ts, ../shared/peers/knockd.sh):
 * - srv namespace: an echo server on its loopback, and `portolan guard --forward NAME` running a saved
 *   forward that listens on the veth address (10.77.0.1) and relays to that echo server; the knock
 *   ports are bound on the forward's listen address;
 * - cli namespace: `knock` and a probe connecting through the forward.
 * Before any knock and after a wrong-order knock, the forward closes the probe's connection without
 * contacting the echo server; after the right knock the probe's bytes come back through it.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src-main/app/create-app.js';
import { ASSETS_DIR } from '../helpers/app.js';
import { freeKnockPorts } from '../helpers/knock.js';
import { missingPrerequisite } from './helpers.js';
import { KNOCK_NETNS_ADDR, knockNetUp, PORTOLAN_CLI, pollUntil, probeFromCli, type KnockNet } from './knock-net.js';

const skipReason = missingPrerequisite(['knock', 'ip']);
if (skipReason) console.warn(`[interop] skipped knock on a guarded forward: ${skipReason}`);

let net: KnockNet;
beforeAll(() => {
  if (!skipReason) net = knockNetUp();
});
afterAll(() => net?.down());

describe.skipIf(!!skipReason)("knockd's knock client opens a Portolan-guarded TCP forward (network namespaces)", () => {
  it('closed before the knock and after a wrong order; carries bytes after the right one', async () => {
    // Any ports: everything below binds inside the namespaces.
    const [a, b, c, listenPort, echoPort] = await freeKnockPorts(5);

    // The target: an echo server on the srv namespace's loopback, saying when it gets a connection.
    const echo = net.start(net.srv, [
      'node',
      '-e',
      `require("net").createServer((s)=>{console.log("conn");s.on("error",()=>{});s.pipe(s)}).listen(${echoPort},"127.0.0.1",()=>console.log("listening"))`,
    ]);
    await pollUntil(() => echo.out().includes('listening'), 10000, `the echo server: ${echo.out()}`);
    const targetConnections = () => echo.out().split('\n').filter((l) => l === 'conn').length;

    // The saved forward, as the Forwards view would leave it in the data folder the guard uses.
    const dataDir = path.join(net.dir, 'portolan-guard-forward');
    const app = await createApp({ assetsDir: ASSETS_DIR, dataDir, transport: 'direct', heartbeatMs: 0 });
    try {
      const made = await app.invoke('forwards.create', {
        spec: { kind: 'tcp', name: 'guarded echo', listenHost: KNOCK_NETNS_ADDR.srv, listenPort, targetHost: '127.0.0.1', targetPort: echoPort },
        start: false,
      });
      expect(made.ok, JSON.stringify(made)).toBe(true);
    } finally {
      await app.close();
    }

    const guard = net.start(
      net.srv,
      [...PORTOLAN_CLI, 'guard', '--sequence', `${a},${b}:udp,${c}`, '--forward', 'guarded echo', '--window', '5', '--open-for', '30', '--json'],
      { PORTOLAN_DATA_DIR: dataDir },
    );
    await pollUntil(() => guard.out().includes('"event":"guarding"'), 20000, `the guard to start: ${guard.out()}`);
    const guarding = JSON.parse(guard.out().split('\n').find((l) => l.includes('"event":"guarding"'))!);
    expect(guarding).toMatchObject({ forward: { state: 'listening', boundPort: listenPort }, guard: { state: 'armed' } });
    expect(guarding.guard.boundPorts.map((p: { host: string }) => p.host)).toEqual([KNOCK_NETNS_ADDR.srv, KNOCK_NETNS_ADDR.srv, KNOCK_NETNS_ADDR.srv]);
    const attempts = () =>
      guard
        .out()
        .split('\n')
        .filter((l) => l.startsWith('{"event":"attempt"'))
        .map((l) => JSON.parse(l).attempt as { source: string; outcome: string });

    // Before any knock: the forward closes the connection and never reaches its target.
    expect(await probeFromCli(net, listenPort!)).toBe('closed');

    const wrong = await net.run(net.cli, ['knock', '-d', '100', KNOCK_NETNS_ADDR.srv, String(c), `${b}:udp`, String(a)]);
    expect(wrong.status, wrong.out).toBe(0);
    await pollUntil(() => attempts().length >= 3, 3000, `the wrong knocks in the log: ${guard.out()}`);
    expect(attempts().some((x) => x.outcome === 'opened')).toBe(false);
    expect(attempts().every((x) => x.source === KNOCK_NETNS_ADDR.cli)).toBe(true);
    expect(await probeFromCli(net, listenPort!)).toBe('closed');
    expect(targetConnections()).toBe(0);

    const right = await net.run(net.cli, ['knock', '-d', '100', KNOCK_NETNS_ADDR.srv, String(a), `${b}:udp`, String(c)]);
    expect(right.status, right.out).toBe(0);
    await pollUntil(() => attempts().some((x) => x.outcome === 'opened'), 3000, `opened in the log: ${guard.out()}`);
    expect(attempts().find((x) => x.outcome === 'opened')!.source).toBe(KNOCK_NETNS_ADDR.cli);
    expect(await probeFromCli(net, listenPort!)).toBe('echo');
    expect(targetConnections()).toBe(1);
    expect(guard.out()).toMatch(/"event":"refused","total":[12]/);

    // Ctrl+C (SIGTERM here): the guard goes, and so does the forward it started.
    guard.child.kill('SIGTERM');
    await pollUntil(() => guard.child.exitCode !== null, 10000, `the guard to exit: ${guard.out()}`);
    expect(guard.child.exitCode, guard.out()).toBe(0);
    expect(await probeFromCli(net, listenPort!)).toBe('closed');
  });
});
