/**
 * The UDP forward (per-client flows, replies to the right client, idle timeout, allowlist) and
 * forward profiles on disk (atomic, validated, a corrupt file kept aside, secrets never written,
 * startWithApp, export/import, duplicate).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src-main/app/create-app.js';
import { ASSETS_DIR, testApp } from '../../helpers/app.js';
import { call, infoOf, until, createForward } from './helpers.js';

let ctx: Awaited<ReturnType<typeof testApp>>;
beforeAll(async () => {
  ctx = await testApp();
});
afterAll(() => ctx.dispose());

function udpSocket(): Promise<dgram.Socket> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1', () => resolve(s));
  });
}

describe('UDP forward', () => {
  it('gives each client its own flow and routes replies back to the right client', async () => {
    const target = await udpSocket();
    const seenFrom = new Set<number>();
    target.on('message', (msg, rinfo) => {
      seenFrom.add(rinfo.port);
      target.send(Buffer.from(`reply to ${msg}`), rinfo.port, rinfo.address);
    });
    const fwd = await createForward(ctx.app, {
      spec: { kind: 'udp', name: 'udp', listenPort: 0, targetHost: '127.0.0.1', targetPort: target.address().port, udpIdleMs: 1000 },
      save: false,
    });
    const clients = await Promise.all(Array.from({ length: 5 }, () => udpSocket()));
    const replies = clients.map(() => [] as string[]);
    clients.forEach((c, i) => c.on('message', (m) => replies[i]!.push(String(m))));
    for (let round = 0; round < 3; round++) clients.forEach((c, i) => c.send(`client ${i} round ${round}`, fwd.boundPort!, '127.0.0.1'));
    await until(() => replies.every((r) => r.length === 3), 3000, 'replies');
    replies.forEach((r, i) => expect(r.sort()).toEqual([0, 1, 2].map((round) => `reply to client ${i} round ${round}`)));
    // Each client had its own upstream socket (the target saw 5 different source ports).
    expect(seenFrom.size).toBe(5);
    let info = await infoOf(ctx.app, fwd.id);
    expect(info).toMatchObject({ state: 'listening', activeConnections: 5, totalConnections: 5 });
    expect(info.bytesIn).toBe(clients.length * 3 * 'client 0 round 0'.length);
    // Idle flows close after udpIdleMs.
    await until(async () => (await infoOf(ctx.app, fwd.id)).activeConnections === 0, 4000, 'idle flows to close');
    info = await infoOf(ctx.app, fwd.id);
    expect(info.totalConnections).toBe(5);
    for (const c of clients) c.close();
    target.close();
    await call(ctx.app, 'forwards.delete', { id: fwd.id });
  });

  it('drops datagrams from clients outside the allowlist and counts them', async () => {
    const target = await udpSocket();
    let received = 0;
    target.on('message', () => received++);
    const fwd = await createForward(ctx.app, {
      spec: { kind: 'udp', name: 'udp-allow', listenPort: 0, targetHost: '127.0.0.1', targetPort: target.address().port, allow: ['192.168.0.0/16'] },
      save: false,
    });
    const client = await udpSocket();
    client.send('hello', fwd.boundPort!, '127.0.0.1');
    client.send('hello', fwd.boundPort!, '127.0.0.1');
    await until(async () => (await infoOf(ctx.app, fwd.id)).refused === 2, 2000, 'refusals');
    expect(received).toBe(0);
    client.close();
    target.close();
    await call(ctx.app, 'forwards.delete', { id: fwd.id });
  });
});

describe('forward profiles', () => {
  const SSH = { host: '127.0.0.1', port: 2222, username: 'me', auth: 'password' } as const;

  it('saves profiles atomically without secrets, loads them again, and starts those marked startWithApp', async () => {
    const { app, dataDir, dispose } = await testApp();
    const a = await createForward(app, { spec: { kind: 'tcp', name: 'web', listenPort: 0, targetHost: '127.0.0.1', targetPort: 80, startWithApp: true }, start: false });
    await createForward(app, {
      spec: { kind: 'ssh-local', name: 'db', listenPort: 0, targetHost: 'db.internal', targetPort: 5432, ssh: SSH },
      start: false,
      secrets: { password: 'hunter2-very-secret' },
    });
    const file = path.join(dataDir, 'forwards.json');
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('hunter2');
    expect(JSON.parse(text).forwards.map((f: { spec: { name: string } }) => f.spec.name)).toEqual(['web', 'db']);
    expect((await readdir(dataDir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const db = (await call(app, 'forwards.list', {})).forwards.find((f) => f.spec.name === 'db')!;
    expect(db.secretStored).toBe(true);
    // A name is unique.
    const dup = await app.invoke('forwards.create', { spec: { kind: 'tcp', name: 'web', listenPort: 0, targetHost: 'x', targetPort: 1 } });
    expect(dup).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', path: ['spec', 'name'] } });
    await app.close();

    // The desktop app and serve start forwards marked startWithApp; one CLI command does not.
    const again = await createApp({ assetsDir: ASSETS_DIR, dataDir, transport: 'web', heartbeatMs: 0 });
    const list = await call(again, 'forwards.list', {});
    expect(list.forwards.map((f) => [f.spec.name, f.state])).toEqual([
      ['web', 'listening'],
      ['db', 'stopped'],
    ]);
    expect(list.forwards[0]!.id).toBe(a.id);
    await again.close();
    await dispose();
  });

  it('saves only what starts when asked (onlyIfStarted): a busy port leaves no forward, no secret, no file entry', async () => {
    const { app, dataDir, dispose } = await testApp();
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as net.AddressInfo).port;
    const refused = await app.invoke('forwards.create', {
      spec: { kind: 'tcp', name: 'busy', listenPort: port, targetHost: '127.0.0.1', targetPort: 80 },
      onlyIfStarted: true,
    });
    // A start failure is an answer, not a failed call: the error names the field it concerns, and nothing was kept.
    expect(refused).toMatchObject({ ok: true, value: { startError: { code: 'EADDRINUSE', path: ['spec', 'listenPort'] } } });
    expect(refused.ok && (refused.value as { info?: unknown }).info).toBeUndefined();
    expect((await call(app, 'forwards.list', {})).forwards).toEqual([]);
    // The name is free again, and one that starts is saved.
    const started = await createForward(app, {
      spec: { kind: 'tcp', name: 'busy', listenPort: 0, targetHost: '127.0.0.1', targetPort: 80 },
      onlyIfStarted: true,
    });
    expect(started.state).toBe('listening');
    const saved = JSON.parse(await readFile(path.join(dataDir, 'forwards.json'), 'utf8'));
    expect(saved.forwards.map((f: { id: string }) => f.id)).toEqual([started.id]);
    busy.close();
    await app.close();
    await dispose();
  });

  it('keeps a corrupt forwards.json aside, reports it, and never overwrites it', async () => {
    const { app, dataDir, dispose } = await testApp();
    await app.close();
    const file = path.join(dataDir, 'forwards.json');
    await writeFile(file, '{"version":1,"forwards":[{"id":"x"');
    const reopened = await createApp({ assetsDir: ASSETS_DIR, dataDir, transport: 'direct', heartbeatMs: 0 });
    const state = await call(reopened, 'forwards.list', {});
    expect(state.forwards).toEqual([]);
    expect(state.problem).toMatch(/damaged.*kept as .*forwards\.json\.corrupt-/);
    const aside = (await readdir(dataDir)).find((f) => f.startsWith('forwards.json.corrupt-'))!;
    expect(await readFile(path.join(dataDir, aside), 'utf8')).toBe('{"version":1,"forwards":[{"id":"x"');
    await createForward(reopened, { spec: { kind: 'tcp', name: 'fresh', listenPort: 0, targetHost: 'h', targetPort: 1 }, start: false });
    expect(JSON.parse(await readFile(file, 'utf8')).forwards).toHaveLength(1);
    expect(await readFile(path.join(dataDir, aside), 'utf8')).toBe('{"version":1,"forwards":[{"id":"x"');
    await reopened.close();
    await dispose();
  });

  it('exports without secrets or ids, imports with unique names, duplicates, updates and deletes', async () => {
    const { app, dispose } = await testApp();
    const one = await createForward(app, {
      spec: { kind: 'ssh-dynamic', name: 'socks', listenPort: 1080, ssh: SSH },
      start: false,
      secrets: { password: 'pw' },
    });
    const doc = await call(app, 'forwards.export', {});
    expect(JSON.stringify(doc)).not.toMatch(/"pw"|"id"/);
    const { imported } = await call(app, 'forwards.import', doc);
    expect(imported.map((f) => f.spec.name)).toEqual(['socks (2)']);
    expect(imported[0]!.secretStored).toBe(false);
    const copy = await call(app, 'forwards.duplicate', { id: one.id });
    expect(copy.spec).toMatchObject({ name: 'socks (copy)', listenPort: 0, startWithApp: false });
    const updated = await call(app, 'forwards.update', { id: copy.id, spec: { ...copy.spec, name: 'renamed' } });
    expect(updated.spec.name).toBe('renamed');
    await call(app, 'forwards.delete', { id: one.id });
    expect((await call(app, 'forwards.list', {})).forwards.map((f) => f.spec.name)).toEqual(['socks (2)', 'renamed']);
    expect(await app.invoke('forwards.start', { id: one.id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await dispose();
  });
});
