import { describe, expect, it } from 'vitest';
import { endProcess, type EndSignal } from '../../../../src-main/engine/processes/end-process.js';

/** A kill that records what it was asked, or fails with an errno code. */
function fakeKill(code?: string) {
  const sent: [number, EndSignal][] = [];
  const kill = (pid: number, signal: EndSignal) => {
    if (code) throw Object.assign(new Error(`kill ${code}`), { code });
    sent.push([pid, signal]);
  };
  return { sent, kill };
}

describe('ending a process', () => {
  it('sends the signal asked for to the pid', () => {
    const k = fakeKill();
    endProcess(4242, 'SIGTERM', { selfPid: 10, kill: k.kill });
    endProcess(4243, 'SIGKILL', { selfPid: 10, kill: k.kill });
    expect(k.sent).toEqual([
      [4242, 'SIGTERM'],
      [4243, 'SIGKILL'],
    ]);
  });

  it('refuses pid 1 and Portolan itself without sending anything', () => {
    const k = fakeKill();
    expect(() => endProcess(1, 'SIGKILL', { selfPid: 10, kill: k.kill })).toThrow(/init process/);
    expect(() => endProcess(10, 'SIGTERM', { selfPid: 10, kill: k.kill })).toThrow(/Portolan itself/);
    expect(k.sent).toEqual([]);
  });

  it('says whose process it is when the kernel answers EPERM, and that it has ended on ESRCH', () => {
    expect(() => endProcess(4242, 'SIGTERM', { selfPid: 10, kill: fakeKill('EPERM').kill })).toThrow(
      expect.objectContaining({ code: 'EACCES', message: expect.stringMatching(/belongs to another user.*as root/) }),
    );
    expect(() => endProcess(4242, 'SIGTERM', { selfPid: 10, kill: fakeKill('ESRCH').kill })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});
