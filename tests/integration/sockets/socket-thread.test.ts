/**
 * The socket table read on a worker thread (issue 18.7): the thread posts only what changed, a
 * lost thread is replaced and its first change is the whole table, and the monitor on top keeps
 * emitting the same diffs as with whole readings. A fake /proc makes every step exact.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SocketDiff } from '../../../src-main/contract/index.js';
import { SocketMonitor } from '../../../src-main/engine/sockets/monitor.js';
import { ThreadedSocketProvider } from '../../../src-main/engine/sockets/threaded-provider.js';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
/** A /proc/net/tcp line: 127.0.0.1:local -> 127.0.0.1:remote in state `st`, with an rx queue. */
const line = (n: number, local: number, remote: number, st: string, inode: number, rx = 0) =>
  `   ${n}: 0100007F:${local.toString(16).toUpperCase().padStart(4, '0')} ${remote ? '0100007F' : '00000000'}:${remote.toString(16).toUpperCase().padStart(4, '0')} ${st} 00000000:${rx.toString(16).padStart(8, '0')} 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 100 0 0 10 0\n`;

const dirs: string[] = [];
const closers: (() => void)[] = [];
afterEach(async () => {
  closers.splice(0).forEach((c) => c());
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function fakeProc(tcp: string): Promise<{ root: string; write: (tcp: string) => Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'portolan-proc-'));
  dirs.push(root);
  await mkdir(path.join(root, 'net'));
  const write = (text: string) => writeFile(path.join(root, 'net', 'tcp'), HEADER + text);
  await write(tcp);
  return { root, write };
}

describe('the socket table on a worker thread', () => {
  it('posts only the change since its previous read, and starts over with the whole table after losing its thread', async () => {
    const proc = await fakeProc(line(0, 8080, 0, '0A', 101) + line(1, 8080, 50000, '01', 102));
    const provider = new ThreadedSocketProvider(proc.root);
    closers.push(() => provider.close());
    const first = await provider.readChange();
    expect(provider.threaded).toBe(true);
    expect(first.full).toBe(true);
    expect(first.added.map((r) => [r.id, r.state])).toEqual([['tcp#101', 'LISTEN'], ['tcp#102', 'ESTABLISHED']]);

    await proc.write(line(0, 8080, 0, '0A', 101) + line(1, 8080, 50000, '01', 102, 7) + line(2, 9090, 0, '0A', 103));
    const second = await provider.readChange();
    expect(second.full).toBe(false);
    expect(second.added.map((r) => r.id)).toEqual(['tcp#103']);
    expect(second.changed.map((r) => [r.id, r.rxQueue])).toEqual([['tcp#102', 7]]);
    expect(second.removed).toEqual([]);

    // The thread dies: the next read starts a new one, whose first change is the whole table.
    await (provider as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await proc.write(line(0, 9090, 0, '0A', 103));
    const third = await provider.readChange();
    expect(provider.threaded).toBe(true);
    expect(third.full).toBe(true);
    expect(third.added.map((r) => r.id)).toEqual(['tcp#103']);
  });

  it('gives the monitor the same diffs as whole readings, tags included', async () => {
    const proc = await fakeProc(line(0, 8080, 0, '0A', 201));
    const diffs: SocketDiff[] = [];
    const monitor = new SocketMonitor({ provider: new ThreadedSocketProvider(proc.root), onDiff: (d) => diffs.push(d), tagger: (r) => (r.localPort === 9090 ? 'listener' : undefined) });
    closers.push(() => monitor.close());
    const snap = await monitor.tick();
    expect(snap.rows.map((r) => r.id)).toEqual(['tcp#201']);
    await proc.write(line(0, 8080, 0, '0A', 201) + line(1, 9090, 0, '0A', 202));
    await monitor.tick();
    await proc.write(line(0, 9090, 0, '0A', 202));
    const last = await monitor.tick();
    expect(diffs.map((d) => [d.tick, d.added.map((r) => `${r.id}:${r.ownedBy ?? ''}`), d.removed])).toEqual([
      [2, ['tcp#202:listener'], []],
      [3, [], ['tcp#201']],
    ]);
    expect(last.rows).toEqual([expect.objectContaining({ id: 'tcp#202', ownedBy: 'listener' })]);
  });
});

describe.skipIf(process.platform !== 'linux' || process.getuid?.() !== 0)('closing a connection (SOCK_DESTROY, as root)', () => {
  it("closes another socket's connection by id: its owner sees ECONNABORTED", async () => {
    const { testApp } = await import('../../helpers/app.js');
    const net = await import('node:net');
    const ctx = await testApp();
    const server = net.createServer((s) => s.on('error', () => {}));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = net.connect((server.address() as import('node:net').AddressInfo).port, '127.0.0.1');
    const closed = new Promise<string>((resolve) => client.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? '')).on('close', () => resolve('closed')));
    await new Promise((r) => client.once('connect', r));
    closers.push(() => server.close(), () => void ctx.dispose());
    const rows = (await ctx.app.handlers['sockets.snapshot']({ listeningOnly: false })).rows;
    const row = rows.find((r) => r.localPort === client.localPort && r.state === 'ESTABLISHED')!;
    expect(await ctx.app.invoke('sockets.close', { id: row.id })).toEqual({ ok: true, value: { closed: true } });
    expect(await closed).toBe('ECONNABORTED');
    expect(await ctx.app.invoke('sockets.close', { id: row.id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});
