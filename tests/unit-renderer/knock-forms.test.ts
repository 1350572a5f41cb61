import { describe, expect, it } from 'vitest';
import { checkGuard, checkKnock, guardPristine, shownErrors, targetOf, targetValue, decodeKnockForm, defaultGuardForm, defaultKnockForm, encodeKnockForm, formOfGuard, formOfProfile, profileOf } from '../../src-renderer/src/lib/knock/forms.js';
import { sortPicked, oneTimePaths } from '../../src-renderer/src/lib/knock/knockd.js';
import { appendLog, outcomeOf } from '../../src-renderer/src/lib/knock/log.js';
import { checkVerdict, finishRun, onStep, startRun } from '../../src-renderer/src/lib/knock/run.js';
import { addStep, checkSteps, formatSequence, moveStep, parseSequence, removeStep, rowsOf, stepRow } from '../../src-renderer/src/lib/knock/steps.js';

const rows = (...ports: string[]) => ports.map((p) => stepRow(p));

describe('the step rows', () => {
  it('adds, removes (never the last) and moves steps, keeping each row its key', () => {
    let r = rows('7000', '8000');
    const [a, b] = r;
    r = addStep(r);
    expect(r).toHaveLength(3);
    r = moveStep(r, 0, 1);
    expect(r.map((x) => x.key)).toEqual([b!.key, a!.key, r[2]!.key]);
    expect(moveStep(r, 0, -1)).toEqual(r);
    expect(moveStep(r, 2, 1)).toEqual(r);
    r = removeStep(r, 2);
    r = removeStep(r, 0);
    expect(r.map((x) => x.port)).toEqual(['7000']);
    expect(removeStep(r, 0)).toHaveLength(1);
    expect(addStep(rows(...Array.from({ length: 32 }, () => '1')))).toHaveLength(32);
  });

  it('checks ports with the engine sentence and names the first bad step', () => {
    expect(checkSteps(rows('7000', '0', 'x'))).toMatchObject({ steps: null, error: 'Step 2: Knock ports go from 1 to 65535.', bad: [1, 2] });
    expect(checkSteps([])).toMatchObject({ steps: null, error: 'A knock sequence needs at least one step.' });
    expect(checkSteps([stepRow('7000'), stepRow('8000', 'udp')]).steps).toEqual([
      { port: 7000, protocol: 'tcp' },
      { port: 8000, protocol: 'udp' },
    ]);
  });

  it("reads and writes knock's text form", () => {
    expect(parseSequence('7000, 8000:udp 9000/TCP')).toEqual({
      steps: [
        { port: 7000, protocol: 'tcp' },
        { port: 8000, protocol: 'udp' },
        { port: 9000, protocol: 'tcp' },
      ],
    });
    expect(parseSequence('7000,70000')).toEqual({ error: expect.stringMatching(/"70000" is not a knock step/) });
    expect(parseSequence('  ')).toEqual({ error: 'A knock sequence needs at least one step.' });
    expect(formatSequence([{ port: 1, protocol: 'tcp' }, { port: 2, protocol: 'udp' }])).toBe('1,2:udp');
  });
});

