import { describe, expect, it } from 'vitest';
import type { ConnectionInfo } from '../../src-main/contract/forwards.js';
import { exportFileName, formatRate, routeOf, stateLabel } from '../../src-renderer/src/lib/forwards/format.js';
import { applyChanged, applyConnection, applyTraffic, EMPTY_LOG, logFromList, logRows } from '../../src-renderer/src/lib/forwards/model.js';
import { pushBounded, seriesMax, sparkPaths, TrafficHistory } from '../../src-renderer/src/lib/forwards/traffic.js';
import { forward } from './forward-info.js';


const conn = (id: string, over: Partial<ConnectionInfo> = {}): ConnectionInfo => ({
  id,
  forwardId: 'f-1',
  client: { address: '127.0.0.1', port: 40000 },
  target: { host: '127.0.0.1', port: 7000 },
  bytesIn: 0,
  bytesOut: 0,
  openedAt: 1,
  ...over,
});

describe('rate history for sparklines', () => {
  it('keeps a bounded series per forward', () => {
    let values: number[] = [];
    for (let i = 0; i < 10; i++) values = pushBounded(values, i, 4);
    expect(values).toEqual([6, 7, 8, 9]);
  });

  it('turns byte totals into rates, starts from rest, and survives a restart', () => {
    const h = new TrafficHistory(5);
    const row = (bytesIn: number, bytesOut: number, running = true) => [{ id: 'a', bytesIn, bytesOut, running }];
    expect(h.sample(row(1000, 0), 0).a).toEqual({ in: [0], out: [0] });
    expect(h.sample(row(3000, 500), 500).a).toEqual({ in: [0, 4000], out: [0, 1000] });
    expect(h.sample(row(3000, 500), 1000).a).toEqual({ in: [0, 4000, 0], out: [0, 1000, 0] });
    // Stopped: the series stays; started again with counters from zero: a new baseline.
    expect(h.sample(row(3000, 500, false), 1500).a!.in).toEqual([0, 4000, 0]);
    expect(h.sample(row(100, 0), 2000).a!.in).toEqual([0, 4000, 0, 0]);
    expect(h.sample(row(600, 0), 2500).a!.in).toEqual([0, 4000, 0, 0, 1000]);
    expect(h.sample(row(700, 0), 3000).a!.in).toEqual([4000, 0, 0, 1000, 200]);
    h.forget('a');
    expect(h.sample([], 3500)).toEqual({});
  });

  it('counts what a forward carried right after it started, before its first sample', () => {
    const h = new TrafficHistory(5);
    h.sample([], 0);
    // Started at 100 ms with counters at zero; 1000 bytes by the next sample.
    expect(h.sample([{ id: 'b', bytesIn: 1000, bytesOut: 1000, running: true, startedAt: 100 }], 500).b).toEqual({ in: [2000], out: [2000] });
    // A forward running since before the view opened: the first sample is only a baseline.
    expect(h.sample([{ id: 'c', bytesIn: 5000, bytesOut: 0, running: true, startedAt: -10_000 }], 1000).c).toEqual({ in: [0], out: [0] });
  });

  it('draws right-aligned paths on one scale', () => {
    expect(sparkPaths([5], 4, 30, 10, 5).line).toBe('');
    const { line, area } = sparkPaths([0, 5, 10], 4, 30, 12, 10);
    expect(line).toBe('M10,11L20,6L30,1');
    expect(area).toBe('M10,11L20,6L30,1L30,11L10,11Z');
    expect(seriesMax({ in: [1, 50], out: [70] })).toBe(70);
    expect(seriesMax(undefined)).toBe(1);
    expect(sparkPaths([0, 0], 2, 10, 10, seriesMax({ in: [0, 0], out: [] })).line).toBe('M0,9L10,9');
  });
});

