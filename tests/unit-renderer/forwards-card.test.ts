/** What a forward card says: a running forward whose target cannot be reached, the reason worded by its code, the log count, the sparkline of small rates. */
import { describe, expect, it } from 'vitest';
import type { ConnectionInfo } from '../../src-main/contract/forwards.js';
import { lastTargetError, outcomeText, stateLabel, targetErrorText } from '../../src-renderer/src/lib/forwards/format.js';
import { logRows, logSummary } from '../../src-renderer/src/lib/forwards/model.js';
import { sparkPaths } from '../../src-renderer/src/lib/forwards/traffic.js';
import { forward } from './forward-info.js';

const DNS = { code: 'ENOTFOUND', message: 'the target nosuchhost.invalid:80 refused or could not be reached: getaddrinfo ENOTFOUND nosuchhost.invalid' };
const conn = (id: string, over: Partial<ConnectionInfo> = {}): ConnectionInfo => ({
  id,
  forwardId: 'f',
  client: { address: '127.0.0.1', port: 50000 },
  target: { host: 'nosuchhost.invalid', port: 80 },
  bytesIn: 0,
  bytesOut: 0,
  openedAt: 1,
  ...over,
});

describe('a forward card', () => {
  it('words a failure to reach the target by its code: a DNS failure is not "refused"', () => {
    const target = { host: 'nosuchhost.invalid', port: 80 };
    expect(targetErrorText(DNS, target)).toBe('nosuchhost.invalid does not resolve here (ENOTFOUND): no DNS answer for this name');
    expect(targetErrorText(DNS, target)).not.toMatch(/refused/);
    expect(targetErrorText({ code: 'ECONNREFUSED', message: 'x' }, { host: '127.0.0.1', port: 9 })).toBe('127.0.0.1:9 refused the connection (ECONNREFUSED): nothing listens there');
    expect(targetErrorText({ code: 'EWEIRD', message: 'the engine says so' })).toBe('the engine says so');
    // The log's outcome column: the same wording; a refusal by the allowlist keeps its sentence.
    expect(outcomeText(conn('a', { closedAt: 2, error: DNS }))).toMatch(/^nosuchhost\.invalid does not resolve here/);
    expect(outcomeText(conn('b', { closedAt: 2, error: { code: 'ALLOWLIST', message: '10.0.0.1 is not in the allowlist: refused.' } }))).toBe('10.0.0.1 is not in the allowlist: refused.');
  });

  it('shows a listening forward whose connections failed as a warning with the reason, from the first failure', () => {
    const spec = { kind: 'tcp' as const, name: 'n', listenHost: '127.0.0.1', listenPort: 18501, allow: [], startWithApp: false, targetHost: 'nosuchhost.invalid', targetPort: 80 };
    expect(stateLabel(forward('f', { spec, state: 'listening' }))).toEqual({ text: 'listening on 127.0.0.1:18501', tone: 'ok' });
    const closed = [conn('a', { closedAt: 2, error: DNS }), conn('b', { closedAt: 3, error: { code: 'ALLOWLIST', message: 'refused' } })];
    const label = stateLabel(forward('f', { spec, state: 'listening', targetErrors: 1 }), 0, lastTargetError(closed));
    expect(label).toEqual({
      tone: 'warn',
      text: 'listening on 127.0.0.1:18501, but 1 connection could not reach the target: nosuchhost.invalid does not resolve here (ENOTFOUND): no DNS answer for this name',
    });
  });

  it('counts the connection log as the rows it lists (open and closed)', () => {
    const log = { open: [conn('o1'), conn('o2'), conn('o3')], closed: Array.from({ length: 6 }, (_, i) => conn(`c${i}`, { closedAt: 2 })) };
    expect(logRows(log)).toHaveLength(9);
    expect(logSummary(log)).toBe('3 open, 6 closed');
    expect(logSummary({ open: [], closed: [] })).toBe('');
    const big = { open: [], closed: Array.from({ length: 230 }, (_, i) => conn(`c${i}`, { closedAt: 2 })) };
    expect(logRows(big)).toHaveLength(50);
    expect(logSummary(big)).toBe('latest 50 of 230: 230 closed');
  });

  it('draws a 6 B/s trickle beside a 1 MiB/s peak off the baseline', () => {
    const { line } = sparkPaths([1024 * 1024, 0, 6], 3, 20, 30, 1024 * 1024);
    // Peak at the top (y=1), idle on the baseline (y=29), the trickle 2 px up (y=27).
    expect(line).toBe('M0,1L10,29L20,27');
  });
});