describe('the knock form', () => {
  it('makes a request only when host, steps, delay and check are right', () => {
    const form = { ...defaultKnockForm(), host: ' [::1] ', steps: [stepRow('7000'), stepRow('8000', 'udp')], delayMs: '50', checkPort: '22' };
    expect(checkKnock(form).request).toEqual({
      host: '::1',
      steps: [
        { port: 7000, protocol: 'tcp' },
        { port: 8000, protocol: 'udp' },
      ],
      delayMs: 50,
      family: 'any',
      thenCheck: { port: 22, protocol: 'tcp' },
    });
    expect(checkKnock({ ...form, checkPort: '' }).request?.thenCheck).toBeUndefined();
    const bad = checkKnock({ ...form, host: 'a b', delayMs: '1.5', checkPort: '99999' });
    expect(bad.request).toBeNull();
    expect(Object.keys(bad.errors).sort()).toEqual(['check', 'delay', 'host']);
  });

  it('is remembered and restored, and a damaged value gives the default', () => {
    const form = { ...defaultKnockForm(), host: 'h', steps: [stepRow('1'), stepRow('2', 'udp')], checkPort: '22' };
    const back = decodeKnockForm(encodeKnockForm(form));
    expect({ ...back, steps: back.steps.map((s) => [s.port, s.protocol]) }).toEqual({ ...form, steps: [['1', 'tcp'], ['2', 'udp']] });
    expect(decodeKnockForm('{nope').host).toBe('');
  });

  it('goes to and from a profile', () => {
    const form = formOfProfile({ host: 'h', steps: [{ port: 1, protocol: 'udp' }], delayMs: 10, thenCheck: { port: 22, protocol: 'tcp' } });
    expect(form).toMatchObject({ host: 'h', delayMs: '10', checkPort: '22' });
    const req = checkKnock(form).request!;
    expect(profileOf(req, ' office ', 'K1', 5000)).toEqual({ id: 'K1', name: 'office', host: 'h', steps: [{ port: 1, protocol: 'udp' }], delayMs: 10, thenCheck: { port: 22, protocol: 'tcp' }, seqTimeoutMs: 5000 });
  });
});

describe('the guard form', () => {
  const good = { ...defaultGuardForm(), name: 'door', steps: rowsOf([{ port: 7000, protocol: 'tcp' }, { port: 8000, protocol: 'udp' }]), target: 'listener:L1', windowS: '2.5', openForS: '30' };

  it('makes a create request with a listener target and no command by default', () => {
    expect(checkGuard(good).request).toEqual({
      name: 'door',
      sequence: [
        { port: 7000, protocol: 'tcp' },
        { port: 8000, protocol: 'udp' },
      ],
      windowMs: 2500,
      openForMs: 30000,
      target: { kind: 'listener', listenerId: 'L1' },
    });
  });

  it('targets a TCP forward as well as a listener', () => {
    expect(checkGuard({ ...good, target: 'forward:f-ab:c' }).request?.target).toEqual({ kind: 'forward', forwardId: 'f-ab:c' });
    expect(targetOf(targetValue({ kind: 'listener', listenerId: 'L3' }))).toEqual({ kind: 'listener', listenerId: 'L3' });
    expect(targetOf('socket:1')).toBeNull();
    expect(targetOf('listener:')).toBeNull();
  });

  it('asks for a listener, a name, sane times and an absolute program', () => {
    const c = checkGuard({ ...good, name: ' ', target: '', windowS: '0', openForS: '100000', commandOn: true, commandPath: 'door.sh' });
    expect(c.request).toBeNull();
    expect(Object.keys(c.errors).sort()).toEqual(['command', 'name', 'openFor', 'target', 'window']);
  });

  it('sends the command as an argument list, enabled only when ticked', () => {
    const on = checkGuard({ ...good, commandOn: true, commandPath: '/usr/bin/logger', commandArgs: '-t\nknock\n\n{source}' }).request!;
    expect(on.command).toEqual({ path: '/usr/bin/logger', args: ['-t', 'knock', '{source}'], enabled: true });
    expect(checkGuard({ ...good, commandPath: '/usr/bin/logger' }).request!.command?.enabled).toBe(false);
  });

  it('is filled from an imported spec (command stays off)', () => {
    const f = formOfGuard({ name: 'ssh', sequence: [{ port: 1, protocol: 'tcp' }], windowMs: 5000, command: { path: '/bin/x', args: ['{source}'], enabled: true } }, 'listener:L2');
    expect(f).toMatchObject({ name: 'ssh', windowS: '5', openForS: '30', target: 'listener:L2', commandOn: false, commandPath: '/bin/x', commandArgs: '{source}' });
  });
});