describe('forwards and connection logs', () => {
  it('upserts forwards in the order they came, drops removed ones', () => {
    let list = applyChanged([], { forwards: [forward('a'), forward('b')], removed: [] });
    list = applyChanged(list, { forwards: [forward('c'), forward('a', { state: 'listening' })], removed: ['b'] });
    expect(list.map((f) => `${f.id}:${f.state}`)).toEqual(['a:listening', 'c:stopped']);
  });

  it('applies live counters only when they moved', () => {
    const list = [forward('a'), forward('b')];
    expect(applyTraffic(list, { at: 1, items: [{ id: 'a', bytesIn: 0, bytesOut: 0, active: 0 }] })).toBe(list);
    const next = applyTraffic(list, { at: 1, items: [{ id: 'b', bytesIn: 10, bytesOut: 20, active: 1 }] });
    expect(next[0]).toBe(list[0]);
    expect(next[1]).toMatchObject({ bytesIn: 10, bytesOut: 20, activeConnections: 1 });
  });

  it('keeps open connections and a bounded log of closed ones', () => {
    let log = applyConnection(EMPTY_LOG, { event: 'opened', connection: conn('c1') });
    log = applyConnection(log, { event: 'opened', connection: conn('c2') });
    log = applyConnection(log, { event: 'closed', connection: conn('c1', { closedAt: 5, bytesIn: 9 }) });
    expect(log.open.map((c) => c.id)).toEqual(['c2']);
    expect(log.closed.map((c) => c.bytesIn)).toEqual([9]);
    for (let i = 0; i < 5; i++) log = applyConnection(log, { event: 'closed', connection: conn(`r${i}`, { closedAt: 10 + i }) }, 3);
    expect(log.closed.map((c) => c.id)).toEqual(['r2', 'r3', 'r4']);
    expect(logRows(log).map((c) => c.id)).toEqual(['c2', 'r4', 'r3', 'r2']);
    const fromEngine = logFromList([conn('x', { closedAt: 9 }), conn('y'), conn('w', { closedAt: 3 })]);
    expect(fromEngine.open.map((c) => c.id)).toEqual(['y']);
    expect(fromEngine.closed.map((c) => c.id)).toEqual(['w', 'x']);
  });
});

describe('forwards for people', () => {
  it('says the state with its reason and the retry countdown', () => {
    expect(stateLabel(forward('a', { state: 'listening', boundPort: 40001 })).text).toBe('listening on 127.0.0.1:40001');
    expect(stateLabel(forward('a', { state: 'failed', error: { code: 'EADDRINUSE', message: 'Port 80/tcp on 127.0.0.1 is in use by nginx (pid 1).' } })).text).toBe(
      'failed: Port 80/tcp on 127.0.0.1 is in use by nginx (pid 1).',
    );
    expect(stateLabel(forward('a', { state: 'retrying', retryInMs: 5000 }), 1200)).toEqual({ text: 'retrying in 4s', tone: 'warn' });
    expect(stateLabel(forward('a', { state: 'retrying', retryInMs: 1000 }), 9000).text).toBe('retrying in 0s');
    expect(stateLabel(forward('a')).text).toBe('stopped');
    const tunnel = forward('t', {
      state: 'connecting',
      spec: { kind: 'ssh-dynamic', name: 't', listenHost: '::1', listenPort: 1080, allow: [], startWithApp: false, ssh: { host: 'h', port: 2222, username: 'u', auth: 'agent', keepaliveSec: 15 } },
    });
    expect(stateLabel(tunnel).text).toBe('connecting to h:2222');
    expect(stateLabel({ ...tunnel, state: 'up' }).text).toBe('up on [::1]:1080');
    expect(routeOf(tunnel.spec)).toEqual({ listen: { host: '::1', port: 1080, where: 'here' }, via: { user: 'u', host: 'h', port: 2222 } });
  });

  it('formats rates and export names', () => {
    expect(formatRate(2048)).toBe('2.0 KiB/s');
    expect(exportFileName(new Date(2024, 4, 1))).toBe('portolan-forwards-2024-05-01.json');
  });
});
