/**
 * The scanner against real sockets on loopback: open ports with their services (HTTP, an SSH
 * banner, TLS with a certificate made by openssl), closed ports, UDP, pause / resume / cancel,
 * history, diff and exports, and the open-file limit.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../../helpers/app.js';
import { bannerPeer, call, closedPort, httpPeer, scanToEnd, selfSignedCert, tlsPeer, udpPeer, type Peer } from './helpers.js';

let ctx: Awaited<ReturnType<typeof testApp>>;
const peers: Peer[] = [];
beforeAll(async () => {
  ctx = await testApp();
});
afterAll(async () => {
  for (const p of peers) await p.close().catch(() => undefined);
  await ctx.dispose();
});

describe('TCP connect scan on loopback', () => {
  it('finds open ports with their services and closed ports closed', async () => {
    const web = await httpPeer();
    const ssh = await bannerPeer('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n');
    const closed = await closedPort();
    peers.push(web, ssh);
    const creds = selfSignedCert();
    const secure = typeof creds === 'string' ? undefined : await tlsPeer(creds);
    if (secure) peers.push(secure);
    else console.warn(`[scanner] TLS detection not tested: ${creds}`);
    const ports = [web.port, ssh.port, closed, ...(secure ? [secure.port] : [])].join(',');
    const scan = await scanToEnd(ctx.app, { targets: '127.0.0.1', ports, serviceDetection: true, timing: 5 });
    expect(scan.info.state).toBe('done');
    const byPort = new Map(scan.results.map((r) => [r.port, r]));
    expect(byPort.get(web.port)).toMatchObject({ state: 'open', reason: 'syn-ack', service: { name: 'http', product: 'nginx', version: '1.22.1' } });
    expect(byPort.get(ssh.port)).toMatchObject({ state: 'open', service: { name: 'ssh', product: 'OpenSSH', version: '9.2p1' } });
    expect(byPort.has(closed)).toBe(false);
    expect(scan.counts[0]!.counts.closed).toBe(1);
    if (secure) {
      const tls = byPort.get(secure.port)!;
      expect(tls).toMatchObject({ state: 'open', service: { name: 'https', product: 'Caddy', tls: { alpn: 'http/1.1', selfSigned: true } } });
      expect(tls.service!.tls!.subject).toContain('CN=scan.test');
      expect(Date.parse(tls.service!.tls!.validTo)).toBeGreaterThan(Date.now());
    }
  });

  it('flags a service that is not the one the dictionary expects on the port', async () => {
    const { PortScan } = await import('../../../src-main/engine/scanner/port-scan.js');
    const { TcpServiceDetector } = await import('../../../src-main/engine/scanner/service-detect.js');
    const ssh = await bannerPeer('SSH-2.0-dropbear_2022.83\r\n');
    peers.push(ssh);
    const found: any[] = [];
    const scan = new PortScan({
      hosts: [{ target: '127.0.0.1', address: '127.0.0.1', addresses: ['127.0.0.1'] }],
      ports: [ssh.port],
      protocol: 'tcp',
      timing: 5,
      detector: new TcpServiceDetector(),
      expected: () => 'http',
      onResult: (r) => found.push(r),
    });
    await scan.run();
    expect(scan.listResults()[0]).toMatchObject({ expectedService: 'http', mismatch: true, service: { name: 'ssh', product: 'dropbear', version: '2022.83' } });
    expect(found.length).toBe(2); // found open, then updated with the service
  });

  it('never reports a self-connect as open over a full 1-65535 scan', async () => {
    const { PortScan } = await import('../../../src-main/engine/scanner/port-scan.js');
    const mine = await httpPeer();
    peers.push(mine);
    const listening = () => {
      const out = spawnSync('ss', ['-Hltn'], { encoding: 'utf8' }).stdout ?? '';
      return new Set(out.split('\n').map((l) => Number(l.trim().split(/\s+/)[3]?.split(':').pop())).filter(Boolean));
    };
    const before = listening();
    const scan = new PortScan({ hosts: [{ target: '127.0.0.1', address: '127.0.0.1', addresses: ['127.0.0.1'] }], ports: Array.from({ length: 65535 }, (_, i) => i + 1), protocol: 'tcp', timing: 5 });
    await scan.run();
    const after = listening();
    const open = scan.listResults().filter((r) => r.state === 'open');
    expect(open.map((r) => r.port)).toContain(mine.port);
    // Every open port was a listener just before or just after the scan (ss), never a self-connect.
    if (before.size > 0) for (const r of open) expect(before.has(r.port) || after.has(r.port), `port ${r.port}`).toBe(true);
    expect(scan.listResults().filter((r) => r.state !== 'open')).toEqual([]);
    expect(scan.listCounts()[0]!.counts.closed + open.length).toBe(65535);
  }, 120000);

  it('pauses, resumes and cancels; a cancelled scan is saved with what it found', async () => {
    const { id } = await call(ctx.app, 'scan.start', { targets: '127.0.0.1', ports: '1-100', timing: 2 });
    await new Promise((r) => setTimeout(r, 500));
    expect((await call(ctx.app, 'scan.pause', { id })).state).toBe('paused');
    await new Promise((r) => setTimeout(r, 450)); // a probe in flight may still finish
    const paused = (await call(ctx.app, 'scan.get', { id })).done;
    await new Promise((r) => setTimeout(r, 900));
    expect((await call(ctx.app, 'scan.get', { id })).done).toBe(paused);
    expect((await call(ctx.app, 'scan.resume', { id })).state).toBe('running');
    await new Promise((r) => setTimeout(r, 900));
    expect((await call(ctx.app, 'scan.get', { id })).done).toBeGreaterThan(paused);
    const cancelled = await call(ctx.app, 'scan.cancel', { id });
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.done).toBeLessThan(100);
    const history = await call(ctx.app, 'scan.history', {});
    expect(history.scans.find((s: any) => s.id === id)).toMatchObject({ state: 'cancelled' });
  });

  it('emits batched progress and found events', async () => {
    const web = await httpPeer();
    peers.push(web);
    const progress: any[] = [];
    const found: any[] = [];
    const off1 = ctx.app.bus.on('scan.progress', (p) => progress.push(p));
    const off2 = ctx.app.bus.on('scan.found', (f) => found.push(f));
    const scan = await scanToEnd(ctx.app, { targets: '127.0.0.1', ports: `1-2000,${web.port}`, timing: 5 });
    await new Promise((r) => setTimeout(r, 50));
    off1();
    off2();
    const mine = progress.filter((p) => p.id === scan.info.id);
    expect(mine.at(-1)).toMatchObject({ state: 'done', done: scan.info.total, etaMs: 0 });
    expect(found.filter((f) => f.id === scan.info.id).flatMap((f) => f.results).map((r: any) => r.port)).toContain(web.port);
    expect(mine.length).toBeLessThan(50);
  });
});

describe('UDP scan on loopback', () => {
  it('finds a responder open and a port without one closed (ICMP port unreachable)', async () => {
    const peer = await udpPeer('pong');
    peers.push(peer);
    const closed = await closedPort();
    const scan = await scanToEnd(ctx.app, { targets: '127.0.0.1', ports: `${peer.port},${closed}`, protocol: 'udp', timing: 5 });
    expect(scan.results).toEqual([expect.objectContaining({ port: peer.port, state: 'open', reason: 'udp-response', service: expect.objectContaining({ extra: 'pong' }) })]);
    expect(scan.counts[0]!.counts.closed).toBe(1);
  });
});

describe('history, diff and exports', () => {
  it('diffs two scans of the same host and exports JSON, CSV and nmap XML', async () => {
    const a = await httpPeer();
    const b = await closedPort();
    const first = await scanToEnd(ctx.app, { targets: '127.0.0.1', ports: `${a.port},${b}`, timing: 5, serviceDetection: true });
    await a.close();
    const second = await scanToEnd(ctx.app, { targets: '127.0.0.1', ports: `${a.port},${b}`, timing: 5 });
    const diff = await call(ctx.app, 'scan.diff', { a: first.info.id, b: second.info.id });
    expect(diff.hosts).toEqual([{ host: '127.0.0.1', newlyOpen: [], newlyClosed: [{ port: a.port, protocol: 'tcp', from: 'open', to: 'closed' }], changed: [] }]);
    const back = await call(ctx.app, 'scan.diff', { a: second.info.id, b: first.info.id });
    expect(back.hosts[0].newlyOpen.map((r: any) => r.port)).toEqual([a.port]);

    const json = await call(ctx.app, 'scan.export', { id: first.info.id, format: 'json' });
    expect(JSON.parse(json.content).info.id).toBe(first.info.id);
    const csv = await call(ctx.app, 'scan.export', { id: first.info.id, format: 'csv' });
    expect(csv.content.split('\r\n')[1]).toMatch(new RegExp(`^127\\.0\\.0\\.1,${a.port},tcp,open,syn-ack,`));
    const xml = await call(ctx.app, 'scan.export', { id: first.info.id, format: 'nmap-xml' });
    expect(xml.filename).toMatch(/\.xml$/);
    expect(xml.content).toContain(`<port protocol="tcp" portid="${a.port}"><state state="open" reason="syn-ack" reason_ttl="0"/><service name="http"`);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'portolan-xml-'));
    try {
      const file = path.join(dir, 'scan.xml');
      writeFileSync(file, xml.content);
      if (spawnSync('xmllint', ['--version']).error) console.warn('[scanner] xmllint missing: XML checked by pattern only (apt-get install libxml2-utils)');
      else {
        const dtd = '/usr/share/nmap/nmap.dtd';
        const args = spawnSync('test', ['-f', dtd]).status === 0 ? ['--noout', '--dtdvalid', dtd, file] : ['--noout', file];
        const r = spawnSync('xmllint', args, { encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
        const ports = spawnSync('xmllint', ['--xpath', 'count(//port)', file], { encoding: 'utf8' });
        expect(ports.stdout.trim()).toBe('1');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect((await call(ctx.app, 'scan.delete', { id: second.info.id })).deleted).toBe(true);
    expect((await ctx.app.invoke('scan.get', { id: second.info.id })).ok).toBe(false);
  });

  it('refuses a public target without confirmation, with a sentence', async () => {
    const r = await ctx.app.invoke('scan.start', { targets: '192.0.2.7', ports: '80' });
    expect(r).toMatchObject({ ok: false, error: { code: 'CONFIRM_REQUIRED', message: expect.stringContaining('192.0.2.7 is outside private') } });
  });

  it('keeps a damaged history file aside and lists the rest', async () => {
    const scan = await scanToEnd(ctx.app, { targets: '127.0.0.1', ports: '1', timing: 5 });
    const fresh = await testApp();
    try {
      const { mkdir, writeFile, copyFile, readdir } = await import('node:fs/promises');
      await mkdir(path.join(fresh.dataDir, 'scans'), { recursive: true });
      await copyFile(path.join(ctx.dataDir, 'scans', `${scan.info.id}.json`), path.join(fresh.dataDir, 'scans', `${scan.info.id}.json`));
      await writeFile(path.join(fresh.dataDir, 'scans', '20200101T000000-broken.json'), '{"info":');
      const history = await call(fresh.app, 'scan.history', {});
      expect(history.scans.map((s: any) => s.id)).toEqual([scan.info.id]);
      expect(history.problem).toMatch(/was damaged/);
      expect((await readdir(path.join(fresh.dataDir, 'scans'))).some((f) => f.includes('.corrupt-'))).toBe(true);
    } finally {
      await fresh.dispose();
    }
  });
});

describe('open-file limit', () => {
  it('finishes a scan under ulimit -n 64, backing off on EMFILE', async () => {
    if (process.platform !== 'linux') return;
    const web = await httpPeer();
    peers.push(web);
    const child = spawn('sh', ['-c', `ulimit -n 64; exec "${process.execPath}" --import tsx "${path.join(import.meta.dirname, 'emfile-child.ts')}" ${web.port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code, err).toBe(0);
    const reports = out.trim().split('\n').map((l) => JSON.parse(l));
    for (const r of reports) {
      expect(r.state, JSON.stringify(r)).toBe('done');
      expect(r.open).toContain(web.port);
      expect(r.closed + r.open.length).toBe(3000);
    }
    // Forced above the limit: EMFILE happened and was handled by backing off.
    expect(reports[1].message).toMatch(/open-file limit/);
  }, 60000);
});
