/**
 * Ends a process, as TCPView's "End process": one signal to one pid. It refuses pid 1 (init: the
 * machine would go down with it) and Portolan's own pid (the window would vanish mid-action), and
 * turns the kernel's EPERM and ESRCH into sentences a person can act on.
 */
import { PortolanError } from '../../contract/errors.js';

/** The signals offered: ask to exit (SIGTERM), or force it (SIGKILL). */
export type EndSignal = 'SIGTERM' | 'SIGKILL';

/** What ending a process needs besides the pid; tests pass their own `kill` and `selfPid`. */
export interface EndProcessOptions {
  /** Portolan's own pid (refused). */
  selfPid?: number;
  /** Sends the signal (process.kill by default). */
  kill?: (pid: number, signal: EndSignal) => void;
}

/** Sends `signal` to `pid`; throws a PortolanError with the reason where it may not or cannot. */
export function endProcess(pid: number, signal: EndSignal, options: EndProcessOptions = {}): void {
  const selfPid = options.selfPid ?? process.pid;
  if (!Number.isInteger(pid) || pid <= 1) {
    throw new PortolanError('INVALID_INPUT', `Portolan does not end pid ${pid}: pid 1 is the init process, and ending it would stop the whole machine.`);
  }
  if (pid === selfPid) {
    throw new PortolanError('INVALID_INPUT', `Pid ${pid} is Portolan itself: quit it from its menu or tray instead.`);
  }
  try {
    (options.kill ?? ((p, s) => process.kill(p, s)))(pid, signal);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EPERM') {
      throw new PortolanError('EACCES', `Not allowed to end pid ${pid}: it belongs to another user. Run Portolan as that user or as root to end it.`);
    }
    if (code === 'ESRCH') throw new PortolanError('NOT_FOUND', `There is no process ${pid} any more: it has ended already.`);
    throw new PortolanError('INTERNAL', `Could not send ${signal} to pid ${pid}: ${(err as Error).message}`);
  }
}
