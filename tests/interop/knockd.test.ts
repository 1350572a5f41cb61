/**
 * Port knocking against the real knockd tools (Debian's knockd package), in the test's own network
 * namespaces joined by a veth pair (see knock-net.ts and ../shared/peers/knockd.sh):
 * - Portolan's client (`portolan knock`, run in the cli namespace) opens a real knockd watching the
 *   srv namespace's veth (its start_command writes the source address to a file); a wrong order does not.
 * - Debian's `knock` client (in the cli namespace) opens Portolan's guard (`portolan guard`, run in
 *   the srv namespace); a wrong order does not.
 * knockd pitfalls minded: the veth is UP before knockd starts, and after a wrong knock the source
 * is poisoned until seq_timeout passes, so the test waits that long before the right knock.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeKnockPorts } from '../helpers/knock.js';
import { missingPrerequisite } from './helpers.js';
import { KNOCK_NETNS_ADDR, knockNetUp, PORTOLAN_CLI as CLI, pollUntil, probeFromCli, type KnockNet } from './knock-net.js';

const skipReason = missingPrerequisite(['knockd', 'knock', 'ip']);
if (skipReason) console.warn(`[interop] skipped knockd: ${skipReason}`);

/** Seconds knockd gives a sequence (short, since a wrong knock poisons the source for that long). */
const SEQ_TIMEOUT = 2;

let net: KnockNet;
beforeAll(() => {
  if (!skipReason) net = knockNetUp();
});
afterAll(() => net?.down());

const probe = (port: number) => probeFromCli(net, port);

describe.skipIf(!!skipReason)('knock interop with knockd (network namespaces)', () => {
  it("Portolan's client opens a real knockd; a wrong order does not", async () => {
    const [a, b, c] = await freeKnockPorts(3); // any ports: they are knocked inside the namespaces
    const hits = path.join(net.dir, 'hits');
    writeFileSync(
      path.join(net.dir, 'knockd.conf'),
      `[options]\n  LogFile = ${path.join(net.dir, 'knockd.log')}\n[opencmd]\n  sequence      = ${a},${b}:udp,${c}\n  seq_timeout   = ${SEQ_TIMEOUT}\n  tcpflags      = syn\n  start_command = /bin/sh -c 'echo %IP% >> ${hits}'\n`,
    );
    // Our own knockd in the srv namespace on its veth (never the Debian service), in the foreground.
    const knockd = net.start(net.srv, ['knockd', '-i', net.srvIf, '-c', path.join(net.dir, 'knockd.conf'), '-p', path.join(net.dir, 'knockd.pid'), '-v']);
    await pollUntil(() => knockd.out().includes(`listening on ${net.srvIf}`), 5000, `knockd to listen: ${knockd.out()}`);
    const env = { PORTOLAN_DATA_DIR: path.join(net.dir, 'portolan-cli') };

    const wrong = await net.run(net.cli, [...CLI, 'knock', KNOCK_NETNS_ADDR.srv, String(c), `${b}:udp`, String(a), '-d', '100', '--json'], env);
    expect(wrong.status, wrong.out).toBe(0);
    // Closed TCP ports in the srv namespace answer with a reset: the knock reached the host.
    expect(JSON.parse(wrong.out).steps.map((s: { outcome: string }) => s.outcome)).toEqual(['refused', 'sent', 'refused']);
    await new Promise((r) => setTimeout(r, 500));
    expect(existsSync(hits)).toBe(false);

    // knockd keeps a wrong source poisoned until seq_timeout passes.
    await new Promise((r) => setTimeout(r, SEQ_TIMEOUT * 1000 + 600));
    const right = await net.run(net.cli, [...CLI, 'knock', KNOCK_NETNS_ADDR.srv, String(a), `${b}:udp`, String(c), '-d', '100'], env);
    expect(right.status, right.out).toBe(0);
    await pollUntil(() => existsSync(hits), 3000, `knockd's start_command (log: ${knockd.out()})`);
    expect(readFileSync(hits, 'utf8').trim().split('\n')).toEqual([KNOCK_NETNS_ADDR.cli]);
  });

  it("Debian's knock client opens Portolan's guard; a wrong order does not", async () => {
    const [a, b, c, listen] = await freeKnockPorts(4);
    const env = { PORTOLAN_DATA_DIR: path.join(net.dir, 'portolan-guard') };
    const guard = net.start(
      net.srv,
      [...CLI, 'guard', '--sequence', `${a},${b}:udp,${c}`, '--listen', String(listen), '--host', KNOCK_NETNS_ADDR.srv, '--window', '5', '--open-for', '30', '--json'],
      env,
    );
    await pollUntil(() => guard.out().includes('"event":"guarding"'), 20000, `the guard to start: ${guard.out()}`);
    const attempts = () =>
      guard
        .out()
        .split('\n')
        .filter((l) => l.startsWith('{"event":"attempt"'))
        .map((l) => JSON.parse(l).attempt as { source: string; outcome: string });

    expect(await probe(listen!)).toBe('closed');
    const wrong = await net.run(net.cli, ['knock', '-d', '100', KNOCK_NETNS_ADDR.srv, String(c), `${b}:udp`, String(a)]);
    expect(wrong.status, wrong.out).toBe(0);
    await pollUntil(() => attempts().length >= 3, 3000, `the wrong knocks in the log: ${guard.out()}`);
    expect(attempts().some((x) => x.outcome === 'opened')).toBe(false);
    expect(attempts().every((x) => x.source === KNOCK_NETNS_ADDR.cli)).toBe(true);
    expect(await probe(listen!)).toBe('closed');

    const right = await net.run(net.cli, ['knock', '-d', '100', KNOCK_NETNS_ADDR.srv, String(a), `${b}:udp`, String(c)]);
    expect(right.status, right.out).toBe(0);
    await pollUntil(() => attempts().some((x) => x.outcome === 'opened'), 3000, `opened in the log: ${guard.out()}`);
    expect(attempts().find((x) => x.outcome === 'opened')!.source).toBe(KNOCK_NETNS_ADDR.cli);
    expect(await probe(listen!)).toBe('echo');
    expect(guard.out()).toMatch(/"event":"refused","total":[12]/);
  });
});
