/**
 * run/forward-<id>.pid: which `portolan forwards start` (or `guard --forward`) process runs a saved
 * forward, so `forwards list` can show it and `forwards stop` can end it from another terminal.
 *
 * A pid alone is not enough: after a crash the file stays, the pid is given to another process,
 * and that process would be shown as the forward and get SIGTERM. So the file records what
 * identifies the process too, and a pid counts as ours only while it still matches:
 * - Linux: the start time (field 22 of /proc/<pid>/stat, clock ticks since boot) and the command
 *   line (/proc/<pid>/cmdline);
 * - macOS and other Unixes: `ps -o lstart=` (start date to the second) and `ps -ww -o command=`;
 * - Windows: Win32_Process's CreationDate and CommandLine, through PowerShell's Get-CimInstance.
 * A file without them (written by an older Portolan) cannot be checked and is never trusted.
 */
import { execFile } from 'node:child_process';
import { readFile, rename, rm, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';

/** What tells one process from another that later gets the same pid. */
export interface ProcessIdentity {
  /** When it started, in the OS's own terms (see the file comment). */
  start: string;
  /** Its command line. */
  command: string;
}

/** What the pid file holds. */
export interface ForwardPidRecord extends ProcessIdentity {
  pid: number;
}

/** Whether a saved forward runs in a portolan command on this machine. */
export type ForwardPidStatus =
  | { state: 'none' }
  | { state: 'running'; pid: number }
  /** The file names a pid that is not (or cannot be shown to be) the process that wrote it. */
  | { state: 'stale'; pid: number; reason: string };

/** The pid file of forward `id`. */
export const forwardPidFile = (dataDir: string, id: string) => path.join(dataDir, 'run', `forward-${id}.pid`);

/** The start time in /proc/<pid>/stat: field 22, counted after the command name, which may hold spaces and parentheses. */
export function startTimeFromStat(stat: string): string | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the name start at 3 (state); field 22 is at index 22 - 3.
  const start = fields[22 - 3];
  return start && /^\d+$/.test(start) ? start : undefined;
}

function run(file: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(file, args, { encoding: 'utf8', timeout: 10000, windowsHide: true }, (err, stdout) => resolve(err ? undefined : stdout));
  });
}

/** The identity of a live process, or undefined when it does not exist (or cannot be read). */
export async function processIdentity(pid: number, platform: NodeJS.Platform = process.platform): Promise<ProcessIdentity | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (platform === 'linux') {
    try {
      const [stat, cmdline] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/cmdline`, 'utf8')]);
      const start = startTimeFromStat(stat);
      return start ? { start, command: cmdline.replace(/\0+$/, '').split('\0').join(' ') } : undefined;
    } catch {
      return undefined;
    }
  }
  if (platform === 'win32') {
    const script = `$p = Get-CimInstance Win32_Process -Filter 'ProcessId=${pid}'; if ($p) { $p.CreationDate.ToUniversalTime().ToString('o'); $p.CommandLine }`;
    const out = await run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', script]);
    const [start, ...command] = (out ?? '').trim().split(/\r?\n/);
    return start ? { start, command: command.join(' ').trim() } : undefined;
  }
  const [start, command] = await Promise.all([run('ps', ['-o', 'lstart=', '-p', String(pid)]), run('ps', ['-ww', '-o', 'command=', '-p', String(pid)])]);
  return start?.trim() ? { start: start.trim(), command: (command ?? '').trim() } : undefined;
}

/** Records this process as the one running forward `id` (written whole, then renamed into place). */
export async function writeForwardPid(dataDir: string, id: string): Promise<string> {
  const identity = await processIdentity(process.pid);
  if (!identity) throw new Error(`This process's start time could not be read, so a pid file for forward ${id} would not be safe to trust.`);
  const file = forwardPidFile(dataDir, id);
  await mkdir(path.dirname(file), { recursive: true });
  const record: ForwardPidRecord = { pid: process.pid, ...identity };
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(record)}\n`);
  await rename(tmp, file);
  return file;
}

/** Reads the pid file of forward `id` and checks that its process is still the one that wrote it. */
export async function forwardPidStatus(dataDir: string, id: string): Promise<ForwardPidStatus> {
  let text: string;
  try {
    text = await readFile(forwardPidFile(dataDir, id), 'utf8');
  } catch {
    return { state: 'none' };
  }
  let record: Partial<ForwardPidRecord>;
  try {
    const parsed: unknown = JSON.parse(text);
    record = typeof parsed === 'number' ? { pid: parsed } : ((parsed ?? {}) as Partial<ForwardPidRecord>);
  } catch {
    return { state: 'none' };
  }
  const pid = Number(record.pid);
  if (!Number.isInteger(pid) || pid <= 0) return { state: 'none' };
  const now = await processIdentity(pid);
  if (!now) return { state: 'none' };
  if (typeof record.start !== 'string' || typeof record.command !== 'string') {
    return { state: 'stale', pid, reason: `the pid file has no start time to check pid ${pid} against (an older Portolan wrote it); pid ${pid} is now ${now.command || 'another process'}` };
  }
  if (record.start !== now.start || record.command !== now.command) {
    return { state: 'stale', pid, reason: `pid ${pid} is now another process (${now.command || 'no command line'})` };
  }
  return { state: 'running', pid };
}

/** Removes the pid file of forward `id`. */
export const removeForwardPid = (dataDir: string, id: string) => rm(forwardPidFile(dataDir, id), { force: true });
