/**
 * Portolan's firewall changes for real, as root, in namespaces made by this test (the helper run
 * directly, without pkexec): pexp-fw-h (10.93.0.1, a TCP echo listener on 0.0.0.0 and a user's own
 * nftables table) and pexp-fw-p (10.93.0.2). "Close to the network" makes the peer's connect go
 * silent and Portolan's evaluator names the rule; "allow from this network only" lets the peer in
 * or not by its network; undo deletes the portolan table and leaves the user's table as it was.
 */
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAddressSpec } from '../../src-main/engine/exposure/address-set.js';
import { evaluateConnection } from '../../src-main/engine/exposure/evaluate.js';
import { applyAction, ownRules, undoAll, type RunWithInput } from '../../src-main/engine/exposure/firewall-helper.js';
import { readLinuxFirewall } from '../../src-main/engine/exposure/linux-firewall.js';
import { PEERS, startListeners, stopProcess } from './exposure-net.js';
import { missingPrerequisite } from './helpers.js';

const H = 'pexp-fw-h';
const P = 'pexp-fw-p';
const PORT = 22011;
const USER_TABLE = 'table inet mine {\n  chain input {\n    type filter hook input priority 0; policy accept;\n    tcp dport 9 drop\n  }\n}\n';
const skip = missingPrerequisite(['ip', 'nft']);
const sh = (args: string[], input?: string) => execFileSync('ip', args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...(input ? { input } : {}) });
/** nft (and anything else) inside the host namespace, as the helper would run it on a machine. */
const inHost: RunWithInput = (file, args, input) => Promise.resolve(sh(['netns', 'exec', H, file, ...args], input));
const ROOT = { via: 'root' as const };

function probe(): string {
  return (JSON.parse(sh(['netns', 'exec', P, process.execPath, PEERS, 'probe', JSON.stringify([{ proto: 'tcp', host: '10.93.0.1', port: PORT }]), '1000'])) as string[])[0]!;
}
async function verdict() {
  const reading = await readLinuxFirewall((file, args) => inHost(file, args));
  if (!reading.ok) throw new Error(reading.reason);
  return evaluateConnection(reading.ruleset, { family: 4, iif: 'fw-h', sources: parseAddressSpec('10.93.0.2')!, daddr: '10.93.0.1', protocol: 'tcp', port: PORT });
}

let listener: ChildProcess | undefined;
describe.skipIf(skip)('firewall changes in the inet portolan table (network namespaces, root)', () => {
  beforeAll(async () => {
    for (const ns of [H, P]) spawnSync('ip', ['netns', 'del', ns]);
    for (const ns of [H, P]) sh(['netns', 'add', ns]);
    sh(['link', 'add', 'fw-h', 'netns', H, 'type', 'veth', 'peer', 'name', 'fw-p', 'netns', P]);
    sh(['-n', H, 'addr', 'add', '10.93.0.1/24', 'dev', 'fw-h']);
    sh(['-n', P, 'addr', 'add', '10.93.0.2/24', 'dev', 'fw-p']);
    for (const [ns, dev] of [[H, 'fw-h'], [P, 'fw-p'], [H, 'lo'], [P, 'lo']] as const) sh(['-n', ns, 'link', 'set', dev, 'up']);
    sh(['netns', 'exec', H, 'nft', '-f', '-'], USER_TABLE);
    listener = await startListeners(H, [{ proto: 'tcp', host: '0.0.0.0', port: PORT }]);
  });
  afterAll(async () => {
    await stopProcess(listener);
    for (const ns of [H, P]) spawnSync('ip', ['netns', 'del', ns]);
  });

  it('close, allow from this network only, and undo: what connects follows, and the evaluator agrees', async () => {
    expect(probe()).toBe('open');
    expect((await verdict()).verdict).toBe('allow');

    const added = await applyAction({ kind: 'close', protocol: 'tcp', port: PORT }, ROOT, inHost);
    expect(added).toEqual([`iifname != "lo" tcp dport ${PORT} drop comment "portolan:close-tcp-${PORT}"`]);
    expect(probe()).toBe('silent');
    expect(await verdict()).toMatchObject({ verdict: 'drop', rule: expect.stringMatching(/^rule 1 \(handle \d+\) of inet portolan input: iifname != lo tcp dport 22011 drop$/) });
    expect(await ownRules(inHost)).toEqual([`iifname != "lo" tcp dport ${PORT} drop comment "portolan:close-tcp-${PORT}"`]);

    // Undo, then keep the port to a network the peer is not in, then to one it is in.
    expect(await undoAll(ROOT, inHost)).toBe(true);
    expect(probe()).toBe('open');
    await applyAction({ kind: 'lan-only', protocol: 'tcp', port: PORT, networks: ['10.93.1.0/24'] }, ROOT, inHost);
    expect(probe()).toBe('silent');
    expect((await verdict()).verdict).toBe('drop');
    expect(await undoAll(ROOT, inHost)).toBe(true);
    await applyAction({ kind: 'lan-only', protocol: 'tcp', port: PORT, networks: ['10.93.0.0/24'] }, ROOT, inHost);
    expect(probe()).toBe('open');
    expect((await verdict()).verdict).toBe('allow');

    // Undo removes every rule Portolan added and nothing of the user's.
    expect(await undoAll(ROOT, inHost)).toBe(true);
    expect(await undoAll(ROOT, inHost)).toBe(false);
    expect(await ownRules(inHost)).toEqual([]);
    const left = sh(['netns', 'exec', H, 'nft', 'list', 'ruleset']);
    expect(left).toContain('table inet mine');
    expect(left).toContain('tcp dport 9 drop');
    expect(left).not.toContain('portolan');
  });
});
