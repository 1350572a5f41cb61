/**
 * Atomic file writes: a crash mid-write leaves either the old file or the new one, never half.
 * The temporary file is flushed before the rename and the folder after it, so that the rename
 * itself survives a power cut. Temporaries left by a killed write are removed at start.
 */
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/** `settings.json.1234.0a1b2c3d.tmp`: the writer's pid, then random hex. */
const TEMP_NAME = /\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** Writes `data` to a temporary file beside `file`, flushes it to disk, renames it over `file`, then flushes the folder. */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  // The random part only keeps two writes of one process apart (the folder is the user's own):
  // Math.random does that without loading node:crypto (10 ms of a CLI command's start).
  const random = Math.floor(Math.random() * 0x1_0000_0000).toString(16).padStart(8, '0');
  const tmp = `${file}.${process.pid}.${random}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    // The temporary holds only a copy of what failed to land; the caller gets the rename's error.
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDir(dir);
}

/** Flushes a folder's entries (the rename) to disk. Windows cannot open a folder for this: skipped there. */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** True when a process with this pid runs (EPERM: it runs as another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temporaries left in `dir` by writes that were killed before their rename. A temporary
 * is never the only copy of anything (until the rename, the old file is intact), so removing it
 * loses nothing. Those of a live process (another Portolan writing now) are left alone.
 * Returns the names removed.
 */
export async function removeOrphanTemps(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = TEMP_NAME.exec(name)?.[1];
    if (!pid || Number(pid) === process.pid || alive(Number(pid))) continue;
    try {
      await unlink(path.join(dir, name));
      removed.push(name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return removed;
}
