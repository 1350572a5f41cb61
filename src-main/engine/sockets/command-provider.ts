/**
 * macOS and Windows: the socket table from the system's own tools, run without a shell.
 * macOS: `lsof -nP -iTCP -iUDP` in field form. Windows: `netstat -ano`, with process names from
 * `tasklist`. Each tick spawns one process (two when new PIDs appear on Windows).
 */
import { lazyBuiltin } from '../builtin.js';
import { parseLsof } from './lsof-parser.js';
import { parseNetstat, parseTasklist } from './netstat-parser.js';
import type { SocketProvider, SocketReading } from './provider.js';

/** lsof and netstat run on macOS and Windows only. */
const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process');

/** What a finished command printed and how it exited. */
export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Runs a program with arguments (no shell) and resolves when it exits, whatever its exit code;
 * rejects when it cannot be started, runs too long or prints too much (the Node error, with
 * `code` ENOENT, `killed`, or ERR_CHILD_PROCESS_STDIO_MAXBUFFER).
 */
export type CommandRunner = (file: string, args: readonly string[]) => Promise<CommandResult>;

/** Long enough for a busy machine; a tick that takes longer is better reported than awaited. */
const TIMEOUT_MS = 15_000;
/** lsof prints about 120 bytes per socket and netstat about 80: 64 MiB is far beyond 10,000. */
const MAX_BUFFER = 64 * 1024 * 1024;

/** The real runner: child_process.execFile with a timeout, a large buffer and no console window. */
export const execFileRunner: CommandRunner = (file, args) =>
  new Promise((resolve, reject) => {
    childProcess().execFile(file, [...args], { timeout: TIMEOUT_MS, maxBuffer: MAX_BUFFER, windowsHide: true, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ stdout, stderr, exitCode: error ? Number(error.code) : 0 });
    });
  });

/** Turns a failure to run `tool` into an Error that says what happened and what to do. */
function commandError(tool: string, error: unknown, missingHint: string): Error {
  const e = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string };
  if (e.code === 'ENOENT') return new Error(`${tool} was not found. ${missingHint}`, { cause: error });
  if (e.code === 'EACCES') return new Error(`${tool} could not be run (permission denied). ${missingHint}`, { cause: error });
  if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
    return new Error(`${tool} printed more than ${MAX_BUFFER / 1024 / 1024} MiB; the socket table is too large to read this way.`, { cause: error });
  }
  if (e.killed) {
    return new Error(`${tool} did not finish within ${TIMEOUT_MS / 1000} s; the machine may be very busy — try a longer refresh interval.`, { cause: error });
  }
  if (e.signal) return new Error(`${tool} was stopped by ${e.signal} before it finished.`, { cause: error });
  return new Error(`${tool} could not be run: ${e.message ?? String(error)}`, { cause: error });
}

function firstLine(text: string): string {
  return text.trim().split(/\r?\n/)[0] ?? '';
}

/**
 * macOS (and other systems with lsof). Without root, lsof lists only the calling user's
 * processes: other users' sockets are missing altogether rather than shown without an owner, so
 * hiddenOwners counts only rows lsof gave without a PID (none in practice).
 */
export class LsofSocketProvider implements SocketProvider {
  readonly source = 'lsof';

  constructor(
    private readonly run: CommandRunner = execFileRunner,
    private readonly command = 'lsof',
  ) {}

  /** -n/-P: numbers, no DNS or service names; +c 0: whole command names; -w: no warnings. */
  static readonly ARGS = ['-nP', '-w', '+c', '0', '-iTCP', '-iUDP', '-Tqs', '-FpcLftdPnT'] as const;

  async read(): Promise<SocketReading> {
    let result: CommandResult;
    try {
      result = await this.run(this.command, LsofSocketProvider.ARGS);
    } catch (error) {
      throw commandError(
        'lsof',
        error,
        'Portolan reads the socket table on macOS with lsof, which macOS installs as /usr/sbin/lsof: make sure /usr/sbin is on PATH (elsewhere, install the lsof package).',
      );
    }
    // lsof exits with 1 when it found nothing to list, which is not an error.
    if (result.exitCode !== 0 && (result.exitCode !== 1 || (!result.stdout && result.stderr.trim()))) {
      throw new Error(`lsof failed (exit code ${result.exitCode}): ${firstLine(result.stderr) || 'no message'}`);
    }
    const rows = parseLsof(result.stdout);
    return { rows, hiddenOwners: rows.filter((row) => row.pid === undefined).length };
  }
}

/**
 * Windows: `netstat -ano` (every socket with its PID, no administrator rights needed) and
 * `tasklist` for the names of the PIDs. Names are kept between ticks; tasklist runs again only
 * when a PID has no name yet (at most every 2 s), or every 10 s so that a reused PID gets its
 * new name.
 */
export class NetstatSocketProvider implements SocketProvider {
  readonly source = 'netstat';
  private names = new Map<number, string>();
  private namesAt = -Infinity;

  constructor(
    private readonly run: CommandRunner = execFileRunner,
    private readonly now: () => number = Date.now,
  ) {}

  static readonly NETSTAT_ARGS = ['-ano'] as const;
  static readonly TASKLIST_ARGS = ['/fo', 'csv', '/nh'] as const;

  async read(): Promise<SocketReading> {
    let result: CommandResult;
    try {
      result = await this.run('netstat', NetstatSocketProvider.NETSTAT_ARGS);
    } catch (error) {
      throw commandError('netstat', error, 'It is part of Windows (C:\\Windows\\System32\\netstat.exe): make sure C:\\Windows\\System32 is on PATH.');
    }
    if (result.exitCode !== 0) {
      throw new Error(`netstat -ano failed (exit code ${result.exitCode}): ${firstLine(result.stderr || result.stdout) || 'no message'}`);
    }
    let rows = parseNetstat(result.stdout, this.names);
    const unnamed = rows.some((row) => row.pid !== undefined && !this.names.has(row.pid));
    const age = this.now() - this.namesAt;
    if (((unnamed && age > 2_000) || age > 10_000) && (await this.refreshNames())) {
      rows = parseNetstat(result.stdout, this.names);
    }
    // netstat -ano shows every socket's PID to every user; PID 0 (TIME_WAIT) means no process.
    return { rows, hiddenOwners: 0 };
  }

  /** Reads the process names again; false (names unchanged) when tasklist cannot be run. */
  private async refreshNames(): Promise<boolean> {
    this.namesAt = this.now(); // also after a failure, so that it is not retried every tick
    try {
      const result = await this.run('tasklist', NetstatSocketProvider.TASKLIST_ARGS);
      if (result.exitCode !== 0) return false;
      this.names = parseTasklist(result.stdout);
      return true;
    } catch {
      // Without tasklist the table still has every socket and PID; only the names are missing.
      return false;
    }
  }
}
