/**
 * A knock guard on a local TCP forward, on loopback: the forward relays a client to its target
 * only after that client's address knocked the right sequence (a wrong order opens nothing, and
 * another address, 127.0.0.2, stays refused); refused clients never reach the target and show in
 * the forward's connection log as GATE; deleting the guard lets every client through again. An
 * SSH -R forward cannot be guarded (guard-forward-kinds.test.ts covers UDP and SSH -L/-D).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KnockAttempt } from '../../../src-main/contract/index.js';
import { testApp } from '../../helpers/app.js';
import { freeKnockPorts, relays } from '../../helpers/knock.js';
import { closeServer, server, tcpForward, createForward } from '../forwards/helpers.js';
import { call, callError, until } from '../listeners/helpers.js';

let ctx: Awaited<ReturnType<typeof testApp>>;
const attempts: KnockAttempt[] = [];
beforeAll(async () => {
  ctx = await testApp();
  ctx.app.bus.on('knock.attempt', (b) => attempts.push(...b.attempts));
});
afterAll(() => ctx.dispose());

describe('knock guard on a TCP forward', () => {
  it('relays only sources that knocked, and keeps refused clients away from the target', async () => {
    const app = ctx.app;
    let targetConnections = 0;
    const target = await server((s) => {
      targetConnections++;
      s.on('error', () => undefined);
      s.pipe(s);
    });
    const forward = await tcpForward(app, target.port, { listenHost: '127.0.0.1' });
    const port = forward.boundPort!;
    const [a, b, c] = await freeKnockPorts(3);
    const sequence = [
      { port: a!, protocol: 'tcp' as const },
      { port: b!, protocol: 'udp' as const },
      { port: c!, protocol: 'tcp' as const },
    ];
    const guard = await call(app, 'knock.guards.create', { name: 'fwd', sequence, windowMs: 5000, openForMs: 60_000, target: { kind: 'forward', forwardId: forward.id } });
    expect(guard).toMatchObject({ state: 'armed', spec: { target: { kind: 'forward', forwardId: forward.id } } });
    expect(guard.boundPorts.map((p) => p.host)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);

    expect(await relays(port)).toBe(false);
    const wrong = [sequence[1]!, sequence[0]!, sequence[2]!];
    await call(app, 'knock.send', { host: '127.0.0.1', steps: wrong, delayMs: 20 });
    await until(() => attempts.filter((x) => x.outcome === 'reset-wrong-port').length >= 2, 5000, 'the wrong-order attempts');
    expect(await relays(port)).toBe(false);
    expect(targetConnections).toBe(0);

    const right = await call(app, 'knock.send', { host: '127.0.0.1', steps: sequence, delayMs: 20, thenCheck: { port } });
    expect(right.check).toMatchObject({ reachable: true, retried: false });
    expect(attempts.some((x) => x.outcome === 'opened' && x.source === '127.0.0.1' && x.guardId === guard.id)).toBe(true);
    expect(await relays(port)).toBe(true);
    // Another address did not knock: still refused, and the forward's log says why.
    expect(await relays(port, '127.0.0.2')).toBe(false);
    const { connections: log } = await call(app, 'forwards.connections', { id: forward.id });
    expect(log.some((x) => x.error?.code === 'GATE' && x.client.address === '127.0.0.2')).toBe(true);
    const info = (await call(app, 'knock.guards.list', {})).find((g) => g.id === guard.id)!;
    expect(info.refused).toBe(3);
    expect(info.openSources.map((s) => s.address)).toEqual(['127.0.0.1']);

    // A second guard cannot gate the same forward while the first is armed.
    expect(await callError(app, 'knock.guards.create', { name: 'again', sequence, target: { kind: 'forward', forwardId: forward.id } })).toMatchObject({ code: 'INVALID_INPUT' });

    await call(app, 'knock.guards.delete', { id: guard.id });
    expect(await relays(port, '127.0.0.2')).toBe(true);
    await call(app, 'forwards.delete', { id: forward.id });
    await closeServer(target);
  });

  it('refuses targets it cannot gate, with a sentence', async () => {
    const app = ctx.app;
    const remote = await createForward(app, {
      spec: { kind: 'ssh-remote', name: 'back', listenPort: 0, targetHost: '127.0.0.1', targetPort: 80, ssh: { host: '127.0.0.1', username: 'me' } },
      save: false,
      start: false,
    });
    const [a] = await freeKnockPorts(1);
    const sequence = [{ port: a!, protocol: 'tcp' as const }];
    const bad = await callError(app, 'knock.guards.create', { name: 'u', sequence, target: { kind: 'forward', forwardId: remote.id } });
    expect(bad).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/SSH -R forward: its clients connect to the SSH server/) });
    expect(await callError(app, 'knock.guards.create', { name: 'n', sequence, target: { kind: 'forward', forwardId: 'f-none' } })).toMatchObject({ code: 'NOT_FOUND' });
    expect((await call(app, 'knock.guards.list', {})).map((g) => g.spec.name)).not.toContain('u');
  });
});
