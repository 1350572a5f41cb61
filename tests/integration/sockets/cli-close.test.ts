/**
 * `portolan sockets --close` and `--end` on sockets and processes the test owns, on 127.0.0.1:
 * what they print, their --json, and their exit statuses (0 done, 1 failed, 2 wrong command line).
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { selectConnections } from '../../../src-main/cli/commands/sockets-act.js';
import { runCliCaptured } from '../../helpers/cli.js';
import { listenerWithPair, row } from '../../unit-renderer/socket-rows.js';

const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((c) => c()));

/** A listener on 127.0.0.1 and one connection to it; resolves with the client socket once connected. */
async function connection(): Promise<{ client: net.Socket; serverPort: number; clientPort: number }> {
  const server = net.createServer((s) => s.on('error', () => {}));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  const serverPort = (server.address() as net.AddressInfo).port;
  const client = net.connect(serverPort, '127.0.0.1').on('error', () => {});
  closers.push(() => client.destroy());
  await new Promise((r) => client.once('connect', r));
  return { client, serverPort, clientPort: client.localPort! };
}

describe('portolan sockets --close', () => {
  it('closes the connection LOCAL_PORT:REMOTE_PORT names, and says which', async () => {
    const { client, serverPort, clientPort } = await connection();
    const closed = new Promise((r) => client.once('close', r));
    const { code, out, err } = await runCliCaptured('sockets', '--close', `${clientPort}:${serverPort}`);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toMatch(new RegExp(`^closed tcp 127\\.0\\.0\\.1:${clientPort} 127\\.0\\.0\\.1:${serverPort} ESTABLISHED`));
    await closed;
  });

  it('closes by id with --json, printing the socket it closed', async () => {
    const { client, serverPort, clientPort } = await connection();
    const list = JSON.parse((await runCliCaptured('sockets', '--json')).out) as { rows: { id: string; localPort: number; remotePort: number }[] };
    const id = list.rows.find((r) => r.localPort === clientPort && r.remotePort === serverPort)!.id;
    const { code, out } = await runCliCaptured('sockets', '--close', id, '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ closed: true, socket: { id, localPort: clientPort, remotePort: serverPort } });
    expect(client.destroyed || (await new Promise((r) => client.once('close', () => r(true))))).toBe(true);
  });

  it('fails (1) when nothing matches, and refuses (2) a bad command line', async () => {
    const none = await runCliCaptured('sockets', '--close', '1:2');
    expect(none.code).toBe(1);
    expect(none.err).toContain('No open TCP connection from local port 1 to remote port 2');
    expect((await runCliCaptured('sockets', '--close', '70000:1')).code).toBe(2);
    expect((await runCliCaptured('sockets', '--close', '1:2', '--pairs')).code).toBe(2);
    expect((await runCliCaptured('sockets', '--force')).code).toBe(2);
  });

  it('selects open TCP connections by ports only (not listeners, UDP or TIME_WAIT), by id exactly', () => {
    const { listener, server, client } = listenerWithPair(8080, 51000);
    const tw = row({ localPort: 51000, remotePort: 8080, state: 'TIME_WAIT' });
    const udp = row({ proto: 'udp', localPort: 51000, remotePort: 8080, state: 'ESTABLISHED' });
    const v6 = row({ proto: 'tcp6', localAddress: '::1', remoteAddress: '::1', localPort: 51000, remotePort: 8080 });
    const rows = [listener, server, client, tw, udp, v6];
    expect(selectConnections(rows, '51000:8080')).toEqual([client, v6]);
    expect(selectConnections(rows, '8080:51000')).toEqual([server]);
    expect(selectConnections(rows, client.id)).toEqual([client]);
  });
});

describe('portolan sockets --end', () => {
  it('ends a process the test started (SIGKILL with --force), with --json', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    closers.push(() => child.kill());
    const exited = new Promise((r) => child.once('exit', (_code, signal) => r(signal)));
    const { code, out } = await runCliCaptured('sockets', '--end', String(child.pid), '--force', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ pid: child.pid, signal: 'SIGKILL', process: null, sockets: 0 });
    expect(await exited).toBe('SIGKILL');
  });

  it('refuses pid 1 (1) and a pid that is not a number (2)', async () => {
    const init = await runCliCaptured('sockets', '--end', '1');
    expect(init.code).toBe(1);
    expect(init.err).toContain('init process');
    expect((await runCliCaptured('sockets', '--end', 'nginx')).code).toBe(2);
  });
});