describe('which problems show', () => {
  it('says nothing on a new form, only typed mistakes while filling in, then what is missing', () => {
    const fresh = defaultGuardForm();
    expect(shownErrors(checkGuard(fresh).errors, guardPristine(fresh))).toEqual([]);
    const typing = { ...fresh, steps: [stepRow('70000'), stepRow()] };
    expect(shownErrors(checkGuard(typing).errors, guardPristine(typing)).map(([k]) => k)).toEqual(['steps']);
    const filled = { ...fresh, steps: [stepRow('7000')] };
    expect(shownErrors(checkGuard(filled).errors, guardPristine(filled)).map(([k]) => k)).toEqual(['name', 'target']);
    const badWindow = { ...filled, windowS: 'x' };
    expect(shownErrors(checkGuard(badWindow).errors, guardPristine(badWindow)).map(([k]) => k)).toEqual(['window']);
  });
});

describe('the attempt log and runs', () => {
  it('keeps at most the limit, newest last', () => {
    const a = (n: number) => ({ at: n, source: '127.0.0.1', guardId: 'G1', stepsMatched: 1, outcome: 'progress' as const });
    let log = appendLog([], [a(1), a(2)], 3);
    log = appendLog(log, [a(3), a(4)], 3);
    expect(log.map((e) => e.at)).toEqual([2, 3, 4]);
    expect(new Set(log.map((e) => e.key)).size).toBe(3);
  });

  it('words the outcomes', () => {
    expect(outcomeOf({ outcome: 'opened', stepsMatched: 3 }, 3)).toEqual({ label: 'opened', tone: 'ok' });
    expect(outcomeOf({ outcome: 'progress', stepsMatched: 2 }, 3).label).toBe('step 2 of 3 matched');
    expect(outcomeOf({ outcome: 'reset-wrong-port', stepsMatched: 0 }, 3)).toEqual({ label: 'wrong port', tone: 'fail' });
    expect(outcomeOf({ outcome: 'reset-wrong-port', stepsMatched: 1 }, 3).label).toBe('wrong port after 1 of 3');
    expect(outcomeOf({ outcome: 'expired', stepsMatched: 2 }, undefined)).toEqual({ label: 'timed out after 2', tone: 'fail' });
  });

  it('follows step events of its own run only, then takes the result', () => {
    const step = (runId: string, index: number) => ({ runId, index, step: { port: 7000 + index, protocol: 'tcp' as const }, outcome: 'sent' as const, sentAt: index, attempt: 1 });
    let run = startRun('r1', 'h', [{ port: 7000, protocol: 'tcp' }]);
    run = onStep(run, step('r2', 0));
    run = onStep(run, step('r1', 1));
    run = onStep(run, step('r1', 0));
    run = onStep(run, step('r1', 0));
    expect(run.steps.map((s) => s.index)).toEqual([0, 1]);
    const check = { port: 22, reachable: true, retried: true, message: 'm' };
    run = finishRun(run, { runId: 'r1', host: 'h', address: '127.0.0.1', steps: [{ port: 7000, protocol: 'tcp', sentAt: 0, outcome: 'refused', attempt: 1 }], check });
    expect(run).toMatchObject({ state: 'done', steps: [{ index: 0, outcome: 'refused' }] });
    expect(onStep(run, step('r1', 5)).steps).toHaveLength(1);
    expect(checkVerdict(check)).toEqual({ label: 'reachable after a retry', tone: 'warn' });
    expect(checkVerdict({ ...check, reachable: false, retried: false }).tone).toBe('fail');
  });
});

describe('picked knockd files', () => {
  const conf = '[options]\n  logfile = /var/log/knockd.log\n[ssh]\n  one_time_sequences = /etc/knockd/ssh.seq\n  seq_timeout = 5\n';
  it('finds the conf and matches one-time sequence files by base name', () => {
    expect(oneTimePaths(conf)).toEqual(['/etc/knockd/ssh.seq']);
    const picked = sortPicked([
      { name: 'ssh.seq', text: '1,2,3\n' },
      { name: 'knockd.conf', text: conf },
      { name: 'other.txt', text: 'x' },
    ]);
    expect(picked.conf?.name).toBe('knockd.conf');
    expect(picked.files).toEqual({ '/etc/knockd/ssh.seq': '1,2,3\n' });
    expect(picked.unused).toEqual(['other.txt']);
    expect(sortPicked([{ name: 'a.txt', text: 'hello' }]).conf).toBeNull();
  });
});
