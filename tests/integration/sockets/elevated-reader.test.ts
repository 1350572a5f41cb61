/**
 * "Show all owners" (issue 14.7): the socket reader run alone as a child process speaking JSON
 * lines (`portolan __socket-reader`, what sockets.elevate starts through pkexec), here WITHOUT
 * pkexec, since no polkit agent answers in tests: the command line is injected. Also the fallback
 * to the normal reader when the child ends, and pkexec's "cancelled" status (126) told as such,
 * from a stand-in `pkexec` that exits 126 as the real one does when the user dismisses the prompt.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSocketsService } from '../../../src-main/app/sockets-service.js';
import { EventBus } from '../../../src-main/app/event-bus.js';
import { ELEVATED_SOURCE, ElevatedSocketProvider, elevationEndedWords } from '../../../src-main/engine/sockets/elevated-provider.js';
import { LinuxSocketProvider } from '../../../src-main/engine/sockets/linux-provider.js';
import type { SocketProvider } from '../../../src-main/engine/sockets/provider.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
/** The reader as the CLI's hidden command, from the sources (the build may be older than them). */
const READER = [process.execPath, '--import', 'tsx', path.join(ROOT, 'src-main/cli/main.ts'), '__socket-reader'];
const bin = mkdtempSync(path.join(tmpdir(), 'portolan-pkexec-'));
/** pkexec's status when the user dismisses the authentication dialog. */
const cancelledPkexec = path.join(bin, 'pkexec');
writeFileSync(cancelledPkexec, '#!/bin/sh\necho "Error executing command as another user: Request dismissed" >&2\nexit 126\n');
chmodSync(cancelledPkexec, 0o755);
afterAll(() => rmSync(bin, { recursive: true, force: true }));

const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((c) => c()));

async function listener(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

const normal = (): SocketProvider => new LinuxSocketProvider();

describe.skipIf(process.platform !== 'linux')('the socket reader as a child process', () => {
  it('reads the table with owners, then only the changes, and traffic, over JSON lines', async () => {
    const before = await listener();
    const provider = new ElevatedSocketProvider(READER, normal);
    closers.push(() => provider.close());
    await provider.start();
    expect(provider.elevated).toBe(true);
    expect(provider.source).toBe(ELEVATED_SOURCE);
    const first = await provider.readChange();
    expect(first.full).toBe(true);
    expect(first.added.find((r) => r.localPort === before && r.state === 'LISTEN')).toMatchObject({ pid: process.pid, localAddress: '127.0.0.1' });
    const after = await listener();
    const next = await provider.readChange();
    expect(next.full).toBe(false);
    expect(next.added.find((r) => r.localPort === after && r.state === 'LISTEN')).toMatchObject({ pid: process.pid });
    expect(next.added.some((r) => r.localPort === before)).toBe(false);
    const traffic = await provider.readTraffic();
    expect(typeof traffic.available).toBe('boolean');
    expect(provider.note).toBeUndefined();
  });

  it('says the user cancelled when pkexec exits 126, and starts nothing', async () => {
    const provider = new ElevatedSocketProvider([cancelledPkexec, ...READER], normal);
    await expect(provider.start()).rejects.toThrow(/cancelled or not authorised at the password prompt \(Error executing command as another user: Request dismissed\)/);
    expect(provider.elevated).toBe(false);
  });

  it('tells pkexec without authorisation (127) apart from a reader that ended by itself', () => {
    expect(elevationEndedWords('/usr/bin/pkexec', 127, null, '')).toMatch(/could not be obtained: is a polkit agent running in this session\?.*`sudo portolan sockets`/);
    expect(elevationEndedWords('/usr/bin/node', 127, null, 'x\nlast words\n')).toBe("The elevated socket reader ended (exit status 127) (last words); the table goes on with this user's view.");
    expect(elevationEndedWords('pkexec', null, 'SIGKILL', '')).toBe("The elevated socket reader ended (signal SIGKILL); the table goes on with this user's view.");
  });

  it('goes on with the normal reader, with a whole table and a sentence, when the child ends later', async () => {
    const port = await listener();
    // A reader that answers its first request with an empty table, then ends with status 3.
    const once = `require('readline').createInterface({input:process.stdin}).once('line',(l)=>{const {seq}=JSON.parse(l);process.stdout.write(JSON.stringify({t:'change',seq,change:{added:[],removed:[],changed:[],hiddenOwners:0,full:true}})+'\\n',()=>process.exit(3));});`;
    const provider = new ElevatedSocketProvider([process.execPath, '-e', once], normal);
    closers.push(() => provider.close());
    await provider.start();
    expect((await provider.readChange()).added).toEqual([]);
    // The child's exit may land before or during the next read: either way the read after it is the normal reader's.
    await provider.readChange().catch(() => undefined);
    const change = await provider.readChange();
    expect(provider.elevated).toBe(false);
    expect(provider.note).toMatch(/^The elevated socket reader ended \(exit status 3\); the table goes on with this user's view\.$/);
    expect(provider.source).toBe('/proc/net');
    const whole = change.full ? change : await provider.readChange();
    expect(whole.added.find((r) => r.localPort === port && r.state === 'LISTEN')).toMatchObject({ pid: process.pid });
  });
});

describe.skipIf(process.platform !== 'linux')('sockets.elevate', () => {
  const service = (options: Partial<Parameters<typeof createSocketsService>[3]> = {}) => {
    const made = createSocketsService(new EventBus(), normal(), () => undefined, { makeProvider: normal, platform: 'linux', uid: 1000, readerCommand: READER, elevator: [], ...options });
    closers.push(() => made.close());
    return made.handlers;
  };

  it('is offered, then restarts only the reader and reads through it', async () => {
    const port = await listener();
    const h = service();
    expect((await h['sockets.snapshot']({ listeningOnly: false })).elevation).toEqual({ state: 'offered' });
    expect(await h['sockets.elevate']({})).toEqual({ state: 'elevated' });
    const snapshot = await h['sockets.snapshot']({ listeningOnly: true });
    expect(snapshot.source).toBe(ELEVATED_SOURCE);
    expect(snapshot.elevation).toEqual({ state: 'elevated' });
    expect(snapshot.rows.find((r) => r.localPort === port)).toMatchObject({ pid: process.pid });
  });

  it('answers why when pkexec is cancelled, keeps the normal reader, and offers again', async () => {
    const h = service({ elevator: [cancelledPkexec] });
    const answer = await h['sockets.elevate']({});
    expect(answer.state).toBe('offered');
    expect(answer.note).toMatch(/cancelled or not authorised/);
    expect((await h['sockets.snapshot']({ listeningOnly: true })).source).toBe('/proc/net');
  });

  it('says what to do instead on macOS and Windows, as root, and without a reader command', async () => {
    expect(await service({ platform: 'darwin' })['sockets.elevate']({})).toEqual({ state: 'unavailable', note: expect.stringMatching(/not available on macOS yet: run `sudo portolan sockets`/) });
    expect(await service({ platform: 'win32' })['sockets.elevate']({})).toEqual({ state: 'unavailable', note: expect.stringMatching(/not available on Windows yet/) });
    expect(await service({ uid: 0 })['sockets.elevate']({})).toEqual({ state: 'unneeded' });
    expect((await service({ readerCommand: undefined })['sockets.elevate']({})).state).toBe('unavailable');
  });
});
